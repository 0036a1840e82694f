package cognitoauth_test

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/jsii-runtime-go"

	"github.com/gatehouse-dev/cognito-authorizer/infra/cognitoauth"
)

// The authorizer in front of a method of an API made elsewhere, for a pool
// made elsewhere: the README's CDK snippet. It compiles; TestExistingPoolAndAPI
// synthesizes the same.
func ExampleNew() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Api"), nil)
	api := awsapigateway.RestApi_FromRestApiAttributes(stack, jsii.String("Api"), &awsapigateway.RestApiAttributes{
		RestApiId: jsii.String("a1b2c3d4e5"), RootResourceId: jsii.String("r00tr3s0"),
	})

	pool := awscognito.UserPool_FromUserPoolId(stack, jsii.String("Pool"), jsii.String("eu-west-1_AbC123xyz"))
	auth := cognitoauth.New(stack, "CognitoAuth", &cognitoauth.Props{
		UserPool:   pool,
		ClientIDs:  []*string{jsii.String("1example23456789")},
		RouteRules: `[{"route": "POST /notes", "groups": ["writers"]}]`,
		RestApi:    api,                 // gets the 401, 403 and 503 answers
		CodeDir:    "../bin/authorizer", // make build
		CacheTTL:   awscdk.Duration_Seconds(jsii.Number(300)),
	})
	api.Root().AddResource(jsii.String("notes"), nil).AddMethod(jsii.String("POST"), awsapigateway.NewMockIntegration(nil),
		&awsapigateway.MethodOptions{
			AuthorizationType: awsapigateway.AuthorizationType_CUSTOM,
			Authorizer:        auth.Authorizer,
		})
}

// The authorizer accepting tokens of two user pools, one of the stack and
// one made elsewhere, and of an OpenID Connect provider: the function gets
// them as ISSUERS (or, too large for Lambda's environment, in
// issuers.json beside bootstrap, as ISSUERS_FILE).
func ExampleNew_issuers() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Api"), nil)
	pool := awscognito.NewUserPool(stack, jsii.String("Pool"), nil)
	client := pool.AddClient(jsii.String("Web"), nil)
	partners := awscognito.UserPool_FromUserPoolId(stack, jsii.String("Partners"), jsii.String("eu-west-1_AbC123xyz"))

	cognitoauth.New(stack, "CognitoAuth", &cognitoauth.Props{
		Issuers: []cognitoauth.Issuer{
			{Cognito: &cognitoauth.CognitoIssuer{UserPool: pool, ClientIDs: []*string{client.UserPoolClientId()}}},
			{Cognito: &cognitoauth.CognitoIssuer{
				UserPool:  partners,
				ClientIDs: []*string{jsii.String("1example23456789")},
				TokenUses: []string{"access"},
			}},
			{OIDC: &cognitoauth.OIDCIssuer{
				Issuer:      "https://example.eu.auth0.com/",
				Audiences:   []string{"https://api.example.com"},
				GroupsClaim: "https://example.com/groups",
			}},
		},
		CodeDir: "../bin/authorizer", // make build
	})
}

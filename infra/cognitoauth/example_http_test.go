package cognitoauth_test

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/jsii-runtime-go"

	"github.com/gatehouse-dev/cognito-authorizer/infra/cognitoauth"
)

// The authorizer in front of a route of an HTTP API, for a pool made
// elsewhere: docs/http-apis.md's CDK snippet. Simple answers (the
// default) with route rules: the identity sources are the Authorization
// header and the request's route, method and path. It compiles;
// TestHTTPAuthorizer synthesizes the same.
func ExampleNewHTTP() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Api"), nil)
	api := awsapigatewayv2.NewHttpApi(stack, jsii.String("Api"), nil)

	pool := awscognito.UserPool_FromUserPoolId(stack, jsii.String("Pool"), jsii.String("eu-west-1_AbC123xyz"))
	auth := cognitoauth.NewHTTP(stack, "CognitoAuth", &cognitoauth.Props{
		UserPool:   pool,
		ClientIDs:  []*string{jsii.String("1example23456789")},
		RouteRules: `[{"route": "POST /notes", "groups": ["writers"]}]`,
		CodeDir:    "../bin/authorizer", // make build
		CacheTTL:   awscdk.Duration_Seconds(jsii.Number(300)),
	}, &cognitoauth.HTTPProps{
		HttpApi: api, // or awsapigatewayv2.HttpApi_FromHttpApiAttributes
		// Response: settings.HTTPAPIIAM for policies cached per token
	})
	api.AddRoutes(&awsapigatewayv2.AddRoutesOptions{
		Path:        jsii.String("/notes"),
		Methods:     &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_POST},
		Integration: awsapigatewayv2integrations.NewHttpUrlIntegration(jsii.String("Notes"), jsii.String("https://notes.example.com/notes"), nil),
		Authorizer:  auth.HTTP.Route,
	})
}

package cognitoauth_test

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/jsii-runtime-go"

	"github.com/gatehouse-dev/cognito-authorizer/infra/cognitoauth"
)

// Usage plans per tenant (docs/usage-plans.md): the pool's admin-only
// custom attribute holds each user's tenant key, the authorizer answers it
// as usageIdentifierKey, the API reads its keys from the authorizer
// (New sets AUTHORIZER on a RestApi of the stack), its methods require a
// key (MethodOptions), and a usage plan holds the stage and the tenant's
// key. Tenants' keys are better made when they sign up, out of the
// template: a key's value in the template is readable by whoever reads
// the template.
func ExampleAuthorizer_MethodOptions() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Api"), nil)
	pool := awscognito.NewUserPool(stack, jsii.String("Pool"), &awscognito.UserPoolProps{
		CustomAttributes: &map[string]awscognito.ICustomAttribute{
			"tenant_key": awscognito.NewStringAttribute(&awscognito.StringAttributeProps{
				MinLen: jsii.Number(20), MaxLen: jsii.Number(128), Mutable: jsii.Bool(true),
			}),
		},
	})
	// What users may write of themselves: not custom:tenant_key.
	client := pool.AddClient(jsii.String("Web"), &awscognito.UserPoolClientOptions{
		WriteAttributes: awscognito.NewClientAttributes().WithStandardAttributes(&awscognito.StandardAttributesMask{
			Email: jsii.Bool(true), Fullname: jsii.Bool(true),
		}),
	})
	api := awsapigateway.NewRestApi(stack, jsii.String("Api"), nil)
	auth := cognitoauth.New(stack, "CognitoAuth", &cognitoauth.Props{
		UserPool:                pool,
		ClientIDs:               []*string{client.UserPoolClientId()},
		TokenUses:               []string{"id"}, // access tokens carry no custom attributes
		RestApi:                 api,
		UsageIdentifierClaim:    "custom:tenant_key",
		UsageIdentifierRequired: true,
		CodeDir:                 "../bin/authorizer", // make build
	})
	api.Root().AddResource(jsii.String("notes"), nil).AddMethod(jsii.String("GET"), awsapigateway.NewMockIntegration(nil),
		auth.MethodOptions()) // CUSTOM, and an API key required

	plan := api.AddUsagePlan(jsii.String("Standard"), &awsapigateway.UsagePlanProps{
		Throttle: &awsapigateway.ThrottleSettings{RateLimit: jsii.Number(10), BurstLimit: jsii.Number(20)},
		Quota:    &awsapigateway.QuotaSettings{Limit: jsii.Number(10000), Period: awsapigateway.Period_MONTH},
	})
	plan.AddApiStage(&awsapigateway.UsagePlanPerApiStage{Api: api, Stage: api.DeploymentStage()})
}

package cognitoauth

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// UsageKeySource is the API key source of a REST API whose usage plans
// count the keys the authorizer answers (usageIdentifierKey) rather than
// an X-API-Key header.
const UsageKeySource = awsapigateway.ApiKeySourceType_AUTHORIZER

// usageKeySourceCLI sets UsageKeySource on an API the stack does not make.
const usageKeySourceCLI = "aws apigateway update-rest-api --rest-api-id <id> --patch-operations op=replace,path=/apiKeySource,value=AUTHORIZER"

// restApiResource is the AWS::ApiGateway::RestApi of api when the stack
// makes it, nil when it is imported.
func restApiResource(api awsapigateway.IRestApi) awsapigateway.CfnRestApi {
	if api == nil {
		return nil
	}
	cfn, _ := api.Node().DefaultChild().(awsapigateway.CfnRestApi)
	return cfn
}

// checkUsage checks that a RestApi of the stack does not read API keys
// from elsewhere than the authorizer while its usage identifier is set.
func (p Props) checkUsage(add func(format string, args ...any)) {
	cfn := restApiResource(p.RestApi)
	if p.UsageIdentifierClaim == "" || cfn == nil {
		return
	}
	if src := cfn.ApiKeySourceType(); src != nil && *src != string(UsageKeySource) {
		add("RestApi: its ApiKeySourceType is %s: the keys the authorizer answers (UsageIdentifierClaim) count only with %s", *src, UsageKeySource)
	}
}

// useAuthorizerKeys gives api the API key source AUTHORIZER, or, for an
// API the stack does not make, warns that it must be set by hand.
func useAuthorizerKeys(scope constructs.Construct, api awsapigateway.IRestApi) {
	cfn := restApiResource(api)
	if cfn == nil {
		awscdk.Annotations_Of(scope).AddWarningV2(jsii.String("cognitoauth:usageKeySource"), jsii.String(fmt.Sprintf(
			"UsageIdentifierClaim is set but the RestApi is not of this stack: set its API key source to AUTHORIZER (%s) and redeploy it, or no usage plan counts the keys the authorizer answers",
			usageKeySourceCLI)), nil)
		return
	}
	cfn.SetApiKeySourceType(jsii.String(string(UsageKeySource)))
}

// MethodOptions are the options of a REST API method behind the
// authorizer (New): CUSTOM authorization by a.Authorizer and, with a
// UsageIdentifierClaim, an API key required, without which API Gateway
// applies no usage plan to the method (and, with the key source
// AUTHORIZER, refuses the method with 403 to a caller whose answer has no
// key of the stage's plans).
func (a *Authorizer) MethodOptions() *awsapigateway.MethodOptions {
	return &awsapigateway.MethodOptions{
		AuthorizationType: awsapigateway.AuthorizationType_CUSTOM,
		Authorizer:        a.Authorizer,
		ApiKeyRequired:    jsii.Bool(a.props.UsageIdentifierClaim != ""),
	}
}

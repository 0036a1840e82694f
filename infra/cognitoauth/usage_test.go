package cognitoauth_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/jsii-runtime-go"

	"github.com/gatehouse-dev/cognito-authorizer/infra/cognitoauth"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/testenv"
)

const tenantClaim = "custom:tenant_key"

// usageStack is a stack with a RestApi of its own (or, imported, one made
// elsewhere), the authorizer with props' usage identifier, and GET /orders
// with the construct's MethodOptions.
func usageStack(t *testing.T, imported bool, props cognitoauth.Props) (awscdk.Stack, assertions.Template) {
	t.Helper()
	testenv.LookPath(t, "node", "install Node.js 22+ (https://nodejs.org)")
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
	stack := awscdk.NewStack(app, jsii.String("Usage"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("eu-west-1")},
	})
	var api awsapigateway.IRestApi
	if imported {
		api = awsapigateway.RestApi_FromRestApiAttributes(stack, jsii.String("Api"), &awsapigateway.RestApiAttributes{
			RestApiId: jsii.String(apiID), RootResourceId: jsii.String(rootID),
		})
	} else {
		api = awsapigateway.NewRestApi(stack, jsii.String("Api"), nil)
	}
	props.UserPool = awscognito.UserPool_FromUserPoolId(stack, jsii.String("Pool"), jsii.String(poolID))
	props.ClientIDs = *jsii.Strings("client1")
	props.CodeDir = dummyCode(t)
	props.RestApi = api
	auth := cognitoauth.New(stack, "Auth", &props)
	api.Root().AddResource(jsii.String("orders"), nil).AddMethod(jsii.String("GET"), awsapigateway.NewMockIntegration(nil), auth.MethodOptions())
	return stack, assertions.Template_FromStack(stack, nil)
}

// TestUsageIdentifier: with the claim set, the function gets both
// variables, the API of the stack reads its keys from the authorizer, and
// MethodOptions' methods require a key (without which no usage plan
// applies).
func TestUsageIdentifier(t *testing.T) {
	_, template := usageStack(t, false, cognitoauth.Props{UsageIdentifierClaim: tenantClaim, UsageIdentifierRequired: true})
	assert(t, func() {
		template.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{
			"Environment": map[string]any{"Variables": assertions.Match_ObjectLike(&map[string]any{
				settings.EnvUsageIdentifierClaim:    tenantClaim,
				settings.EnvUsageIdentifierRequired: "true",
			})},
		})
	})
	assert(t, func() {
		template.HasResourceProperties(jsii.String("AWS::ApiGateway::RestApi"), map[string]any{"ApiKeySourceType": "AUTHORIZER"})
	})
	assert(t, func() {
		template.HasResourceProperties(jsii.String("AWS::ApiGateway::Method"), map[string]any{
			"HttpMethod": "GET", "AuthorizationType": "CUSTOM", "ApiKeyRequired": true,
		})
	})
}

// TestUsageIdentifierOff: without the claim nothing of it is set: no
// variable, the API's default key source, no key required.
func TestUsageIdentifierOff(t *testing.T) {
	_, template := usageStack(t, false, cognitoauth.Props{})
	assert(t, func() {
		template.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{
			"Environment": map[string]any{"Variables": assertions.Match_ObjectLike(&map[string]any{
				settings.EnvUsageIdentifierClaim:    assertions.Match_Absent(),
				settings.EnvUsageIdentifierRequired: assertions.Match_Absent(),
			})},
		})
	})
	assert(t, func() {
		template.HasResourceProperties(jsii.String("AWS::ApiGateway::RestApi"), map[string]any{"ApiKeySourceType": assertions.Match_Absent()})
	})
	assert(t, func() {
		template.HasResourceProperties(jsii.String("AWS::ApiGateway::Method"), map[string]any{
			"HttpMethod": "GET", "AuthorizationType": "CUSTOM", "ApiKeyRequired": false,
		})
	})
	// Not required: the variable stays unset (the function's default).
	_, template = usageStack(t, false, cognitoauth.Props{UsageIdentifierClaim: tenantClaim})
	assert(t, func() {
		template.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{
			"Environment": map[string]any{"Variables": assertions.Match_ObjectLike(&map[string]any{
				settings.EnvUsageIdentifierClaim:    tenantClaim,
				settings.EnvUsageIdentifierRequired: assertions.Match_Absent(),
			})},
		})
	})
}

// TestUsageIdentifierImportedAPI: an API the stack does not make cannot
// be changed: the synthesis warns, naming the CLI step.
func TestUsageIdentifierImportedAPI(t *testing.T) {
	stack, template := usageStack(t, true, cognitoauth.Props{UsageIdentifierClaim: tenantClaim})
	template.ResourceCountIs(jsii.String("AWS::ApiGateway::RestApi"), jsii.Number(0))
	assert(t, func() {
		assertions.Annotations_FromStack(stack).HasWarning(jsii.String("*"),
			assertions.Match_StringLikeRegexp(jsii.String("update-rest-api .*path=/apiKeySource,value=AUTHORIZER")))
	})
	// Without the claim, no warning.
	stack, _ = usageStack(t, true, cognitoauth.Props{})
	assert(t, func() {
		assertions.Annotations_FromStack(stack).HasNoWarning(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("apiKeySource")))
	})
}

// TestCheckUsage: the function's rules (REQUIRED needs the claim; a claim
// name in bounds) and the construct's (an API that reads keys from the
// X-API-Key header counts none of the authorizer's).
func TestCheckUsage(t *testing.T) {
	testenv.LookPath(t, "node", "install Node.js 22+ (https://nodejs.org)")
	stack := awscdk.NewStack(nil, jsii.String("Check"), nil)
	pool := awscognito.UserPool_FromUserPoolId(stack, jsii.String("Pool"), jsii.String(poolID))
	header := awsapigateway.NewRestApi(stack, jsii.String("HeaderKeys"), &awsapigateway.RestApiProps{
		ApiKeySourceType: awsapigateway.ApiKeySourceType_HEADER,
	})
	authorizerKeys := awsapigateway.NewRestApi(stack, jsii.String("AuthorizerKeys"), &awsapigateway.RestApiProps{
		ApiKeySourceType: awsapigateway.ApiKeySourceType_AUTHORIZER,
	})
	codeDir := dummyCode(t)
	tests := []struct {
		name    string
		props   cognitoauth.Props
		wantErr string
	}{
		{"claim", cognitoauth.Props{UsageIdentifierClaim: tenantClaim}, ""},
		{"claim, required", cognitoauth.Props{UsageIdentifierClaim: tenantClaim, UsageIdentifierRequired: true}, ""},
		{"API reading the authorizer's keys", cognitoauth.Props{UsageIdentifierClaim: tenantClaim, RestApi: authorizerKeys}, ""},
		{"header keys without the claim", cognitoauth.Props{RestApi: header}, ""},
		{"required without the claim", cognitoauth.Props{UsageIdentifierRequired: true}, settings.EnvUsageIdentifierRequired + ": "},
		{"claim too long", cognitoauth.Props{UsageIdentifierClaim: strings.Repeat("c", 300)}, settings.EnvUsageIdentifierClaim + ": "},
		{"API reading header keys", cognitoauth.Props{UsageIdentifierClaim: tenantClaim, RestApi: header}, "RestApi: its ApiKeySourceType is HEADER"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.props
			p.UserPool, p.ClientIDs, p.CodeDir = pool, *jsii.Strings("client1"), codeDir
			err := p.Check()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("Check() = %v, want nil", err)
			case tt.wantErr != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.wantErr)):
				t.Errorf("Check() = %v, want an error starting %q", err, tt.wantErr)
			}
		})
	}
}

// TestUsageEnvironmentNames: the variables the construct sets for the
// usage identifier are ones the authorizer reads.
func TestUsageEnvironmentNames(t *testing.T) {
	testenv.LookPath(t, "node", "install Node.js 22+ (https://nodejs.org)")
	stack := awscdk.NewStack(nil, jsii.String("Env"), nil)
	env := (&cognitoauth.Props{
		UserPool:                awscognito.UserPool_FromUserPoolId(stack, jsii.String("Pool"), jsii.String(poolID)),
		ClientIDs:               *jsii.Strings("client1"),
		CodeDir:                 dummyCode(t),
		UsageIdentifierClaim:    tenantClaim,
		UsageIdentifierRequired: true,
	}).Environment()
	known := map[string]bool{}
	for _, s := range settings.AuthorizerSettings {
		known[s.Name] = true
	}
	for _, name := range []string{settings.EnvUsageIdentifierClaim, settings.EnvUsageIdentifierRequired} {
		if env[name] == nil || !known[name] {
			t.Errorf("Environment() sets %s = %v; want it set, and read by the authorizer", name, env[name])
		}
	}
}

package cognitoauth_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/jsii-runtime-go"
	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/cognito-authorizer/infra/cognitoauth"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/testenv"
)

// The existing resources the tiny stack imports: a pool, a REST API and a
// revocation table made elsewhere.
const (
	poolID       = "eu-west-1_AbC123xyz"
	apiID        = "a1b2c3d4e5"
	rootID       = "r00tr3s0"
	revokedTable = "revoked-sessions"
	rules        = `[{"route":"GET /orders","groups":["buyers"]},{"route":"GET /orders/{id}","anyOf":[{"bind":{"id":"sub"}},{"groups":["admins"]}]}]`
)

// dummyCode is a directory holding a bootstrap file, standing in for
// make build's bin/authorizer.
func dummyCode(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bootstrap"), []byte("not a binary\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

type resource struct {
	Type       string
	Properties map[string]any
}

// existingAPIStack is a stack that owns none of the pool, the API or the
// table: it puts the authorizer in front of GET /orders of an API made
// elsewhere, through the construct only (the method is the user's).
func existingAPIStack(t *testing.T) (awscdk.Stack, *cognitoauth.Authorizer) {
	t.Helper()
	testenv.LookPath(t, "node", "install Node.js 22+ (https://nodejs.org)")
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
	stack := awscdk.NewStack(app, jsii.String("Existing"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("eu-west-1")},
	})
	pool := awscognito.UserPool_FromUserPoolId(stack, jsii.String("Pool"), jsii.String(poolID))
	api := awsapigateway.RestApi_FromRestApiAttributes(stack, jsii.String("Api"), &awsapigateway.RestApiAttributes{
		RestApiId:      jsii.String(apiID),
		RootResourceId: jsii.String(rootID),
	})
	table := awsdynamodb.Table_FromTableName(stack, jsii.String("Revoked"), jsii.String(revokedTable))
	auth := cognitoauth.New(stack, "Auth", &cognitoauth.Props{
		UserPool:           pool,
		ClientIDs:          *jsii.Strings("client1", "client2"),
		TokenUses:          []string{settings.TokenUseAccess},
		RouteRules:         rules,
		CacheTTL:           awscdk.Duration_Seconds(jsii.Number(60)),
		TokenValidity:      awscdk.Duration_Minutes(jsii.Number(60)),
		CodeDir:            dummyCode(t),
		RevocationTable:    table,
		RevocationCacheTTL: awscdk.Duration_Seconds(jsii.Number(5)),
		RestApi:            api,
	})
	api.Root().AddResource(jsii.String("orders"), nil).AddMethod(jsii.String("GET"),
		awsapigateway.NewMockIntegration(nil),
		&awsapigateway.MethodOptions{
			AuthorizationType: awsapigateway.AuthorizationType_CUSTOM,
			Authorizer:        auth.Authorizer,
		})
	return stack, auth
}

func TestExistingPoolAndAPI(t *testing.T) {
	stack, auth := existingAPIStack(t)
	template := assertions.Template_FromStack(stack, nil)
	raw, err := json.Marshal(template.ToJSON())
	if err != nil {
		t.Fatal(err)
	}
	var parsed struct{ Resources map[string]resource }
	if err := json.Unmarshal(raw, &parsed); err != nil {
		t.Fatal(err)
	}
	byType := map[string][]resource{}
	for _, r := range parsed.Resources {
		byType[r.Type] = append(byType[r.Type], r)
	}
	// What the stack holds: the construct's resources and the user's
	// method, nothing of the pool, the API or the table.
	gotCount := map[string]int{}
	for typ, rs := range byType {
		gotCount[typ] = len(rs)
	}
	wantCount := map[string]int{
		"AWS::Logs::LogGroup":              1,
		"AWS::IAM::Role":                   1,
		"AWS::IAM::Policy":                 1,
		"AWS::Lambda::Function":            1,
		"AWS::Lambda::Permission":          1,
		"AWS::ApiGateway::Authorizer":      1,
		"AWS::ApiGateway::GatewayResponse": 4,
		"AWS::ApiGateway::Resource":        1,
		"AWS::ApiGateway::Method":          1,
	}
	if diff := cmp.Diff(wantCount, gotCount); diff != "" {
		t.Errorf("resources by type (-want +got):\n%s", diff)
	}

	fnID := *stack.GetLogicalId(auth.Function.Node().DefaultChild().(awscdk.CfnElement))
	logsID := *stack.GetLogicalId(auth.LogGroup.Node().DefaultChild().(awscdk.CfnElement))
	fn := parsed.Resources[fnID]
	wantEnv := map[string]any{
		settings.EnvUserPoolID:         poolID,
		settings.EnvClientIDs:          "client1,client2",
		settings.EnvTokenUse:           "access",
		settings.EnvLogLevel:           "info",
		settings.EnvFunctionTimeout:    "5s",
		settings.EnvRouteRules:         rules,
		settings.EnvRevocationTable:    revokedTable,
		settings.EnvRevocationCacheTTL: "5s",
	}
	wantFn := map[string]any{
		"Runtime":       "provided.al2023",
		"Architectures": []any{"arm64"},
		"Handler":       "bootstrap",
		"MemorySize":    float64(128),
		"Timeout":       float64(5),
		"Environment":   map[string]any{"Variables": wantEnv},
		"LoggingConfig": map[string]any{
			"LogFormat": "JSON", "LogGroup": map[string]any{"Ref": logsID},
			"ApplicationLogLevel": "INFO", "SystemLogLevel": "INFO",
		},
	}
	gotFn := map[string]any{}
	for k := range wantFn {
		gotFn[k] = fn.Properties[k]
	}
	if diff := cmp.Diff(wantFn, gotFn); diff != "" {
		t.Errorf("function (-want +got):\n%s", diff)
	}

	// The role: its own log group, and reads of the revocation table.
	policy := byType["AWS::IAM::Policy"][0].Properties["PolicyDocument"].(map[string]any)
	wantStatements := []any{
		map[string]any{
			"Effect":   "Allow",
			"Action":   []any{"logs:CreateLogStream", "logs:PutLogEvents"},
			"Resource": map[string]any{"Fn::GetAtt": []any{logsID, "Arn"}},
		},
		map[string]any{
			"Effect":   "Allow",
			"Action":   "dynamodb:BatchGetItem",
			"Resource": "arn:" + "${Partition}" + ":dynamodb:eu-west-1:123456789012:table/" + revokedTable,
		},
	}
	// The table's ARN is a Join on the partition; render it.
	gotStatements := policy["Statement"].([]any)
	if len(gotStatements) == 2 {
		st := gotStatements[1].(map[string]any)
		st["Resource"] = renderJoin(st["Resource"])
	}
	if diff := cmp.Diff(wantStatements, gotStatements); diff != "" {
		t.Errorf("role policy (-want +got):\n%s", diff)
	}
	if mp := byType["AWS::IAM::Role"][0].Properties["ManagedPolicyArns"]; mp != nil {
		t.Errorf("role has managed policies %v, want none", mp)
	}

	authorizer := byType["AWS::ApiGateway::Authorizer"][0].Properties
	wantAuthorizer := map[string]any{
		"Type":                         "TOKEN",
		"RestApiId":                    apiID,
		"IdentitySource":               "method.request.header.Authorization",
		"IdentityValidationExpression": cognitoauth.TokenPattern,
		"AuthorizerResultTtlInSeconds": float64(60),
	}
	gotAuthorizer := map[string]any{}
	for k := range wantAuthorizer {
		gotAuthorizer[k] = authorizer[k]
	}
	if diff := cmp.Diff(wantAuthorizer, gotAuthorizer); diff != "" {
		t.Errorf("authorizer (-want +got):\n%s", diff)
	}

	// API Gateway may invoke the function as this API's authorizer only.
	perm := byType["AWS::Lambda::Permission"][0].Properties
	if src := renderJoin(perm["SourceArn"]); !regexp.MustCompile(`^arn:\$\{Partition\}:execute-api:eu-west-1:123456789012:` + apiID + `/authorizers/\$\{[A-Za-z0-9]+\}$`).MatchString(src.(string)) {
		t.Errorf("permission SourceArn = %v, want this API's authorizer", src)
	}

	method := byType["AWS::ApiGateway::Method"][0].Properties
	if method["RestApiId"] != apiID || method["AuthorizationType"] != "CUSTOM" || method["AuthorizerId"] == nil {
		t.Errorf("method = %v, want CUSTOM on %s with the authorizer", method, apiID)
	}

	type response struct {
		Status  string
		Headers map[string]any
		Body    any
	}
	gotResponses := map[string]response{}
	for _, r := range byType["AWS::ApiGateway::GatewayResponse"] {
		if r.Properties["RestApiId"] != apiID {
			t.Errorf("gateway response %v on API %v, want %s", r.Properties["ResponseType"], r.Properties["RestApiId"], apiID)
		}
		h, _ := r.Properties["ResponseParameters"].(map[string]any)
		gotResponses[r.Properties["ResponseType"].(string)] = response{
			Status: r.Properties["StatusCode"].(string), Headers: h,
			Body: r.Properties["ResponseTemplates"].(map[string]any)["application/json"],
		}
	}
	errorBody := `{"message":$context.error.messageString}`
	retry := map[string]any{"gatewayresponse.header.Retry-After": "'5'"}
	wantResponses := map[string]response{
		"UNAUTHORIZED":                   {"401", map[string]any{"gatewayresponse.header.WWW-Authenticate": "'Bearer'"}, errorBody},
		"ACCESS_DENIED":                  {"403", nil, errorBody},
		"AUTHORIZER_FAILURE":             {"503", retry, cognitoauth.UnavailableBody},
		"AUTHORIZER_CONFIGURATION_ERROR": {"503", retry, cognitoauth.UnavailableBody},
	}
	if diff := cmp.Diff(wantResponses, gotResponses); diff != "" {
		t.Errorf("gateway responses (-want +got):\n%s", diff)
	}
}

// renderJoin writes an Fn::Join as one string, with Refs as ${Name} and
// the partition as ${Partition}.
func renderJoin(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	join, ok := m["Fn::Join"].([]any)
	if !ok || len(join) != 2 {
		return v
	}
	var b strings.Builder
	for _, part := range join[1].([]any) {
		switch p := part.(type) {
		case string:
			b.WriteString(p)
		case map[string]any:
			if ref, ok := p["Ref"].(string); ok {
				if ref == "AWS::Partition" {
					ref = "Partition"
				}
				b.WriteString("${" + ref + "}")
			}
		}
	}
	return b.String()
}

// TestCheck checks props with the function's own validation: each problem
// named by its variable or field.
func TestCheck(t *testing.T) {
	testenv.LookPath(t, "node", "install Node.js 22+ (https://nodejs.org)")
	stack := awscdk.NewStack(nil, jsii.String("Check"), nil)
	pool := awscognito.UserPool_FromUserPoolId(stack, jsii.String("Pool"), jsii.String(poolID))
	newPool := awscognito.NewUserPool(stack, jsii.String("NewPool"), nil)
	table := awsdynamodb.Table_FromTableName(stack, jsii.String("Revoked"), jsii.String(revokedTable))
	codeDir := dummyCode(t)
	if err := os.WriteFile(filepath.Join(codeDir, "rules.json"), []byte(rules), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(codeDir, "bad.json"), []byte(`[{"route":"GET /x","group":["a"]}]`), 0o644); err != nil {
		t.Fatal(err)
	}
	base := func() cognitoauth.Props {
		return cognitoauth.Props{UserPool: pool, ClientIDs: *jsii.Strings("client1"), CodeDir: codeDir}
	}
	tests := []struct {
		name    string
		change  func(p *cognitoauth.Props)
		wantErr string // the start of the error; "" for none
	}{
		{"defaults", func(*cognitoauth.Props) {}, ""},
		{"a pool of the stack, a client id token", func(p *cognitoauth.Props) {
			p.UserPool = newPool
			p.ClientIDs = []*string{newPool.AddClient(jsii.String("C"), nil).UserPoolClientId()}
		}, ""},
		{"rules file", func(p *cognitoauth.Props) { p.RouteRulesFile = "rules.json" }, ""},
		{"revocation", func(p *cognitoauth.Props) {
			p.RevocationTable, p.RevocationCacheTTL = table, awscdk.Duration_Seconds(jsii.Number(0))
		}, ""},
		{"TTL equal to the validity", func(p *cognitoauth.Props) {
			p.CacheTTL, p.TokenValidity = awscdk.Duration_Minutes(jsii.Number(5)), awscdk.Duration_Minutes(jsii.Number(5))
		}, ""},
		{"no pool", func(p *cognitoauth.Props) { p.UserPool = nil }, "UserPool: "},
		{"no client", func(p *cognitoauth.Props) { p.ClientIDs = nil }, "ClientIDs: "},
		{"no code", func(p *cognitoauth.Props) { p.CodeDir = "" }, "CodeDir: "},
		{"bad client id", func(p *cognitoauth.Props) { p.ClientIDs = *jsii.Strings("no spaces") }, settings.EnvClientIDs + ": "},
		{"token use refresh", func(p *cognitoauth.Props) { p.TokenUses = []string{"refresh"} }, settings.EnvTokenUse + ": "},
		{"TTL longer than the validity", func(p *cognitoauth.Props) {
			p.CacheTTL, p.TokenValidity = awscdk.Duration_Minutes(jsii.Number(10)), awscdk.Duration_Minutes(jsii.Number(5))
		}, "CacheTTL: 600 s is longer than the tokens' validity"},
		{"TTL over an hour", func(p *cognitoauth.Props) { p.CacheTTL = awscdk.Duration_Hours(jsii.Number(2)) }, "CacheTTL: "},
		{"bad rules", func(p *cognitoauth.Props) { p.RouteRules = `[{"route":"FETCH /x"}]` }, settings.EnvRouteRules + ": rules[0]"},
		{"bad rules file", func(p *cognitoauth.Props) { p.RouteRulesFile = "bad.json" }, settings.EnvRouteRulesFile + ": "},
		{"rules file outside the code", func(p *cognitoauth.Props) { p.RouteRulesFile = "../rules.json" }, "RouteRulesFile: "},
		{"both rules", func(p *cognitoauth.Props) { p.RouteRules, p.RouteRulesFile = rules, "rules.json" }, "RouteRules, RouteRulesFile: "},
		{"rules too large for the environment", func(p *cognitoauth.Props) {
			p.RouteRules = `[{"route":"GET /` + strings.Repeat("a", 4000) + `"}]`
		}, settings.EnvRouteRules + ": "},
		{"timeout too short for the JWKS fetch", func(p *cognitoauth.Props) { p.Timeout = awscdk.Duration_Seconds(jsii.Number(3)) }, settings.EnvJWKSTimeout + ": "},
		{"revocation cache TTL too long", func(p *cognitoauth.Props) {
			p.RevocationTable, p.RevocationCacheTTL = table, awscdk.Duration_Seconds(jsii.Number(90))
		}, settings.EnvRevocationCacheTTL + ": "},
		{"revocation cache TTL without a table", func(p *cognitoauth.Props) { p.RevocationCacheTTL = awscdk.Duration_Seconds(jsii.Number(5)) }, "RevocationCacheTTL: "},
		{"bad header", func(p *cognitoauth.Props) { p.TokenHeader = "bad header" }, settings.EnvTokenHeader + ": "},
		{"bad type", func(p *cognitoauth.Props) { p.Type = "COGNITO" }, "Type: "},
		{"bad log level", func(p *cognitoauth.Props) { p.LogLevel = "loud" }, settings.EnvLogLevel + ": "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := base()
			tt.change(&p)
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

// TestEnvironmentNames checks that the construct, with every option set,
// sets only variables the authorizer reads.
func TestEnvironmentNames(t *testing.T) {
	testenv.LookPath(t, "node", "install Node.js 22+ (https://nodejs.org)")
	stack := awscdk.NewStack(nil, jsii.String("Names"), nil)
	env := (&cognitoauth.Props{
		UserPool:           awscognito.UserPool_FromUserPoolId(stack, jsii.String("Pool"), jsii.String(poolID)),
		ClientIDs:          *jsii.Strings("client1"),
		Type:               cognitoauth.Request,
		TokenHeader:        "token",
		RequiredGroups:     []string{"g"},
		RequiredScopes:     []string{"s"},
		RouteRulesFile:     "rules.json",
		CodeDir:            dummyCode(t),
		RevocationTable:    awsdynamodb.Table_FromTableName(stack, jsii.String("Revoked"), jsii.String(revokedTable)),
		RevocationCacheTTL: awscdk.Duration_Seconds(jsii.Number(1)),
	}).Environment()
	known := map[string]bool{}
	for _, s := range append(append([]settings.Setting{}, settings.AuthorizerSettings...), settings.RevocationSettings...) {
		known[s.Name] = true
	}
	if len(env) != 11 {
		t.Errorf("Environment() sets %d variables, want 11: %v", len(env), env)
	}
	for name := range env {
		if !known[name] {
			t.Errorf("the construct sets %s, which the authorizer does not read", name)
		}
	}
	if got := *env[settings.EnvRouteRulesFile]; got != cognitoauth.TaskRoot+"/rules.json" {
		t.Errorf("%s = %s, want the file beside bootstrap in %s", settings.EnvRouteRulesFile, got, cognitoauth.TaskRoot)
	}
}

func TestApplicationLogLevel(t *testing.T) {
	for level, want := range map[string]string{
		"trace": "DEBUG", "debug": "DEBUG", "info": "INFO", "INFO": "INFO",
		"warn": "WARN", "warning": "WARN", "error": "ERROR", "fatal": "ERROR",
	} {
		if got := string(cognitoauth.ApplicationLogLevel(level)); got != want {
			t.Errorf("ApplicationLogLevel(%q) = %s, want %s", level, got, want)
		}
	}
}

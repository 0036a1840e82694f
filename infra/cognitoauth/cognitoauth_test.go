package cognitoauth_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
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
		"AWS::CloudWatch::Dashboard":       1,
		"AWS::CloudWatch::Alarm":           1,
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

// The OIDC provider of the issuers' tests.
var auth0 = &cognitoauth.OIDCIssuer{
	Issuer:      "https://example.eu.auth0.com/",
	Audiences:   []string{"https://api.example.com"},
	JWKSURL:     "https://example.eu.auth0.com/.well-known/jwks.json",
	Algorithms:  []string{"RS256", "ES256"},
	GroupsClaim: "https://example.com/groups",
	ScopeClaim:  "scope",
}

// issuersStack synthesizes, into outdir, a stack whose authorizer accepts
// the issuers that issuers returns (adding to the stack what they name).
func issuersStack(t *testing.T, outdir string, issuers func(stack awscdk.Stack) []cognitoauth.Issuer) (awscdk.Stack, assertions.Template, *cognitoauth.Authorizer) {
	t.Helper()
	testenv.LookPath(t, "node", "install Node.js 22+ (https://nodejs.org)")
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(outdir)})
	stack := awscdk.NewStack(app, jsii.String("Issuers"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("eu-west-1")},
	})
	api := awsapigateway.RestApi_FromRestApiAttributes(stack, jsii.String("Api"), &awsapigateway.RestApiAttributes{
		RestApiId: jsii.String(apiID), RootResourceId: jsii.String(rootID),
	})
	auth := cognitoauth.New(stack, "Auth", &cognitoauth.Props{
		Issuers: issuers(stack),
		CodeDir: dummyCode(t),
	})
	api.Root().AddMethod(jsii.String("GET"), awsapigateway.NewMockIntegration(nil), &awsapigateway.MethodOptions{
		AuthorizationType: awsapigateway.AuthorizationType_CUSTOM,
		Authorizer:        auth.Authorizer,
	})
	app.Synth(nil)
	return stack, assertions.Template_FromStack(stack, nil), auth
}

// functionEnv returns the variables of the authorizer function of the
// template.
func functionEnv(t *testing.T, stack awscdk.Stack, template assertions.Template, auth *cognitoauth.Authorizer) map[string]any {
	t.Helper()
	fn := functionResource(t, stack, template, auth)
	env, _ := fn.Properties["Environment"].(map[string]any)
	vars, _ := env["Variables"].(map[string]any)
	return vars
}

// resolveJoin writes a string or an Fn::Join of strings and Refs as one
// string, each Ref replaced by refs[its logical id] as CloudFormation
// would fill it in.
func resolveJoin(t *testing.T, v any, refs map[string]string) string {
	t.Helper()
	if s, ok := v.(string); ok {
		return s
	}
	m, _ := v.(map[string]any)
	join, ok := m["Fn::Join"].([]any)
	if !ok || len(join) != 2 {
		t.Fatalf("%v: want a string or an Fn::Join", v)
	}
	sep, _ := join[0].(string)
	var parts []string
	for _, part := range join[1].([]any) {
		switch p := part.(type) {
		case string:
			parts = append(parts, p)
		case map[string]any:
			ref, _ := p["Ref"].(string)
			val, ok := refs[ref]
			if !ok {
				t.Fatalf("Fn::Join part %v: want a Ref to one of %v", p, refs)
			}
			parts = append(parts, val)
		default:
			t.Fatalf("Fn::Join part %v: want a string or a Ref", p)
		}
	}
	return strings.Join(parts, sep)
}

// noCognitoVars matches an environment without the one pool's variables.
func noCognitoVars(extra map[string]any) map[string]any {
	vars := map[string]any{
		settings.EnvUserPoolID: assertions.Match_Absent(),
		settings.EnvClientIDs:  assertions.Match_Absent(),
		settings.EnvTokenUse:   assertions.Match_Absent(),
		settings.EnvJWKSURL:    assertions.Match_Absent(),
	}
	maps.Copy(vars, extra)
	return map[string]any{"Environment": map[string]any{"Variables": vars}}
}

// TestIssuers checks two pools, one of the stack with a client of the
// stack and one imported, and an OIDC provider: one ISSUERS value, the
// stack's ids as Refs inside it, and none of the one pool's variables.
func TestIssuers(t *testing.T) {
	var pool awscognito.UserPool
	var client awscognito.UserPoolClient
	stack, template, auth := issuersStack(t, t.TempDir(), func(stack awscdk.Stack) []cognitoauth.Issuer {
		pool = awscognito.NewUserPool(stack, jsii.String("Pool"), nil)
		client = pool.AddClient(jsii.String("Client"), nil)
		imported := awscognito.UserPool_FromUserPoolId(stack, jsii.String("Imported"), jsii.String(poolID))
		return []cognitoauth.Issuer{
			{Cognito: &cognitoauth.CognitoIssuer{
				UserPool:  pool,
				ClientIDs: []*string{client.UserPoolClientId(), jsii.String("literalclient")},
			}},
			{Cognito: &cognitoauth.CognitoIssuer{
				UserPool:  imported,
				ClientIDs: *jsii.Strings("client1", "client2"),
				TokenUses: []string{"access"},
			}},
			{OIDC: auth0},
		}
	})
	assert(t, func() {
		template.HasResourceProperties(jsii.String("AWS::Lambda::Function"), noCognitoVars(map[string]any{
			settings.EnvIssuers:     assertions.Match_AnyValue(),
			settings.EnvIssuersFile: assertions.Match_Absent(),
			settings.EnvLogLevel:    "info",
		}))
	})

	vars := functionEnv(t, stack, template, auth)
	if got, want := keys(vars), []string{settings.EnvFunctionTimeout, settings.EnvIssuers, settings.EnvLogLevel}; !slices.Equal(got, want) {
		t.Errorf("variables %v, want %v", got, want)
	}
	const (
		deployedPool   = "eu-west-1_FromStack1"
		deployedClient = "clientfromstack"
	)
	poolRef := *stack.GetLogicalId(pool.Node().DefaultChild().(awscdk.CfnElement))
	clientRef := *stack.GetLogicalId(client.Node().DefaultChild().(awscdk.CfnElement))
	issuers := resolveJoin(t, vars[settings.EnvIssuers], map[string]string{poolRef: deployedPool, clientRef: deployedClient})
	var got []settings.Issuer
	if err := json.Unmarshal([]byte(issuers), &got); err != nil {
		t.Fatalf("%s = %s: %v", settings.EnvIssuers, issuers, err)
	}
	want := []settings.Issuer{
		{Cognito: &settings.CognitoIssuer{UserPoolID: deployedPool, ClientIDs: []string{deployedClient, "literalclient"}}},
		{Cognito: &settings.CognitoIssuer{UserPoolID: poolID, ClientIDs: []string{"client1", "client2"}, TokenUses: []string{"access"}}},
		{OIDC: ptr(settings.OIDCIssuer(*auth0))},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", settings.EnvIssuers, diff)
	}
	// As the function reads it once deployed.
	if _, err := settings.LoadAuthorizer(func(name string) string {
		return map[string]string{settings.EnvIssuers: issuers}[name]
	}); err != nil {
		t.Errorf("%s = %s: %v", settings.EnvIssuers, issuers, err)
	}
}

// manyAudiences is an OIDC provider whose audiences alone take more than
// Lambda's 4 KB environment.
var manyAudiences = func() *cognitoauth.OIDCIssuer {
	o := &cognitoauth.OIDCIssuer{Issuer: "https://login.example.com/tenant/v2.0"}
	for i := range 120 {
		o.Audiences = append(o.Audiences, fmt.Sprintf("api://service-%03d.internal.example.com", i))
	}
	return o
}()

// TestIssuersFile checks issuers too large for the environment: they are
// shipped in issuers.json beside bootstrap, which ISSUERS_FILE names.
func TestIssuersFile(t *testing.T) {
	outdir := t.TempDir()
	list := func(stack awscdk.Stack) []cognitoauth.Issuer {
		return []cognitoauth.Issuer{
			{Cognito: &cognitoauth.CognitoIssuer{
				UserPool:  awscognito.UserPool_FromUserPoolId(stack, jsii.String("Imported"), jsii.String(poolID)),
				ClientIDs: *jsii.Strings("client1"),
			}},
			{OIDC: manyAudiences},
		}
	}
	stack, template, auth := issuersStack(t, outdir, list)
	wantPath := cognitoauth.TaskRoot + "/" + cognitoauth.IssuersFileName
	assert(t, func() {
		template.HasResourceProperties(jsii.String("AWS::Lambda::Function"), noCognitoVars(map[string]any{
			settings.EnvIssuers:     assertions.Match_Absent(),
			settings.EnvIssuersFile: wantPath,
		}))
	})
	if vars := functionEnv(t, stack, template, auth); len(vars) != 3 {
		t.Errorf("variables %v, want %s, %s and %s", keys(vars), settings.EnvIssuersFile, settings.EnvLogLevel, settings.EnvFunctionTimeout)
	}

	// The asset the function's code is: bootstrap as built, and the file.
	fn := functionResource(t, stack, template, auth)
	code, _ := fn.Properties["Code"].(map[string]any)
	key, _ := code["S3Key"].(string)
	hash, ok := strings.CutSuffix(key, ".zip")
	if !ok {
		t.Fatalf("Code = %v, want an asset's S3Key", code)
	}
	asset := filepath.Join(outdir, "asset."+hash)
	if fi, err := os.Stat(filepath.Join(asset, "bootstrap")); err != nil || fi.Mode().Perm() != 0o755 {
		t.Errorf("the asset's bootstrap: %v, %v; want it as built (0755)", fi, err)
	}
	raw, err := os.ReadFile(filepath.Join(asset, cognitoauth.IssuersFileName))
	if err != nil {
		t.Fatal(err)
	}
	var got []settings.Issuer
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("%s: %v", cognitoauth.IssuersFileName, err)
	}
	want := []settings.Issuer{
		{Cognito: &settings.CognitoIssuer{UserPoolID: poolID, ClientIDs: []string{"client1"}}},
		{OIDC: ptr(settings.OIDCIssuer(*manyAudiences))},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", cognitoauth.IssuersFileName, diff)
	}
	if _, err := settings.ParseIssuers(raw); err != nil {
		t.Errorf("%s: %v", cognitoauth.IssuersFileName, err)
	}
	if len(raw) <= 4<<10 {
		t.Errorf("%s holds %d bytes, which would have fit in the environment", cognitoauth.IssuersFileName, len(raw))
	}
}

// functionResource returns the authorizer function's resource.
func functionResource(t *testing.T, stack awscdk.Stack, template assertions.Template, auth *cognitoauth.Authorizer) resource {
	t.Helper()
	raw, err := json.Marshal(template.ToJSON())
	if err != nil {
		t.Fatal(err)
	}
	var parsed struct{ Resources map[string]resource }
	if err := json.Unmarshal(raw, &parsed); err != nil {
		t.Fatal(err)
	}
	return parsed.Resources[*stack.GetLogicalId(auth.Function.Node().DefaultChild().(awscdk.CfnElement))]
}

// TestCheckIssuers checks Issuers' problems: the one pool's props beside
// them, entries the construct refuses, entries settings refuses, and a
// list too large for the environment that holds deploy-time ids.
func TestCheckIssuers(t *testing.T) {
	testenv.LookPath(t, "node", "install Node.js 22+ (https://nodejs.org)")
	stack := awscdk.NewStack(nil, jsii.String("CheckIssuers"), nil)
	imported := awscognito.UserPool_FromUserPoolId(stack, jsii.String("Pool"), jsii.String(poolID))
	newPool := awscognito.NewUserPool(stack, jsii.String("NewPool"), nil)
	otherPool := awscognito.NewUserPool(stack, jsii.String("OtherPool"), nil)
	newClient := newPool.AddClient(jsii.String("C"), nil).UserPoolClientId()
	codeDir := dummyCode(t)
	cognito := func(pool awscognito.IUserPool, ids ...*string) cognitoauth.Issuer {
		return cognitoauth.Issuer{Cognito: &cognitoauth.CognitoIssuer{UserPool: pool, ClientIDs: ids}}
	}
	tests := []struct {
		name    string
		props   cognitoauth.Props
		wantErr string // the start of the error; "" for none
	}{
		{"two pools of the stack and an OIDC provider", cognitoauth.Props{Issuers: []cognitoauth.Issuer{
			cognito(newPool, newClient), cognito(otherPool, jsii.String("c2")), {OIDC: auth0},
		}}, ""},
		{"one pool, as issuers", cognitoauth.Props{Issuers: []cognitoauth.Issuer{cognito(imported, jsii.String("c1"))}}, ""},
		{"too large, ids known now: a file", cognitoauth.Props{Issuers: []cognitoauth.Issuer{cognito(imported, jsii.String("c1")), {OIDC: manyAudiences}}}, ""},
		{"both the one pool and issuers", cognitoauth.Props{
			UserPool: imported, ClientIDs: *jsii.Strings("client1"),
			Issuers: []cognitoauth.Issuer{{OIDC: auth0}},
		}, "UserPool, ClientIDs, Issuers: "},
		{"token uses beside issuers", cognitoauth.Props{
			TokenUses: []string{settings.TokenUseID}, Issuers: []cognitoauth.Issuer{{OIDC: auth0}},
		}, "TokenUses, Issuers: "},
		{"empty entry", cognitoauth.Props{Issuers: []cognitoauth.Issuer{{OIDC: auth0}, {}}}, "Issuers[1]: "},
		{"both kinds in one entry", cognitoauth.Props{Issuers: []cognitoauth.Issuer{{
			Cognito: cognito(imported, jsii.String("c1")).Cognito, OIDC: auth0,
		}}}, "Issuers[0]: "},
		{"no pool", cognitoauth.Props{Issuers: []cognitoauth.Issuer{cognito(nil, jsii.String("c1"))}}, "Issuers[0].Cognito.UserPool: "},
		{"no client", cognitoauth.Props{Issuers: []cognitoauth.Issuer{cognito(imported)}}, "Issuers[0].Cognito.ClientIDs: "},
		{"the same pool twice", cognitoauth.Props{Issuers: []cognitoauth.Issuer{
			cognito(imported, jsii.String("c1")), cognito(imported, jsii.String("c2")),
		}}, settings.EnvIssuers + ": entry 1 (cognito): "},
		{"no audience", cognitoauth.Props{Issuers: []cognitoauth.Issuer{{OIDC: &cognitoauth.OIDCIssuer{Issuer: "https://example.com/"}}}},
			"Issuers[0].OIDC.Audiences: "},
		{"bad OIDC issuer", cognitoauth.Props{Issuers: []cognitoauth.Issuer{{OIDC: &cognitoauth.OIDCIssuer{
			Issuer: "http://example.com", Audiences: []string{"a"},
		}}}}, settings.EnvIssuers + ": entry 0 (oidc): issuer: "},
		{"bad token use", cognitoauth.Props{Issuers: []cognitoauth.Issuer{{Cognito: &cognitoauth.CognitoIssuer{
			UserPool: imported, ClientIDs: *jsii.Strings("c1"), TokenUses: []string{"refresh"},
		}}}}, settings.EnvIssuers + ": entry 0 (cognito): tokenUse"},
		{"too large, with a pool of the stack", cognitoauth.Props{Issuers: []cognitoauth.Issuer{
			cognito(newPool, newClient), {OIDC: manyAudiences},
		}}, "Issuers: "},
		{"too large, the rules file named as the issuers' file", cognitoauth.Props{
			RouteRulesFile: cognitoauth.IssuersFileName,
			Issuers:        []cognitoauth.Issuer{cognito(imported, jsii.String("c1")), {OIDC: manyAudiences}},
		}, "RouteRulesFile: "},
	}
	if err := os.WriteFile(filepath.Join(codeDir, cognitoauth.IssuersFileName), []byte(rules), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.props
			p.CodeDir = codeDir
			err := p.Check()
			t.Logf("Check() = %v", err)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("Check() = %v, want nil", err)
			case tt.wantErr != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.wantErr)):
				t.Errorf("Check() = %v, want an error starting %q", err, tt.wantErr)
			}
		})
	}
}

// TestIssuersEnvironmentNames checks that with Issuers the construct sets
// only variables the authorizer reads, and none of the one pool's.
func TestIssuersEnvironmentNames(t *testing.T) {
	testenv.LookPath(t, "node", "install Node.js 22+ (https://nodejs.org)")
	known := map[string]bool{}
	for _, s := range settings.AuthorizerSettings {
		known[s.Name] = true
	}
	for name, issuers := range map[string][]cognitoauth.Issuer{
		settings.EnvIssuers:     {{OIDC: auth0}},
		settings.EnvIssuersFile: {{OIDC: manyAudiences}},
	} {
		env := (&cognitoauth.Props{Issuers: issuers, CodeDir: dummyCode(t)}).Environment()
		if got, want := keys(env), sortedCopy([]string{settings.EnvFunctionTimeout, settings.EnvLogLevel, name}); !slices.Equal(got, want) {
			t.Errorf("Environment() sets %v, want %v", got, want)
		}
		for n := range env {
			if !known[n] {
				t.Errorf("the construct sets %s, which the authorizer does not read", n)
			}
		}
	}
}

func sortedCopy(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// keys returns the sorted keys of m.
func keys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}

// assert runs an assertion of the assertions module, which panics on a
// mismatch, and reports the mismatch as an error of t.
func assert(t *testing.T, check func()) {
	t.Helper()
	defer func() {
		t.Helper()
		if r := recover(); r != nil {
			t.Error(fmt.Sprint(r))
		}
	}()
	check()
}

func ptr[T any](v T) *T { return &v }

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/cognito-authorizer/infra/cognitoauth"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/testenv"
)

// translateSAM runs template.yaml through the SAM translator, as
// CloudFormation's Serverless transform would, and returns the result. It
// skips (fails under CI=true) when aws-sam-translator is not installed.
func translateSAM(t *testing.T) cfnTemplate {
	t.Helper()
	return translateSAMFile(t, samTemplatePath)
}

// translateSAMFile is translateSAM of the template at path.
func translateSAMFile(t *testing.T, path string) cfnTemplate {
	t.Helper()
	var tmpl cfnTemplate
	if err := json.Unmarshal(translateSAMRaw(t, path), &tmpl); err != nil {
		t.Fatalf("translated template: %v", err)
	}
	return tmpl
}

// translateSAMRaw is the translated template at path, as JSON.
func translateSAMRaw(t *testing.T, path string) []byte {
	t.Helper()
	python := testenv.LookPath(t, "python3", "install Python 3 and pip install aws-sam-translator")
	if err := exec.Command(python, "-c", "import samtranslator").Run(); err != nil {
		testenv.Missing(t, "python3 cannot import samtranslator: pip install aws-sam-translator (cfn-lint brings it)")
	}
	out, err := exec.Command(python, "testdata/sam_translate.py", path).Output()
	if err != nil {
		var stderr string
		if exit, ok := err.(*exec.ExitError); ok {
			stderr = string(exit.Stderr)
		}
		t.Fatalf("sam_translate.py %s: %v\n%s", path, err, stderr)
	}
	return out
}

// TestSAMTranslatedStage checks that SAM creates the one stage, prod, and
// not the extra stage named Stage it adds to an Api without
// OpenApiVersion.
func TestSAMTranslatedStage(t *testing.T) {
	tmpl := translateSAM(t)
	var stages []string
	for id, r := range tmpl.Resources {
		switch r.Type {
		case "AWS::ApiGateway::Stage":
			stages = append(stages, r.Properties["StageName"].(string))
		case "AWS::ApiGateway::Deployment":
			if name, ok := r.Properties["StageName"]; ok {
				stages = append(stages, name.(string)+" (deployment "+id+")")
			}
		}
	}
	sort.Strings(stages)
	if diff := cmp.Diff([]string{DefaultStageName}, stages); diff != "" {
		t.Errorf("stages (-want +got):\n%s", diff)
	}
	// The sign-out may flush the authorizer cache of that stage (with the
	// flush on), and of no other.
	if diff := cmp.Diff(stageNames(t, tmpl), flushStages(t, tmpl)); diff != "" {
		t.Errorf("stages the sign-out may flush (-deployed +allowed):\n%s", diff)
	}
}

// TestSAMRevocationCacheFollowsFlush checks template.yaml's functions for
// each value of FlushAuthorizerCacheOnSignOut, as CloudFormation would
// resolve them: the sign-out flushes when it says so, and the authorizer
// then reuses nothing it read of the revocation table (as in the CDK
// stack); both environments pass the functions' own validation.
func TestSAMRevocationCacheFollowsFlush(t *testing.T) {
	tmpl := translateSAM(t)
	for _, flush := range []string{"true", "false"} {
		t.Run(flush, func(t *testing.T) {
			params := map[string]string{}
			for name, p := range tmpl.Parameters {
				params[name] = p.Default
			}
			params["UserPoolId"], params["ClientIds"] = placeholderUserPoolID, placeholderClientID
			params["FlushAuthorizerCacheOnSignOut"] = flush
			env := func(fn string) func(string) string {
				vars := evalEnv(t, tmpl, params, fn)
				return func(name string) string { return vars[name] }
			}

			signOut, err := settings.LoadSignOut(env("SignOutFunction"))
			if err != nil {
				t.Fatalf("SignOutFunction: %v", err)
			}
			authorizer := env("AuthorizerFunction")
			if _, err := settings.LoadAuthorizer(authorizer); err != nil {
				t.Errorf("AuthorizerFunction: %v", err)
			}
			revocation, err := settings.LoadRevocation(authorizer)
			if err != nil {
				t.Fatalf("AuthorizerFunction: %v", err)
			}
			wantTTL := settings.DefaultRevocationCacheTTL
			if flush == "true" {
				wantTTL = 0
			}
			if got := fmt.Sprint(signOut.FlushAuthorizerCache); got != flush || revocation.CacheTTL != wantTTL {
				t.Errorf("sign-out flushes: %s, authorizer's revocation cache: %v; want %s and %v", got, revocation.CacheTTL, flush, wantTTL)
			}
		})
	}
}

// evalEnv returns the environment of the function fn of a translated
// template, its intrinsic functions resolved with the parameters params: a
// Ref to a resource gives its logical id, AWS::NoValue drops the variable.
func evalEnv(t *testing.T, tmpl cfnTemplate, params map[string]string, fn string) map[string]string {
	t.Helper()
	r, ok := tmpl.Resources[fn]
	if !ok || r.Type != "AWS::Lambda::Function" {
		t.Fatalf("no AWS::Lambda::Function %s", fn)
	}
	env, _ := r.Properties["Environment"].(map[string]any)
	vars, _ := env["Variables"].(map[string]any)
	out := map[string]string{}
	for name, v := range vars {
		if s, ok := evalValue(t, tmpl, params, v); ok {
			out[name] = s
		}
	}
	return out
}

// evalValue resolves the intrinsic functions evalEnv meets; ok is false for
// AWS::NoValue.
func evalValue(t *testing.T, tmpl cfnTemplate, params map[string]string, v any) (s string, ok bool) {
	t.Helper()
	switch v := v.(type) {
	case string:
		return v, true
	case map[string]any:
		if ref, isRef := v["Ref"].(string); isRef {
			if ref == "AWS::NoValue" {
				return "", false
			}
			if p, isParam := params[ref]; isParam {
				return p, true
			}
			if _, isResource := tmpl.Resources[ref]; isResource {
				return ref, true
			}
		}
		if args, isIf := v["Fn::If"].([]any); isIf && len(args) == 3 {
			cond, _ := args[0].(string)
			if evalCondition(t, tmpl, params, tmpl.Conditions[cond]) {
				return evalValue(t, tmpl, params, args[1])
			}
			return evalValue(t, tmpl, params, args[2])
		}
	}
	b, _ := json.Marshal(v)
	t.Fatalf("cannot resolve %s", b)
	return "", false
}

// evalCondition resolves an Fn::Equals of two values, or an Fn::Not of
// one.
func evalCondition(t *testing.T, tmpl cfnTemplate, params map[string]string, cond any) bool {
	t.Helper()
	m, _ := cond.(map[string]any)
	if not, ok := m["Fn::Not"].([]any); ok && len(not) == 1 {
		return !evalCondition(t, tmpl, params, not[0])
	}
	args, ok := m["Fn::Equals"].([]any)
	if !ok || len(args) != 2 {
		b, _ := json.Marshal(cond)
		t.Fatalf("cannot resolve the condition %s", b)
	}
	a, _ := evalValue(t, tmpl, params, args[0])
	b, _ := evalValue(t, tmpl, params, args[1])
	return a == b
}

// TestSAMAccessLogFormatMatchesStack checks that template.yaml's stage
// logs what the CDK stack's does (the same JSON object), the request's ids
// among it.
func TestSAMAccessLogFormatMatchesStack(t *testing.T) {
	format := func(name string, tmpl cfnTemplate) map[string]any {
		t.Helper()
		var formats []string
		for _, r := range tmpl.Resources {
			if r.Type == "AWS::ApiGateway::Stage" {
				logging, _ := r.Properties["AccessLogSetting"].(map[string]any)
				f, _ := logging["Format"].(string)
				formats = append(formats, f)
			}
		}
		if len(formats) != 1 {
			t.Fatalf("%s: access log formats %q, want one stage's", name, formats)
		}
		var fields map[string]any
		if err := json.Unmarshal([]byte(formats[0]), &fields); err != nil {
			t.Fatalf("%s: access log format %q: not a JSON object: %v", name, formats[0], err)
		}
		return fields
	}
	cdk := format("CDK", defaultStack(t).parsed)
	sam := format("template.yaml", translateSAM(t))
	if diff := cmp.Diff(cdk, sam); diff != "" {
		t.Errorf("access log fields (-CDK +template.yaml):\n%s", diff)
	}
	// API Gateway wants one of the two and advises both.
	for field, v := range map[string]string{
		"requestId":         "$context.requestId",
		"extendedRequestId": "$context.extendedRequestId",
	} {
		if cdk[field] != v {
			t.Errorf("access log %s = %v, want %s", field, cdk[field], v)
		}
	}
}

// TestSAMTranslatedPermissions checks who may invoke the functions: the
// methods on the prod stage only (as in the CDK stack), and the authorizer
// of the API.
func TestSAMTranslatedPermissions(t *testing.T) {
	tmpl := translateSAM(t)
	got := map[string][]string{}
	for id, r := range tmpl.Resources {
		if r.Type != "AWS::Lambda::Permission" {
			continue
		}
		if r.Properties["Principal"] != "apigateway.amazonaws.com" || r.Properties["Action"] != "lambda:InvokeFunction" {
			t.Errorf("%s: %v", id, r.Properties)
		}
		fn := logicalID(r.Properties["FunctionName"])
		got[fn] = append(got[fn], renderSub(t, r.Properties["SourceArn"]))
		sort.Strings(got[fn])
	}
	// One permission per method of Routes, on the prod stage, as in the
	// CDK stack; a {variable} segment is any one segment.
	const prefix = "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${NotesApi}"
	want := map[string][]string{"AuthorizerFunction": {prefix + "/authorizers/*"}}
	for _, r := range Routes {
		fn := samFunctionOf[r.Function]
		path := regexp.MustCompile(`\{[^}]+\}`).ReplaceAllString(r.Path, "*")
		want[fn] = append(want[fn], prefix+"/"+DefaultStageName+"/"+r.Method+path)
		sort.Strings(want[fn])
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("permissions' source ARNs by function (-want +got):\n%s", diff)
	}
}

// logicalID returns X of {"Ref": X} or {"Fn::GetAtt": [X, ...]}.
func logicalID(v any) string {
	m, _ := v.(map[string]any)
	if ref, ok := m["Ref"].(string); ok {
		return ref
	}
	if att, ok := m["Fn::GetAtt"].([]any); ok && len(att) > 0 {
		s, _ := att[0].(string)
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// renderSub writes an Fn::Sub as one string, its variables filled in
// (literals as they are, Refs as ${LogicalId}), and SAM's literal partition as
// ${AWS::Partition}, so that equal ARNs compare equal.
func renderSub(t *testing.T, v any) string {
	t.Helper()
	m, _ := v.(map[string]any)
	var s string
	switch sub := m["Fn::Sub"].(type) {
	case string:
		s = sub
	case []any:
		s, _ = sub[0].(string)
		vars, _ := sub[1].(map[string]any)
		for name, val := range vars {
			if lit, ok := val.(string); ok {
				s = strings.ReplaceAll(s, "${"+name+"}", lit)
			} else {
				s = strings.ReplaceAll(s, "${"+name+"}", "${"+logicalID(val)+"}")
			}
		}
	default:
		b, _ := json.Marshal(v)
		t.Errorf("SourceArn %s: not an Fn::Sub", b)
		return string(b)
	}
	return strings.Replace(s, "arn:aws:", "arn:${AWS::Partition}:", 1)
}

// TestREADMESAMSnippet runs the README's SAM snippet ("Use it with your own
// API") through the translator, in a template with one function behind the
// API, and checks the authorizer it makes: TOKEN on Authorization, the
// validation expression the stack uses, and the cache TTL.
func TestREADMESAMSnippet(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(readme), "**With SAM**")
	if !ok {
		t.Fatal("README.md has no **With SAM** paragraph")
	}
	_, snippet, ok := strings.Cut(after, "```yaml\n")
	if !ok {
		t.Fatal("README.md has no yaml block after **With SAM**")
	}
	snippet, _, _ = strings.Cut(snippet, "```")
	template := "Transform: AWS::Serverless-2016-10-31\nResources:\n" + snippet + `  Hello:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: .
      Handler: bootstrap
      Runtime: provided.al2023
      Events:
        Get:
          Type: Api
          Properties: {RestApiId: !Ref MyApi, Path: /hello, Method: get}
`
	path := filepath.Join(t.TempDir(), "template.yaml")
	if err := os.WriteFile(path, []byte(template), 0o600); err != nil {
		t.Fatal(err)
	}
	tmpl := translateSAMFile(t, path)
	var found bool
	for _, r := range tmpl.Resources {
		if r.Type != "AWS::ApiGateway::RestApi" {
			continue
		}
		body, _ := json.Marshal(r.Properties["Body"])
		var api struct {
			SecurityDefinitions map[string]struct {
				In         string `json:"in"`
				Name       string `json:"name"`
				Authorizer struct {
					Type       string `json:"type"`
					Validation string `json:"identityValidationExpression"`
					TTL        int    `json:"authorizerResultTtlInSeconds"`
				} `json:"x-amazon-apigateway-authorizer"`
			} `json:"securityDefinitions"`
		}
		if err := json.Unmarshal(body, &api); err != nil {
			t.Fatal(err)
		}
		def := api.SecurityDefinitions["CognitoAuthorizer"]
		a := def.Authorizer
		if def.In != "header" || def.Name != "Authorization" || a.Type != "token" ||
			a.Validation != cognitoauth.TokenPattern || a.TTL != DefaultCacheTTLSeconds {
			t.Errorf("README's SAM authorizer = %+v, want token on the Authorization header, TokenPattern, TTL %d", def, DefaultCacheTTLSeconds)
		}
		found = true
	}
	if !found {
		t.Fatal("the README's SAM snippet made no RestApi")
	}
}

// samIssuers is an Issuers parameter: a pool other than UserPoolId's and
// an OIDC provider.
const samIssuers = `[{"cognito": {"userPoolId": "eu-west-1_Other1234", "clientIds": ["otherclient"], "tokenUse": ["access"]}},
 {"oidc": {"issuer": "https://example.eu.auth0.com/", "audiences": ["https://api.example.com"]}}]`

// TestSAMIssuers checks template.yaml's Issuers parameter, as
// CloudFormation would resolve the translated template: empty, the
// authorizer gets the one pool's COGNITO_* variables and no ISSUERS; set,
// ISSUERS and none of them (the authorizer refuses both); both
// environments pass the authorizer's own validation. Its Rules require
// ClientIds without Issuers, and refuse it with them.
func TestSAMIssuers(t *testing.T) {
	raw := translateSAMRaw(t, samTemplatePath)
	var tmpl cfnTemplate
	if err := json.Unmarshal(raw, &tmpl); err != nil {
		t.Fatal(err)
	}
	var withRules struct {
		Rules map[string]struct {
			RuleCondition any
			Assertions    []struct {
				Assert            any
				AssertDescription string
			}
		}
	}
	if err := json.Unmarshal(raw, &withRules); err != nil {
		t.Fatal(err)
	}
	if _, ok := tmpl.Parameters["Issuers"]; !ok {
		t.Fatal("template.yaml has no parameter Issuers")
	}
	cognitoVars := []string{settings.EnvUserPoolID, settings.EnvClientIDs, settings.EnvTokenUse, settings.EnvJWKSURL}
	for _, tt := range []struct {
		name, clientIDs, issuers string
		wantBroken               []string // the rules the parameters break
	}{
		{"one pool", placeholderClientID, "", nil},
		{"issuers", "", samIssuers, nil},
		{"one pool without clients", "", "", []string{"ClientIdsOrIssuers"}},
		{"clients and issuers", placeholderClientID, samIssuers, []string{"NotClientIdsAndIssuers"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			params := map[string]string{}
			for name, p := range tmpl.Parameters {
				params[name] = p.Default
			}
			params["UserPoolId"], params["ClientIds"], params["Issuers"] = placeholderUserPoolID, tt.clientIDs, tt.issuers

			var broken []string
			for name, rule := range withRules.Rules {
				if rule.RuleCondition != nil && !evalCondition(t, tmpl, params, rule.RuleCondition) {
					continue
				}
				for _, a := range rule.Assertions {
					if !evalCondition(t, tmpl, params, a.Assert) {
						broken = append(broken, name)
					}
				}
			}
			sort.Strings(broken)
			if diff := cmp.Diff(tt.wantBroken, broken); diff != "" {
				t.Errorf("rules broken (-want +got):\n%s", diff)
			}
			if len(tt.wantBroken) > 0 {
				return // CloudFormation refuses the parameters
			}

			env := evalEnv(t, tmpl, params, "AuthorizerFunction")
			var gotCognito []string
			for _, name := range cognitoVars {
				if _, ok := env[name]; ok {
					gotCognito = append(gotCognito, name)
				}
			}
			issuers, hasIssuers := env[settings.EnvIssuers]
			if tt.issuers == "" {
				if !slices.Equal(gotCognito, cognitoVars) || hasIssuers {
					t.Errorf("variables %v, want %v and no %s", keys(env), cognitoVars, settings.EnvIssuers)
				}
			} else if len(gotCognito) > 0 || issuers != tt.issuers {
				t.Errorf("%s = %q and %v set; want the parameter and none of %v", settings.EnvIssuers, issuers, gotCognito, cognitoVars)
			}
			cfg, err := settings.LoadAuthorizer(func(name string) string { return env[name] })
			if err != nil {
				t.Fatalf("AuthorizerFunction: %v", err)
			}
			wantIssuers := 1
			if tt.issuers != "" {
				wantIssuers = 2
			}
			if len(cfg.Issuers) != wantIssuers {
				t.Errorf("the authorizer accepts %d issuers, want %d", len(cfg.Issuers), wantIssuers)
			}
		})
	}
}

// TestHTTPAPIsSAMSnippet runs docs/http-apis.md's SAM snippet (the first
// yaml block after the sam-http-api marker) through the translator and
// checks the HTTP API's Lambda authorizer it makes, which SAM writes into
// the API's OpenAPI body rather than as an AWS::ApiGatewayV2::Authorizer:
// payload format 2.0, simple answers, the identity sources the construct
// uses for simple answers under route rules (cognitoauth.HTTPIdentitySource),
// the default cache TTL; the routes guarded by it; a permission for API
// Gateway to invoke the function through the API's authorizers; and a
// function environment the authorizer accepts, with the answer and the rules
// the identity sources assume.
func TestHTTPAPIsSAMSnippet(t *testing.T) {
	doc, err := os.ReadFile("../docs/http-apis.md")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(doc), "<!-- sam-http-api -->")
	if !ok {
		t.Fatal("docs/http-apis.md has no <!-- sam-http-api --> marker")
	}
	_, snippet, ok := strings.Cut(after, "```yaml\n")
	if !ok {
		t.Fatal("docs/http-apis.md has no yaml block after the sam-http-api marker")
	}
	snippet, _, _ = strings.Cut(snippet, "```")
	path := filepath.Join(t.TempDir(), "template.yaml")
	if err := os.WriteFile(path, []byte("Transform: AWS::Serverless-2016-10-31\nResources:\n"+snippet), 0o600); err != nil {
		t.Fatal(err)
	}
	tmpl := translateSAMFile(t, path)

	type authorizer struct {
		Type           string   `json:"type"`
		PayloadVersion string   `json:"authorizerPayloadFormatVersion"`
		Simple         *bool    `json:"enableSimpleResponses"`
		IdentitySource []string `json:"identitySource"`
		TTL            *int     `json:"authorizerResultTtlInSeconds"`
		URI            any      `json:"authorizerUri"`
	}
	var api struct {
		Paths      map[string]map[string]struct{ Security []map[string][]string }
		Components struct {
			SecuritySchemes map[string]struct {
				Authorizer authorizer `json:"x-amazon-apigateway-authorizer"`
			} `json:"securitySchemes"`
		}
	}
	var apis []string
	for id, r := range tmpl.Resources {
		if r.Type == "AWS::ApiGatewayV2::Authorizer" {
			t.Errorf("%s: SAM made an AWS::ApiGatewayV2::Authorizer; the test reads the OpenAPI body", id)
		}
		if r.Type != "AWS::ApiGatewayV2::Api" {
			continue
		}
		apis = append(apis, id)
		body, _ := json.Marshal(r.Properties["Body"])
		if err := json.Unmarshal(body, &api); err != nil {
			t.Fatal(err)
		}
	}
	if len(apis) != 1 {
		t.Fatalf("the snippet made HTTP APIs %v, want one", apis)
	}
	schemes := api.Components.SecuritySchemes
	if len(schemes) != 1 {
		t.Fatalf("security schemes %v, want one authorizer", schemes)
	}
	var name string
	var got authorizer
	for n, s := range schemes {
		name, got = n, s.Authorizer
	}

	const fn = "AuthorizerFunction"
	env := evalEnv(t, tmpl, nil, fn)
	cfg, err := settings.LoadAuthorizer(func(v string) string { return env[v] })
	if err != nil {
		t.Fatalf("%s: %v", fn, err)
	}
	rules := env[settings.EnvRouteRules] != "" || env[settings.EnvRouteRulesFile] != ""
	if env[settings.EnvHTTPAPIResponse] != settings.HTTPAPISimple || !rules || cfg.Rules == nil {
		t.Errorf("%s: %s = %q, route rules %v; want %s with route rules, the case the snippet shows",
			fn, settings.EnvHTTPAPIResponse, env[settings.EnvHTTPAPIResponse], rules, settings.HTTPAPISimple)
	}
	wantSources := cognitoauth.HTTPIdentitySource(cfg.TokenHeader, settings.HTTPAPISimple, rules)
	if got.Type != "request" || got.PayloadVersion != "2.0" || got.Simple == nil || !*got.Simple ||
		!slices.Equal(got.IdentitySource, wantSources) || got.TTL == nil || *got.TTL != DefaultCacheTTLSeconds {
		b, _ := json.Marshal(got)
		t.Errorf("authorizer %s = %s; want request, payload 2.0, simple responses, identity sources %q, TTL %d",
			name, b, wantSources, DefaultCacheTTLSeconds)
	}
	if uri, _ := json.Marshal(got.URI); !strings.Contains(string(uri), `"Fn::GetAtt":["`+fn+`","Arn"]`) {
		t.Errorf("authorizer %s: URI %s, want %s's", name, uri, fn)
	}

	// Every route is guarded by the authorizer (DefaultAuthorizer).
	var routes []string
	for p, methods := range api.Paths {
		for m, op := range methods {
			routes = append(routes, strings.ToUpper(m)+" "+p)
			if len(op.Security) != 1 || op.Security[0][name] == nil {
				t.Errorf("%s %s: security %v, want the authorizer %s", m, p, op.Security, name)
			}
		}
	}
	if !slices.Equal(routes, []string{"POST /notes"}) {
		t.Errorf("routes %v, want POST /notes", routes)
	}

	// API Gateway may invoke the function as an authorizer of this API
	// (EnableFunctionDefaultPermissions: without it, every request gets 500).
	var sources []string
	for _, r := range tmpl.Resources {
		if r.Type == "AWS::Lambda::Permission" && logicalID(r.Properties["FunctionName"]) == fn {
			if r.Properties["Principal"] != "apigateway.amazonaws.com" || r.Properties["Action"] != "lambda:InvokeFunction" {
				t.Errorf("permission for %s: %v", fn, r.Properties)
			}
			sources = append(sources, renderSub(t, r.Properties["SourceArn"]))
		}
	}
	want := []string{"arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${" + apis[0] + "}/authorizers/*"}
	if !slices.Equal(sources, want) {
		t.Errorf("permissions for %s: source ARNs %q, want %q", fn, sources, want)
	}
}

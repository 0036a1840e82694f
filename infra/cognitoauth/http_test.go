package cognitoauth_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/jsii-runtime-go"
	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/cognito-authorizer/infra/cognitoauth"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/testenv"
)

// httpAPIID is the id of the HTTP API made elsewhere that TestHTTPBesideREST
// imports.
const httpAPIID = "h77p4p1id0"

// parsedTemplate is a synthesized template's resources by logical id.
func parsedTemplate(t *testing.T, template assertions.Template) map[string]resource {
	t.Helper()
	raw, err := json.Marshal(template.ToJSON())
	if err != nil {
		t.Fatal(err)
	}
	var parsed struct{ Resources map[string]resource }
	if err := json.Unmarshal(raw, &parsed); err != nil {
		t.Fatal(err)
	}
	return parsed.Resources
}

// ofType returns the logical ids and resources of one type, by id.
func ofType(resources map[string]resource, typ string) (ids []string, rs []resource) {
	for _, id := range keys(resources) {
		if resources[id].Type == typ {
			ids = append(ids, id)
			rs = append(rs, resources[id])
		}
	}
	return ids, rs
}

// writeFile writes a file of the function's code directory.
func writeFile(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestHTTPAuthorizer synthesizes NewHTTP in front of GET /orders/{id} of an
// HttpApi of the stack and checks the authorizer (payload 2.0, simple or
// IAM answers, identity sources, TTL), the route, the function's
// environment and the one permission, for each way of setting it up.
func TestHTTPAuthorizer(t *testing.T) {
	const (
		header   = "$request.header.Authorization"
		routeKey = "$context.routeKey"
		method   = "$context.httpMethod"
		path     = "$context.path"
	)
	tests := []struct {
		name       string
		props      cognitoauth.Props // UserPool, ClientIDs and CodeDir are added
		http       cognitoauth.HTTPProps
		wantSimple bool
		wantSource []string
		wantTTL    float64
		wantEnv    map[string]any // beside the one pool's and LOG_LEVEL, FUNCTION_TIMEOUT
	}{
		{
			name:       "simple with route rules",
			props:      cognitoauth.Props{RouteRules: rules},
			wantSimple: true,
			wantSource: []string{header, routeKey, method, path},
			wantTTL:    cognitoauth.DefaultCacheTTLSeconds,
			wantEnv:    map[string]any{settings.EnvHTTPAPIResponse: settings.HTTPAPISimple, settings.EnvRouteRules: rules},
		},
		{
			name:       "simple without route rules",
			props:      cognitoauth.Props{RequiredGroups: []string{"staff"}},
			wantSimple: true,
			wantSource: []string{header},
			wantTTL:    cognitoauth.DefaultCacheTTLSeconds,
			wantEnv:    map[string]any{settings.EnvHTTPAPIResponse: settings.HTTPAPISimple, settings.EnvRequiredGroups: "staff"},
		},
		{
			name:       "IAM with route rules",
			props:      cognitoauth.Props{RouteRules: rules},
			http:       cognitoauth.HTTPProps{Response: settings.HTTPAPIIAM},
			wantSimple: false,
			wantSource: []string{header},
			wantTTL:    cognitoauth.DefaultCacheTTLSeconds,
			wantEnv:    map[string]any{settings.EnvHTTPAPIResponse: settings.HTTPAPIIAM, settings.EnvRouteRules: rules},
		},
		{
			name:       "the Props' TTL, another header",
			props:      cognitoauth.Props{CacheTTL: awscdk.Duration_Seconds(jsii.Number(60)), TokenHeader: "X-Token"},
			http:       cognitoauth.HTTPProps{Response: settings.HTTPAPISimple},
			wantSimple: true,
			wantSource: []string{"$request.header.X-Token"},
			wantTTL:    60,
			wantEnv:    map[string]any{settings.EnvHTTPAPIResponse: settings.HTTPAPISimple, settings.EnvTokenHeader: "X-Token"},
		},
		{
			name:       "cache off",
			props:      cognitoauth.Props{RouteRulesFile: "rules.json"},
			http:       cognitoauth.HTTPProps{CacheTTL: awscdk.Duration_Seconds(jsii.Number(0))},
			wantSimple: true,
			wantSource: []string{header, routeKey, method, path},
			wantTTL:    0,
			wantEnv: map[string]any{
				settings.EnvHTTPAPIResponse: settings.HTTPAPISimple,
				settings.EnvRouteRulesFile:  cognitoauth.TaskRoot + "/rules.json",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			testenv.LookPath(t, "node", "install Node.js 22+ (https://nodejs.org)")
			app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
			stack := awscdk.NewStack(app, jsii.String("Http"), &awscdk.StackProps{
				Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("eu-west-1")},
			})
			api := awsapigatewayv2.NewHttpApi(stack, jsii.String("Api"), nil)
			props := tt.props
			props.UserPool = awscognito.UserPool_FromUserPoolId(stack, jsii.String("Pool"), jsii.String(poolID))
			props.ClientIDs = *jsii.Strings("client1")
			props.CodeDir = dummyCode(t)
			writeFile(t, props.CodeDir, "rules.json", rules)
			http := tt.http
			http.HttpApi = api
			auth := cognitoauth.NewHTTP(stack, "Auth", &props, &http)
			api.AddRoutes(&awsapigatewayv2.AddRoutesOptions{
				Path:        jsii.String("/orders/{id}"),
				Methods:     &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_GET},
				Integration: awsapigatewayv2integrations.NewHttpUrlIntegration(jsii.String("Orders"), jsii.String("https://example.com/orders/{id}"), nil),
				Authorizer:  auth.HTTP.Route,
			})
			resources := parsedTemplate(t, assertions.Template_FromStack(stack, nil))

			if auth.Authorizer != nil {
				t.Errorf("NewHTTP made a REST authorizer %v", auth.Authorizer)
			}
			if _, rest := ofType(resources, "AWS::ApiGateway::Authorizer"); len(rest) != 0 {
				t.Errorf("%d REST authorizers, want none", len(rest))
			}
			ids, authorizers := ofType(resources, "AWS::ApiGatewayV2::Authorizer")
			if len(authorizers) != 1 {
				t.Fatalf("%d AWS::ApiGatewayV2::Authorizer, want 1", len(authorizers))
			}
			authID := ids[0]
			apiID := *stack.GetLogicalId(api.Node().DefaultChild().(awscdk.CfnElement))
			fnID := *stack.GetLogicalId(auth.Function.Node().DefaultChild().(awscdk.CfnElement))
			got := authorizers[0].Properties
			wantSource := make([]any, len(tt.wantSource))
			for i, s := range tt.wantSource {
				wantSource[i] = s
			}
			want := map[string]any{
				"ApiId":                          map[string]any{"Ref": apiID},
				"AuthorizerType":                 "REQUEST",
				"AuthorizerPayloadFormatVersion": "2.0",
				"EnableSimpleResponses":          tt.wantSimple,
				"IdentitySource":                 wantSource,
				"AuthorizerResultTtlInSeconds":   tt.wantTTL,
				"AuthorizerUri":                  "arn:${Partition}:apigateway:eu-west-1:lambda:path/2015-03-31/functions/${" + fnID + ".Arn}/invocations",
				"Name":                           "HttpAuthorizer",
			}
			got["AuthorizerUri"] = renderJoinAtt(got["AuthorizerUri"])
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("AWS::ApiGatewayV2::Authorizer (-want +got):\n%s", diff)
			}
			if !slices.Equal(auth.HTTP.IdentitySource, tt.wantSource) {
				t.Errorf("HTTP.IdentitySource = %q, want %q", auth.HTTP.IdentitySource, tt.wantSource)
			}

			_, routes := ofType(resources, "AWS::ApiGatewayV2::Route")
			if len(routes) != 1 {
				t.Fatalf("%d routes, want 1", len(routes))
			}
			r := routes[0].Properties
			if r["RouteKey"] != "GET /orders/{id}" || r["AuthorizationType"] != "CUSTOM" || !cmp.Equal(r["AuthorizerId"], map[string]any{"Ref": authID}) {
				t.Errorf("route = %v, want GET /orders/{id}, CUSTOM, the authorizer %s", r, authID)
			}

			env, _ := resources[fnID].Properties["Environment"].(map[string]any)
			vars, _ := env["Variables"].(map[string]any)
			wantVars := map[string]any{
				settings.EnvUserPoolID:      poolID,
				settings.EnvClientIDs:       "client1",
				settings.EnvTokenUse:        "id,access",
				settings.EnvLogLevel:        "info",
				settings.EnvFunctionTimeout: "5s",
			}
			for k, v := range tt.wantEnv {
				wantVars[k] = v
			}
			if diff := cmp.Diff(wantVars, vars); diff != "" {
				t.Errorf("function environment (-want +got):\n%s", diff)
			}

			// API Gateway may invoke the function as this authorizer only.
			_, perms := ofType(resources, "AWS::Lambda::Permission")
			if len(perms) != 1 {
				t.Fatalf("%d permissions, want 1", len(perms))
			}
			perm := perms[0].Properties
			wantPerm := map[string]any{
				"Action":       "lambda:InvokeFunction",
				"Principal":    "apigateway.amazonaws.com",
				"FunctionName": map[string]any{"Fn::GetAtt": []any{fnID, "Arn"}},
				"SourceArn":    "arn:${Partition}:execute-api:eu-west-1:123456789012:${" + apiID + "}/authorizers/${" + authID + "}",
			}
			perm["SourceArn"] = renderJoin(perm["SourceArn"])
			if diff := cmp.Diff(wantPerm, perm); diff != "" {
				t.Errorf("permission (-want +got):\n%s", diff)
			}
		})
	}
}

// renderJoinAtt is renderJoin that also writes an Fn::GetAtt [X, Arn] as
// ${X.Arn}.
func renderJoinAtt(v any) any {
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
			if att, ok := p["Fn::GetAtt"].([]any); ok && len(att) == 2 {
				b.WriteString(fmt.Sprintf("${%v.%v}", att[0], att[1]))
			}
		}
	}
	return b.String()
}

// TestHTTPBesideREST checks one function behind a REST API (New) and an
// HTTP API made elsewhere (AttachHTTP): both authorizers, a permission
// for each, the function answering the HTTP API with IAM policies; a
// second attachment must answer the same way.
func TestHTTPBesideREST(t *testing.T) {
	stack, auth := existingAPIStack(t)
	httpAPI := awsapigatewayv2.HttpApi_FromHttpApiAttributes(stack, jsii.String("HttpApi"), &awsapigatewayv2.HttpApiAttributes{
		HttpApiId: jsii.String(httpAPIID),
	})
	h := auth.AttachHTTP("Http", &cognitoauth.HTTPProps{HttpApi: httpAPI, Response: settings.HTTPAPIIAM})
	awsapigatewayv2.NewHttpRoute(stack, jsii.String("Orders"), &awsapigatewayv2.HttpRouteProps{
		HttpApi:     httpAPI,
		RouteKey:    awsapigatewayv2.HttpRouteKey_With(jsii.String("/orders"), awsapigatewayv2.HttpMethod_GET),
		Integration: awsapigatewayv2integrations.NewHttpUrlIntegration(jsii.String("Orders"), jsii.String("https://example.com/orders"), nil),
		Authorizer:  h.Route,
	})
	if auth.HTTP != nil {
		t.Errorf("New set HTTP = %v, want nil (AttachHTTP returns the attachment)", auth.HTTP)
	}

	// Another API answered the same way is fine; another way is refused.
	other := awsapigatewayv2.HttpApi_FromHttpApiAttributes(stack, jsii.String("Other"), &awsapigatewayv2.HttpApiAttributes{HttpApiId: jsii.String("0th3r4p1id")})
	auth.AttachHTTP("Other", &cognitoauth.HTTPProps{HttpApi: other, Response: settings.HTTPAPIIAM})
	func() {
		defer func() {
			r := recover()
			if r == nil || !strings.Contains(fmt.Sprint(r), "Response: \"simple\", but the function already answers an HTTP API \"iam\"") {
				t.Errorf("AttachHTTP with another Response: panic %v, want the Response refused", r)
			}
		}()
		auth.AttachHTTP("Third", &cognitoauth.HTTPProps{HttpApi: other})
	}()

	resources := parsedTemplate(t, assertions.Template_FromStack(stack, nil))
	_, authorizers := ofType(resources, "AWS::ApiGatewayV2::Authorizer")
	byAPI := map[string]map[string]any{}
	for _, a := range authorizers {
		byAPI[fmt.Sprint(a.Properties["ApiId"])] = a.Properties
	}
	for _, api := range []string{httpAPIID, "0th3r4p1id"} {
		a := byAPI[api]
		if a["AuthorizerPayloadFormatVersion"] != "2.0" || a["EnableSimpleResponses"] != false ||
			!cmp.Equal(a["IdentitySource"], []any{"$request.header.Authorization"}) || a["AuthorizerResultTtlInSeconds"] != float64(60) {
			t.Errorf("authorizer of %s = %v, want payload 2.0, IAM answers, the header alone, the Props' TTL (60 s)", api, a)
		}
	}
	if len(authorizers) != 2 {
		t.Errorf("%d HTTP API authorizers, want 2", len(authorizers))
	}
	if _, rest := ofType(resources, "AWS::ApiGateway::Authorizer"); len(rest) != 1 {
		t.Errorf("%d REST authorizers, want 1", len(rest))
	}

	var sources []string
	_, perms := ofType(resources, "AWS::Lambda::Permission")
	for _, p := range perms {
		sources = append(sources, fmt.Sprint(renderJoin(p.Properties["SourceArn"])))
	}
	slices.Sort(sources)
	prefix := `^arn:\$\{Partition\}:execute-api:eu-west-1:123456789012:`
	wantSources := []*regexp.Regexp{
		regexp.MustCompile(prefix + `0th3r4p1id/authorizers/\$\{[A-Za-z0-9]+\}$`),
		regexp.MustCompile(prefix + apiID + `/authorizers/\$\{[A-Za-z0-9]+\}$`),
		regexp.MustCompile(prefix + httpAPIID + `/authorizers/\$\{[A-Za-z0-9]+\}$`),
	}
	if len(sources) != len(wantSources) {
		t.Fatalf("permissions' source ARNs %q, want one per authorizer (3)", sources)
	}
	for i, re := range wantSources {
		if !re.MatchString(sources[i]) {
			t.Errorf("permission %d: SourceArn %s, want %s", i, sources[i], re)
		}
	}

	fnID := *stack.GetLogicalId(auth.Function.Node().DefaultChild().(awscdk.CfnElement))
	env, _ := resources[fnID].Properties["Environment"].(map[string]any)
	vars, _ := env["Variables"].(map[string]any)
	if vars[settings.EnvHTTPAPIResponse] != settings.HTTPAPIIAM {
		t.Errorf("%s = %v, want %s", settings.EnvHTTPAPIResponse, vars[settings.EnvHTTPAPIResponse], settings.HTTPAPIIAM)
	}
	if _, ok := vars[settings.EnvTokenHeader]; ok {
		t.Errorf("%s set for the default header", settings.EnvTokenHeader)
	}
}

// TestCheckHTTP checks NewHTTP's props, each problem named by its field or
// variable.
func TestCheckHTTP(t *testing.T) {
	testenv.LookPath(t, "node", "install Node.js 22+ (https://nodejs.org)")
	stack := awscdk.NewStack(nil, jsii.String("CheckHTTP"), nil)
	pool := awscognito.UserPool_FromUserPoolId(stack, jsii.String("Pool"), jsii.String(poolID))
	api := awsapigatewayv2.NewHttpApi(stack, jsii.String("Api"), nil)
	restAPI := awsapigateway.RestApi_FromRestApiAttributes(stack, jsii.String("Rest"), &awsapigateway.RestApiAttributes{
		RestApiId: jsii.String(apiID), RootResourceId: jsii.String(rootID),
	})
	codeDir := dummyCode(t)
	tests := []struct {
		name    string
		change  func(p *cognitoauth.Props, h *cognitoauth.HTTPProps)
		wantErr string // the start of the error; "" for none
	}{
		{"defaults", func(*cognitoauth.Props, *cognitoauth.HTTPProps) {}, ""},
		{"IAM", func(_ *cognitoauth.Props, h *cognitoauth.HTTPProps) { h.Response = settings.HTTPAPIIAM }, ""},
		{"cache off", func(_ *cognitoauth.Props, h *cognitoauth.HTTPProps) {
			h.CacheTTL = awscdk.Duration_Seconds(jsii.Number(0))
		}, ""},
		{"no API", func(_ *cognitoauth.Props, h *cognitoauth.HTTPProps) { h.HttpApi = nil }, "HttpApi: "},
		{"bad response", func(_ *cognitoauth.Props, h *cognitoauth.HTTPProps) { h.Response = "policy" }, "Response: "},
		{"TTL over an hour", func(_ *cognitoauth.Props, h *cognitoauth.HTTPProps) {
			h.CacheTTL = awscdk.Duration_Hours(jsii.Number(2))
		}, "CacheTTL: "},
		{"TTL longer than the validity", func(p *cognitoauth.Props, h *cognitoauth.HTTPProps) {
			p.TokenValidity, h.CacheTTL = awscdk.Duration_Minutes(jsii.Number(5)), awscdk.Duration_Minutes(jsii.Number(10))
		}, "CacheTTL: 600 s is longer than the tokens' validity"},
		{"a REST API's gateway responses", func(p *cognitoauth.Props, _ *cognitoauth.HTTPProps) { p.RestApi = restAPI }, "RestApi: "},
		{"bad header", func(p *cognitoauth.Props, _ *cognitoauth.HTTPProps) { p.TokenHeader = "bad header" }, settings.EnvTokenHeader + ": "},
		{"the Props' problems too", func(p *cognitoauth.Props, _ *cognitoauth.HTTPProps) { p.ClientIDs = nil }, "ClientIDs: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := cognitoauth.Props{UserPool: pool, ClientIDs: *jsii.Strings("client1"), CodeDir: codeDir}
			h := cognitoauth.HTTPProps{HttpApi: api}
			tt.change(&p, &h)
			err := p.CheckHTTP(&h)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("CheckHTTP() = %v, want nil", err)
			case tt.wantErr != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.wantErr)):
				t.Errorf("CheckHTTP() = %v, want an error starting %q", err, tt.wantErr)
			}
		})
	}
}

func TestHTTPIdentitySource(t *testing.T) {
	for _, tt := range []struct {
		response string
		rules    bool
		want     []string
	}{
		{settings.HTTPAPISimple, true, []string{"$request.header.Authorization", "$context.routeKey", "$context.httpMethod", "$context.path"}},
		{settings.HTTPAPISimple, false, []string{"$request.header.Authorization"}},
		{settings.HTTPAPIIAM, true, []string{"$request.header.Authorization"}},
		{settings.HTTPAPIIAM, false, []string{"$request.header.Authorization"}},
	} {
		if got := cognitoauth.HTTPIdentitySource("Authorization", tt.response, tt.rules); !slices.Equal(got, tt.want) {
			t.Errorf("HTTPIdentitySource(Authorization, %s, %v) = %q, want %q", tt.response, tt.rules, got, tt.want)
		}
	}
}

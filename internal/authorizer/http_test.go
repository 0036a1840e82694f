package authorizer_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/golang-jwt/jwt/v5"

	"github.com/gatehouse-dev/cognito-authorizer/cmd/authorizer/wire"
	"github.com/gatehouse-dev/cognito-authorizer/internal/authorizer"
	"github.com/gatehouse-dev/cognito-authorizer/internal/decide"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/apigwtest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/authorizertest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/cognitotest"
)

// The HTTP API of the payload 2.0 events: the REST API's account, region
// and API id, on the $default stage.
const (
	httpAPIPrefix = "arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/$default/"
	httpStageARN  = httpAPIPrefix + "*/*"
)

// httpHandler is a handler on f's settings, with HTTP_API_RESPONSE set to
// response, wired as cmd/authorizer wires it (wire.HandlerOptions) and
// logging to f.logs.
func (f *fixture) httpHandler(t testing.TB, response string) *authorizer.Handler {
	t.Helper()
	getenv := func(k string) string {
		if k == settings.EnvHTTPAPIResponse {
			return response
		}
		return f.getenv(k)
	}
	cfg, err := settings.LoadAuthorizer(getenv)
	if err != nil {
		t.Fatal(err)
	}
	var logs io.Writer = io.Discard // newFixtureLogging's
	if f.logs != nil {
		logs = f.logs
	}
	return authorizer.New(authorizertest.NewDecider(t, getenv), newLogger(logs), wire.HandlerOptions(cfg)...)
}

// httpEvent is a payload 2.0 event for method and rawPath on the $default
// stage, routed by routeKey, with headers.
func httpEvent(method, rawPath, routeKey string, headers map[string]string) json.RawMessage {
	ev := events.APIGatewayV2CustomAuthorizerV2Request{
		Version: "2.0", Type: "REQUEST",
		RouteArn: httpAPIPrefix + method + rawPath, RouteKey: routeKey, RawPath: rawPath,
		Headers: headers,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			AccountID: "123456789012", APIID: "abcdef1234", Stage: "$default", RouteKey: routeKey,
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: method, Path: rawPath, Protocol: "HTTP/1.1"},
		},
	}
	for _, v := range headers {
		ev.IdentitySource = append(ev.IdentitySource, v)
	}
	b, _ := json.Marshal(ev)
	return b
}

// bearer is a payload 2.0 event's headers with token as HTTP APIs send it.
func bearer(token string) map[string]string {
	return map[string]string{"authorization": "Bearer " + token, "host": "abcdef1234.execute-api.eu-west-1.amazonaws.com"}
}

func invokeEvent(h *authorizer.Handler, ev json.RawMessage) (any, error) {
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-1"})
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return h.HandleEvent(ctx, ev)
}

// simpleAnswer answers ev with h and checks that the answer is a simple
// one.
func simpleAnswer(t testing.TB, h *authorizer.Handler, ev json.RawMessage) events.APIGatewayV2CustomAuthorizerSimpleResponse {
	t.Helper()
	resp, err := invokeEvent(h, ev)
	if err != nil {
		t.Fatalf("HandleEvent() error = %v, want a simple answer", err)
	}
	s, ok := resp.(events.APIGatewayV2CustomAuthorizerSimpleResponse)
	if !ok {
		t.Fatalf("HandleEvent() = %T %+v, want a simple answer", resp, resp)
	}
	return s
}

// iamAnswer answers ev with h and checks that the answer is a payload 2.0
// IAM one.
func iamAnswer(t testing.TB, h *authorizer.Handler, ev json.RawMessage) events.APIGatewayV2CustomAuthorizerIAMPolicyResponse {
	t.Helper()
	resp, err := invokeEvent(h, ev)
	if err != nil {
		t.Fatalf("HandleEvent() error = %v, want an IAM answer", err)
	}
	a, ok := resp.(events.APIGatewayV2CustomAuthorizerIAMPolicyResponse)
	if !ok {
		t.Fatalf("HandleEvent() = %T %+v, want an IAM answer", resp, resp)
	}
	return a
}

// TestHandleEventRecognisesEvents: each kind of event gets its answer's
// shape and its log's event_type; REST events and payload 1.0 events get
// Handle's answer, byte for byte.
func TestHandleEventRecognisesEvents(t *testing.T) {
	f := newFixture(t, nil)
	id := f.idToken(t)
	simple, iam := f.httpHandler(t, settings.HTTPAPISimple), f.httpHandler(t, settings.HTTPAPIIAM)
	v1, _ := json.Marshal(map[string]any{
		"version": "1.0", "type": "REQUEST", "methodArn": methodARN,
		"identitySource": "Bearer " + id, "authorizationToken": "Bearer " + id,
		"resource": "/add-note", "path": "/add-note", "httpMethod": "POST",
		"headers":        map[string]string{"Authorization": "Bearer " + id, "Host": "abcdef1234.execute-api.eu-west-1.amazonaws.com"},
		"requestContext": map[string]any{"accountId": "123456789012", "apiId": "abcdef1234", "stage": "prod", "httpMethod": "POST"},
	})
	v2 := httpEvent("POST", "/add-note", "POST /add-note", bearer(id))
	// An HTTP API's payload 1.0 event on the $default stage (most HTTP
	// APIs have only that one), which no REST event may name.
	v1Default := bytes.Replace(v1, []byte("/prod/"), []byte("/$default/"), 1)
	restDefault := bytes.Replace(tokenEvent("Bearer "+id), []byte("/prod/"), []byte("/$default/"), 1)
	tests := []struct {
		name      string
		ev        json.RawMessage
		h         *authorizer.Handler
		keys      []string // the answer's JSON keys; nil: the error Unauthorized
		eventType string
		reason    string
	}{
		{"REST TOKEN", tokenEvent("Bearer " + id), simple, []string{"context", "policyDocument", "principalId"}, "TOKEN", ""},
		{"REST REQUEST", requestEvent(map[string]string{"Authorization": "Bearer " + id}, nil), iam, []string{"context", "policyDocument", "principalId"}, "REQUEST", ""},
		{"HTTP API payload 1.0", v1, simple, []string{"context", "policyDocument", "principalId"}, "REQUEST", ""},
		{"HTTP API payload 1.0, $default", v1Default, simple, []string{"context", "policyDocument", "principalId"}, "REQUEST", ""},
		{"REST TOKEN naming $default", restDefault, simple, nil, "TOKEN", "bad_arn"},
		{"HTTP API payload 2.0, simple", v2, simple, []string{"context", "isAuthorized"}, "http-v2", ""},
		{"HTTP API payload 2.0, iam", v2, iam, []string{"context", "policyDocument", "principalId"}, "http-v2", ""},
		{"payload 2.0, TOKEN", bytes.Replace(v2, []byte(`"type":"REQUEST"`), []byte(`"type":"TOKEN"`), 1), simple, nil, "http-v2", "bad_event"},
		{"payload 2.0, requestContext.http a string", bytes.Replace(v2, []byte(`"http":{`), []byte(`"http":"x","x":{`), 1), simple, nil, "http-v2", "bad_event"},
		{"payload 2.0, headers not strings", bytes.Replace(v2, []byte(`"headers":{`), []byte(`"headers":{"x":1,`), 1), simple, nil, "http-v2", "bad_event"},
		{"payload 3.0", bytes.Replace(v2, []byte(`"version":"2.0"`), []byte(`"version":"3.0"`), 1), simple, nil, "", "bad_event"},
		{"version a number", bytes.Replace(v2, []byte(`"version":"2.0"`), []byte(`"version":2`), 1), simple, nil, "", "bad_event"},
		{"not JSON", []byte(`{"version":"2.0"`), simple, nil, "", "bad_event"},
		{"JSON array", []byte(`[{"version":"2.0"}]`), simple, nil, "", "bad_event"},
		{"JSON null (as Handle answers it)", []byte(`null`), simple, nil, "", "bad_arn"},
		{"garbage", []byte("\x00\xff"), simple, nil, "", "bad_event"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.logs.Reset()
			resp, err := invokeEvent(tt.h, tt.ev)
			line := lastLog(t, f.logs)
			if line["event_type"] != tt.eventType || (tt.reason != "" && line["reason"] != tt.reason) {
				t.Errorf("log = %v, want event_type %q, reason %q", line, tt.eventType, tt.reason)
			}
			if n := strings.Count(f.logs.String(), "\n"); n != 1 {
				t.Errorf("%d log lines, want 1", n)
			}
			if tt.keys == nil {
				if !errors.Is(err, authorizer.ErrUnauthorized) || resp != nil {
					t.Fatalf("HandleEvent() = %#v, %v, want the error Unauthorized", resp, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("HandleEvent() error = %v", err)
			}
			b, _ := json.Marshal(resp)
			var m map[string]any
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			if got := slices.Sorted(maps.Keys(m)); !reflect.DeepEqual(got, tt.keys) {
				t.Errorf("answer %s has keys %v, want %v", b, got, tt.keys)
			}
			if line["decision"] != "allow" {
				t.Errorf("log = %v, want decision allow", line)
			}
			if tt.eventType == "http-v2" {
				return
			}
			rest, err := invoke(f, tt.ev)
			if err != nil {
				t.Fatal(err)
			}
			if want, _ := json.Marshal(rest); !bytes.Equal(b, want) {
				t.Errorf("HandleEvent() = %s, Handle() = %s: want the same bytes", b, want)
			}
		})
	}
}

// TestHTTPAnswersFollowTheRules drives both kinds of answer with the sample
// API's route rules (events/rules.json) for several callers over every
// route, against the REST answer evaluated as IAM evaluates it: a simple
// answer allows exactly the routes the REST policy allows; an IAM answer is
// the same for every route of one token and, evaluated against each
// routeArn, allows the same routes.
func TestHTTPAnswersFollowTheRules(t *testing.T) {
	rules, err := os.ReadFile("../../events/rules.json")
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, map[string]string{settings.EnvRouteRules: string(rules)})
	simple, iam := f.httpHandler(t, settings.HTTPAPISimple), f.httpHandler(t, settings.HTTPAPIIAM)
	writer := cognitotest.User{Sub: "aaaaaaaa-0000-4000-8000-00000000a11c", Username: "alice", Groups: []string{"writers"}}
	nobody := cognitotest.User{Sub: "bbbbbbbb-0000-4000-8000-000000000b0b", Username: "bob"}
	admin := cognitotest.User{Sub: "cccccccc-0000-4000-8000-0000000ca201", Username: "carol", Groups: []string{"admins"}}
	carolClaims := f.pool.IDClaims(admin, time.Now())
	carolClaims["custom:tenant"] = "acme"
	tokens := map[string]string{"alice (writers)": mustToken(t, f, writer), "bob (no group)": mustToken(t, f, nobody), "carol (admins)": f.sign(t, carolClaims)}
	routes := [][2]string{
		{"POST", "/add-note"}, {"GET", "/notes"}, {"GET", "/users/" + writer.Sub + "/notes"}, {"GET", "/users/" + nobody.Sub + "/notes"},
		{"GET", "/users/" + admin.Sub + "/notes"}, {"DELETE", "/admin/users/1"}, {"GET", "/admin/x"}, {"GET", "/reports"},
		{"GET", "/unlisted"}, {"PUT", "/notes"}, {"GET", "/"}, {"GET", "/users/%61lice/notes"},
	}
	allowed := 0
	for caller, tok := range tokens {
		var iamAnswers []string
		for _, r := range routes {
			method, path := r[0], r[1]
			restARN := "arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/" + method + path
			ev, _ := json.Marshal(events.APIGatewayCustomAuthorizerRequest{Type: "TOKEN", AuthorizationToken: "Bearer " + tok, MethodArn: restARN})
			rest, err := invoke(f, ev)
			if err != nil {
				t.Fatalf("%s %s %s: REST answer %v", caller, method, path, err)
			}
			want := apigwtest.Allows(rest.PolicyDocument, restARN)
			if want {
				allowed++
			}
			routeARN := httpAPIPrefix + method + path
			hev := httpEvent(method, path, "ANY /{proxy+}", bearer(tok))

			s := simpleAnswer(t, simple, hev)
			if s.IsAuthorized != want {
				t.Errorf("%s %s %s: isAuthorized %v, the REST policy allows: %v", caller, method, path, s.IsAuthorized, want)
			}
			if !reflect.DeepEqual(s.Context, rest.Context) {
				t.Errorf("%s %s %s: simple context %v, REST context %v", caller, method, path, s.Context, rest.Context)
			}
			line := lastLog(t, f.logs)
			if (line["decision"] == "allow") != want || line["event_type"] != "http-v2" {
				t.Errorf("%s %s %s: log %v, want allow: %v, event_type http-v2", caller, method, path, line, want)
			}

			a := iamAnswer(t, iam, hev)
			if got := apigwtest.Allows(a.PolicyDocument, routeARN); got != want {
				t.Errorf("%s %s %s: the IAM answer allows %s: %v, the REST policy allows: %v\n%+v", caller, method, path, routeARN, got, want, a.PolicyDocument)
			}
			if a.PrincipalID != rest.PrincipalID || !reflect.DeepEqual(a.Context, rest.Context) {
				t.Errorf("%s %s %s: IAM answer principal %q, context %v; REST %q, %v", caller, method, path, a.PrincipalID, a.Context, rest.PrincipalID, rest.Context)
			}
			for _, st := range a.PolicyDocument.Statement {
				for _, res := range st.Resource {
					if !strings.HasPrefix(res, httpAPIPrefix) {
						t.Errorf("%s %s %s: resource %s is not on the routeArn's API and stage", caller, method, path, res)
					}
				}
			}
			b, _ := json.Marshal(a)
			iamAnswers = append(iamAnswers, string(b))
		}
		for _, other := range iamAnswers[1:] {
			if other != iamAnswers[0] {
				t.Errorf("%s: the IAM answer differs by route:\n%s\n%s", caller, iamAnswers[0], other)
				break
			}
		}
	}
	if allowed == 0 || allowed == len(tokens)*len(routes) {
		t.Errorf("%d of %d requests allowed: the cases do not tell answers apart", allowed, len(tokens)*len(routes))
	}
}

func mustToken(t testing.TB, f *fixture, u cognitotest.User) string {
	t.Helper()
	tok, err := f.pool.IDToken(u, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestHTTPDefaultRouteAndStage: the $default route (routeKey $default) on
// the $default stage is decided on the concrete method and rawPath, so that
// a bind holds for the caller's own path only, and the policy is built on
// the routeArn's API and stage.
func TestHTTPDefaultRouteAndStage(t *testing.T) {
	f := newFixture(t, map[string]string{settings.EnvRouteRules: `[
		{"route": "GET /users/{userId}/notes", "bind": {"userId": "sub"}},
		{"route": "GET /files/{name}"}]`})
	simple, iam := f.httpHandler(t, settings.HTTPAPISimple), f.httpHandler(t, settings.HTTPAPIIAM)
	tok := f.idToken(t)
	tests := []struct {
		method, rawPath string
		allow           bool
		route           string
	}{
		{"GET", "/users/" + alice.Sub + "/notes", true, "GET /users/{userId}/notes"},
		{"GET", "/users/someone-else/notes", false, "GET /users/{userId}/notes"},
		{"GET", "/files/a%20b", true, "GET /files/{name}"},
		{"POST", "/users/" + alice.Sub + "/notes", false, ""},
		{"GET", "/", false, ""},
	}
	for _, tt := range tests {
		ev := httpEvent(tt.method, tt.rawPath, "$default", bearer(tok))
		s := simpleAnswer(t, simple, ev)
		line := lastLog(t, f.logs)
		if s.IsAuthorized != tt.allow || (tt.route != "" && line["route"] != tt.route) {
			t.Errorf("%s %s: isAuthorized %v, log %v; want %v, route %q", tt.method, tt.rawPath, s.IsAuthorized, line, tt.allow, tt.route)
		}
		if s.Context["sub"] != alice.Sub {
			t.Errorf("%s %s: context %v, want the caller's", tt.method, tt.rawPath, s.Context)
		}
		a := iamAnswer(t, iam, ev)
		if got := apigwtest.Allows(a.PolicyDocument, httpAPIPrefix+tt.method+tt.rawPath); got != tt.allow {
			t.Errorf("%s %s: the IAM answer allows: %v, want %v: %+v", tt.method, tt.rawPath, got, tt.allow, a.PolicyDocument)
		}
		for _, st := range a.PolicyDocument.Statement {
			for _, res := range st.Resource {
				if !strings.HasPrefix(res, httpAPIPrefix) {
					t.Errorf("resource %s is not on the routeArn's API and $default stage", res)
				}
			}
		}
	}
}

// TestHTTPDecidesOnTheRouteArn: the decision is made on the routeArn's
// path, as API Gateway checks an IAM answer (a REST decision is made on
// the methodArn's), and rawPath must agree with it, after whole leading
// segments: a named stage's name or a custom domain's base path, which
// rawPath carries and the rules must not see (a review found "/prod/admin"
// allowed through "GET /{proxy+}" while "GET /admin" was the caller's to
// be refused). Paths that disagree, or have dot segments, are refused.
func TestHTTPDecidesOnTheRouteArn(t *testing.T) {
	f := newFixture(t, map[string]string{settings.EnvRouteRules: `[
		{"route": "GET /admin", "groups": ["billing"]},
		{"route": "GET /{proxy+}"}]`})
	h := f.httpHandler(t, settings.HTTPAPISimple)
	tok := f.idToken(t) // alice: admins, staff; not billing
	for _, tt := range []struct {
		name, arnPath, rawPath string
		want                   string // allow, deny, or the reason of Unauthorized
	}{
		{"the same path", "/notes", "/notes", "allow"},
		{"a named stage's prefix", "/notes", "/prod/notes", "allow"},
		{"the refused route, a named stage's prefix", "/admin", "/prod/admin", "deny"},
		{"the refused route, a custom domain's base path", "/admin", "/v1/admin", "deny"},
		{"the refused route, rawPath another route", "/admin", "/notes", "bad_arn"},
		{"rawPath claims the refused route", "/notes", "/admin", "bad_arn"},
		{"a partial segment", "/admin", "/xadmin", "bad_arn"},
		{"a dot-dot segment", "/x/../admin", "/x/../admin", "bad_arn"},
		{"an encoded dot segment", "/x/%2E%2E/admin", "/x/%2E%2E/admin", "bad_arn"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var ev events.APIGatewayV2CustomAuthorizerV2Request
			if err := json.Unmarshal(httpEvent("GET", tt.rawPath, "GET /{proxy+}", bearer(tok)), &ev); err != nil {
				t.Fatal(err)
			}
			ev.RouteArn = httpAPIPrefix + "GET" + tt.arnPath
			b, _ := json.Marshal(ev)
			f.logs.Reset()
			resp, err := invokeEvent(h, b)
			line := lastLog(t, f.logs)
			switch tt.want {
			case "allow", "deny":
				s, ok := resp.(events.APIGatewayV2CustomAuthorizerSimpleResponse)
				if err != nil || !ok || s.IsAuthorized != (tt.want == "allow") {
					t.Errorf("HandleEvent() = %#v, %v (log %v), want isAuthorized %v", resp, err, line, tt.want == "allow")
				}
			default:
				if !errors.Is(err, authorizer.ErrUnauthorized) || line["reason"] != tt.want {
					t.Errorf("HandleEvent() = %#v, %v (log %v), want Unauthorized, %s", resp, err, line, tt.want)
				}
			}
		})
	}
}

// TestHTTPWithoutRules: without route rules every verified caller is
// allowed; REQUIRED_GROUPS refuses with isAuthorized false (403) and the
// context, or a Deny of the whole stage.
func TestHTTPWithoutRules(t *testing.T) {
	for _, tt := range []struct {
		env   map[string]string
		allow bool
	}{
		{nil, true},
		{map[string]string{settings.EnvRequiredGroups: "billing"}, false},
	} {
		f := newFixture(t, tt.env)
		ev := httpEvent("POST", "/add-note", "POST /add-note", bearer(f.idToken(t)))
		s := simpleAnswer(t, f.httpHandler(t, settings.HTTPAPISimple), ev)
		if s.IsAuthorized != tt.allow || s.Context["sub"] != alice.Sub || s.Context["username"] != alice.Username {
			t.Errorf("%v: simple answer %+v, want isAuthorized %v with alice's context", tt.env, s, tt.allow)
		}
		a := iamAnswer(t, f.httpHandler(t, settings.HTTPAPIIAM), ev)
		effect := "Deny"
		if tt.allow {
			effect = "Allow"
		}
		want := events.APIGatewayCustomAuthorizerPolicy{Version: "2012-10-17", Statement: []events.IAMPolicyStatement{{
			Action: []string{"execute-api:Invoke"}, Effect: effect, Resource: []string{httpStageARN},
		}}}
		if !reflect.DeepEqual(a.PolicyDocument, want) || a.PrincipalID != alice.Sub || a.Context["sub"] != alice.Sub {
			t.Errorf("%v: IAM answer %+v, want principal %s, context and %+v", tt.env, a, alice.Sub, want)
		}
	}
}

// TestHTTPRefusals: what is not a valid token is the error Unauthorized
// (401), an outage another error (500), whichever the answer's kind.
func TestHTTPRefusals(t *testing.T) {
	f := newFixture(t, nil)
	tok := f.idToken(t)
	expired, err := f.pool.Sign(jwt.MapClaims(f.pool.IDClaims(alice, time.Now().Add(-2*time.Hour))))
	if err != nil {
		t.Fatal(err)
	}
	ok := httpEvent("GET", "/notes", "GET /notes", bearer(tok))
	edit := func(fn func(*events.APIGatewayV2CustomAuthorizerV2Request)) json.RawMessage {
		var ev events.APIGatewayV2CustomAuthorizerV2Request
		if err := json.Unmarshal(ok, &ev); err != nil {
			t.Fatal(err)
		}
		fn(&ev)
		b, _ := json.Marshal(ev)
		return b
	}
	tests := []struct {
		name   string
		ev     json.RawMessage
		reason string
	}{
		{"no header", httpEvent("GET", "/notes", "GET /notes", map[string]string{"host": "x"}), "no_token"},
		{"no headers at all", httpEvent("GET", "/notes", "GET /notes", nil), "no_token"},
		{"token in another header", httpEvent("GET", "/notes", "GET /notes", map[string]string{"token": tok}), "no_token"},
		{"empty header", httpEvent("GET", "/notes", "GET /notes", map[string]string{"authorization": ""}), "no_token"},
		{"expired", httpEvent("GET", "/notes", "GET /notes", bearer(expired)), "expired"},
		{"tampered", httpEvent("GET", "/notes", "GET /notes", bearer(tok[:len(tok)-4]+"AAAA")), "bad_signature"},
		{"basic scheme", httpEvent("GET", "/notes", "GET /notes", map[string]string{"authorization": "Basic " + tok}), "bad_scheme"},
		{"repeated header, joined", httpEvent("GET", "/notes", "GET /notes", map[string]string{"authorization": "Bearer " + tok + ",Bearer " + tok}), "not_jwt"},
		{"two spellings, two tokens", httpEvent("GET", "/notes", "GET /notes", map[string]string{"authorization": "Bearer " + tok, "Authorization": "Bearer " + expired}), "ambiguous_token"},
		{"no routeArn", edit(func(ev *events.APIGatewayV2CustomAuthorizerV2Request) { ev.RouteArn = "" }), "bad_arn"},
		{"routeArn of another API", edit(func(ev *events.APIGatewayV2CustomAuthorizerV2Request) {
			ev.RouteArn = strings.Replace(ev.RouteArn, "abcdef1234", "zzzzzz9999", 1)
		}), "bad_arn"},
		{"routeArn of another stage", edit(func(ev *events.APIGatewayV2CustomAuthorizerV2Request) { ev.RequestContext.Stage = "prod" }), "bad_arn"},
		{"routeArn of another account", edit(func(ev *events.APIGatewayV2CustomAuthorizerV2Request) { ev.RequestContext.AccountID = "210987654321" }), "bad_arn"},
		{"no request context", edit(func(ev *events.APIGatewayV2CustomAuthorizerV2Request) {
			ev.RequestContext = events.APIGatewayV2HTTPRequestContext{}
		}), "bad_arn"},
		{"method not the routeArn's", edit(func(ev *events.APIGatewayV2CustomAuthorizerV2Request) { ev.RequestContext.HTTP.Method = "DELETE" }), "bad_arn"},
		{"method not a method", edit(func(ev *events.APIGatewayV2CustomAuthorizerV2Request) {
			ev.RouteArn = strings.Replace(ev.RouteArn, "/GET/", "/ANY/", 1)
			ev.RequestContext.HTTP.Method = "ANY"
		}), "bad_arn"},
		{"stage $Default", edit(func(ev *events.APIGatewayV2CustomAuthorizerV2Request) {
			ev.RouteArn = strings.Replace(ev.RouteArn, "$default", "$Default", 1)
			ev.RequestContext.Stage = "$Default"
		}), "bad_arn"},
		{"rawPath without its slash", edit(func(ev *events.APIGatewayV2CustomAuthorizerV2Request) { ev.RawPath = "notes" }), "bad_arn"},
		{"rawPath with a wildcard", edit(func(ev *events.APIGatewayV2CustomAuthorizerV2Request) { ev.RawPath = "/notes/*" }), "bad_arn"},
		{"rawPath with a control character", edit(func(ev *events.APIGatewayV2CustomAuthorizerV2Request) { ev.RawPath = "/notes\n" }), "bad_arn"},
		{"rawPath too long", edit(func(ev *events.APIGatewayV2CustomAuthorizerV2Request) { ev.RawPath = "/" + strings.Repeat("a", 512) }), "bad_arn"},
	}
	for _, kind := range []string{settings.HTTPAPISimple, settings.HTTPAPIIAM} {
		h := f.httpHandler(t, kind)
		for _, tt := range tests {
			t.Run(kind+"/"+tt.name, func(t *testing.T) {
				resp, err := invokeEvent(h, tt.ev)
				if resp != nil || err == nil || err.Error() != "Unauthorized" {
					t.Fatalf("HandleEvent() = %#v, %v, want the error Unauthorized", resp, err)
				}
				if line := lastLog(t, f.logs); line["reason"] != tt.reason || line["decision"] != "unauthorized" || line["event_type"] != "http-v2" {
					t.Errorf("log = %v, want reason %s", line, tt.reason)
				}
			})
		}
		t.Run(kind+"/the same event, valid", func(t *testing.T) {
			resp, err := invokeEvent(h, ok)
			if err != nil || resp == nil {
				t.Fatalf("HandleEvent() = %v, %v, want an answer", resp, err)
			}
		})
	}
	if b, _ := json.Marshal(f.logs.String()); bytes.Contains(b, []byte(strings.Split(tok, ".")[2])) {
		t.Errorf("the logs hold the token")
	}
}

// TestHTTPJWKSOutageIsNotUnauthorized: keys that cannot be had are an
// error other than Unauthorized, never an answer, let alone an Allow.
func TestHTTPJWKSOutageIsNotUnauthorized(t *testing.T) {
	f := newFixture(t, nil)
	ev := httpEvent("GET", "/notes", "GET /notes", bearer(f.idToken(t)))
	f.pool.SetDown(true)
	for _, kind := range []string{settings.HTTPAPISimple, settings.HTTPAPIIAM} {
		resp, err := invokeEvent(f.httpHandler(t, kind), ev)
		if resp != nil || !errors.Is(err, authorizer.ErrUnavailable) || err.Error() == "Unauthorized" {
			t.Fatalf("%s: HandleEvent() with the JWKS down = %#v, %v, want %v", kind, resp, err, authorizer.ErrUnavailable)
		}
		if line := lastLog(t, f.logs); line["level"] != "ERROR" || line["reason"] != "keys_unavailable" || line["event_type"] != "http-v2" {
			t.Errorf("%s: log = %v, want level ERROR, reason keys_unavailable", kind, line)
		}
	}
}

// TestHTTPTokenHeader: TOKEN_HEADER names the header, whatever its case
// in the event.
func TestHTTPTokenHeader(t *testing.T) {
	f := newFixture(t, map[string]string{settings.EnvTokenHeader: "X-Id-Token"})
	tok := f.idToken(t)
	h := f.httpHandler(t, settings.HTTPAPISimple)
	if s := simpleAnswer(t, h, httpEvent("GET", "/notes", "GET /notes", map[string]string{"x-id-token": tok})); !s.IsAuthorized {
		t.Errorf("x-id-token: %+v, want authorized", s)
	}
	_, err := invokeEvent(h, httpEvent("GET", "/notes", "GET /notes", bearer(tok)))
	wantUnauthorized(t, f, err, string(decide.ReasonNoToken))
}

func TestHandleEventPanicIsUnauthorized(t *testing.T) {
	logs := new(bytes.Buffer)
	h := authorizer.New(decide.New(panicVerifier{}), newLogger(logs), authorizer.WithHTTPAPIResponse(authorizer.HTTPAPIIAM))
	for _, ev := range []json.RawMessage{tokenEvent("a.b.c"), httpEvent("GET", "/", "$default", bearer("a.b.c"))} {
		resp, err := h.HandleEvent(context.Background(), ev)
		if resp != nil || !errors.Is(err, authorizer.ErrUnauthorized) {
			t.Fatalf("HandleEvent() with a panicking verifier = %#v, %v, want Unauthorized", resp, err)
		}
		if line := lastLog(t, logs); line["reason"] != "panic" || line["level"] != "ERROR" {
			t.Errorf("log = %v, want level ERROR, reason panic", line)
		}
	}
}

// TestHTTPAPIResponseValues: the settings' values are the package's, and
// New refuses another.
func TestHTTPAPIResponseValues(t *testing.T) {
	if settings.HTTPAPISimple != string(authorizer.HTTPAPISimple) || settings.HTTPAPIIAM != string(authorizer.HTTPAPIIAM) {
		t.Errorf("settings: %q, %q; authorizer: %q, %q", settings.HTTPAPISimple, settings.HTTPAPIIAM, authorizer.HTTPAPISimple, authorizer.HTTPAPIIAM)
	}
	defer func() {
		if recover() == nil {
			t.Errorf("New(WithHTTPAPIResponse(\"IAM\")) did not panic")
		}
	}()
	authorizer.New(decide.New(panicVerifier{}), newLogger(new(bytes.Buffer)), authorizer.WithHTTPAPIResponse("IAM"))
}

// TestHTTPEventFilesDecode answers the payload 2.0 samples of events/ with
// a fresh token: an Allow for the caller, of each kind.
func TestHTTPEventFilesDecode(t *testing.T) {
	files, err := filepath.Glob("../../events/*.json")
	if err != nil {
		t.Fatal(err)
	}
	var seen int
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		var probe struct {
			Version string `json:"version"`
		}
		if json.Unmarshal(b, &probe) != nil || probe.Version != "2.0" {
			continue
		}
		seen++
		t.Run(filepath.Base(name), func(t *testing.T) {
			f := newFixture(t, nil)
			ev := apigwtest.FillToken(b, f.idToken(t))
			var typed events.APIGatewayV2CustomAuthorizerV2Request
			dec := json.NewDecoder(bytes.NewReader(ev))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&typed); err != nil {
				t.Fatalf("decoding %s: %v", name, err)
			}
			if s := simpleAnswer(t, f.httpHandler(t, settings.HTTPAPISimple), ev); !s.IsAuthorized || s.Context["sub"] != alice.Sub {
				t.Errorf("simple answer %+v, want authorized with alice's context", s)
			}
			if a := iamAnswer(t, f.httpHandler(t, settings.HTTPAPIIAM), ev); !apigwtest.Allows(a.PolicyDocument, typed.RouteArn) {
				t.Errorf("IAM answer %+v does not allow %s", a, typed.RouteArn)
			}
		})
	}
	if seen == 0 {
		t.Errorf("found no payload 2.0 event in events/")
	}
}

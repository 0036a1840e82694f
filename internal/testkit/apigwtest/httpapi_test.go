package apigwtest_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/apigwtest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/clocktest"
)

// echoV2 answers 200 with what a payload 2.0 integration sees.
var echoV2 = apigwtest.Handler(func(_ context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	var lambda map[string]any
	if req.RequestContext.Authorizer != nil {
		lambda = req.RequestContext.Authorizer.Lambda
	}
	b, _ := json.Marshal(map[string]any{"lambda": lambda, "params": req.PathParameters, "routeKey": req.RouteKey,
		"rawPath": req.RawPath, "version": req.Version, "method": req.RequestContext.HTTP.Method, "body": req.Body,
		"stage": req.RequestContext.Stage})
	return events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: string(b), Cookies: []string{"a=b"}}, nil
})

type httpFixture struct {
	url     string
	gw      *apigwtest.HTTPGateway
	clock   *clocktest.Clock
	auth    *counted
	mu      sync.Mutex
	events  []events.APIGatewayV2CustomAuthorizerV2Request
	entries []apigwtest.Entry
}

// newHTTPGateway serves three routes behind a fake authorizer: the token
// "allow" is authorized everywhere but POST /add-note, "unauthorized" is
// the error Unauthorized, "fail" another error, "bad" an answer without
// isAuthorized; IAM answers allow GET routes only.
func newHTTPGateway(t *testing.T, simple bool, sources []string, ttl time.Duration) *httpFixture {
	t.Helper()
	f := &httpFixture{clock: clocktest.New(time.Now())}
	f.auth = &counted{Invoker: apigwtest.Handler(func(_ context.Context, ev events.APIGatewayV2CustomAuthorizerV2Request) (any, error) {
		f.mu.Lock()
		f.events = append(f.events, ev)
		f.mu.Unlock()
		ctx := map[string]any{"sub": "s-1", "groups": []any{"writers"}, "n": 3, "ok": true}
		switch strings.TrimPrefix(ev.Headers["authorization"], "Bearer ") {
		case "unauthorized":
			return nil, errors.New("Unauthorized")
		case "fail":
			return nil, errors.New("boom")
		case "bad":
			return map[string]any{"context": ctx}, nil
		}
		if !simple {
			return events.APIGatewayV2CustomAuthorizerIAMPolicyResponse{PrincipalID: "s-1",
				PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{Version: "2012-10-17", Statement: []events.IAMPolicyStatement{
					{Effect: "Allow", Action: []string{"execute-api:Invoke"}, Resource: []string{"arn:aws:execute-api:*:*:*/$default/GET/*"}}}},
				Context: ctx}, nil
		}
		return events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: ev.RouteKey != "POST /add-note", Context: ctx}, nil
	})}
	gw, err := apigwtest.NewHTTPGateway(apigwtest.HTTPConfig{
		Routes: []apigwtest.Route{
			{Method: "POST", Path: "/add-note", Function: echoV2},
			{Method: "GET", Path: "/notes", Function: echoV2},
			{Method: "GET", Path: "/users/{userId}/notes", Function: echoV2},
			{Method: "ANY", Path: "/files/{proxy+}", Function: echoV2},
		},
		Authorizer: &apigwtest.HTTPAuthorizer{SimpleResponses: simple, IdentitySource: sources, CacheTTL: ttl, Function: f.auth},
		Now:        f.clock.Now,
		OnRequest:  func(e apigwtest.Entry) { f.mu.Lock(); f.entries = append(f.entries, e); f.mu.Unlock() },
	})
	if err != nil {
		t.Fatal(err)
	}
	f.gw = gw
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)
	f.url = srv.URL
	return f
}

type httpReply struct {
	status int
	header http.Header
	body   string
	entry  apigwtest.Entry
}

func (f *httpFixture) call(t *testing.T, method, path, token, body string) httpReply {
	t.Helper()
	req, _ := http.NewRequest(method, f.url+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	f.mu.Lock()
	defer f.mu.Unlock()
	return httpReply{resp.StatusCode, resp.Header, string(b), f.entries[len(f.entries)-1]}
}

var perRoute = []string{"$request.header.Authorization", "$context.routeKey", "$context.httpMethod", "$context.path"}

func TestHTTPGatewaySimple(t *testing.T) {
	f := newHTTPGateway(t, true, perRoute, 300*time.Second)
	check := func(what string, r httpReply, status int, body, src string) {
		t.Helper()
		if r.status != status || (body != "" && r.body != body) || r.entry.Authorizer != src {
			t.Errorf("%s = %d %s (authorizer %q), want %d %s (authorizer %q)", what, r.status, r.body, r.entry.Authorizer, status, body, src)
		}
	}
	check("no route", f.call(t, "GET", "/nowhere", "allow", ""), 404, `{"message":"Not Found"}`, "")
	check("no header", f.call(t, "GET", "/notes", "", ""), 401, `{"message":"Unauthorized"}`, "refused")
	if f.auth.count() != 0 {
		t.Errorf("the authorizer was invoked %d times for requests without the header", f.auth.count())
	}
	check("Unauthorized", f.call(t, "GET", "/notes", "unauthorized", ""), 401, `{"message":"Unauthorized"}`, "invoked")
	check("another error", f.call(t, "GET", "/notes", "fail", ""), 500, `{"message":"Internal Server Error"}`, "invoked")
	check("no isAuthorized", f.call(t, "GET", "/notes", "bad", ""), 500, `{"message":"Internal Server Error"}`, "invoked")
	check("isAuthorized false", f.call(t, "POST", "/add-note", "allow", `{"note":"x"}`), 403, `{"message":"Forbidden"}`, "invoked")
	r := f.call(t, "GET", "/users/u%2F1/notes?limit=1", "allow", "")
	check("allowed", r, 200, "", "invoked")
	var got map[string]any
	json.Unmarshal([]byte(r.body), &got)
	lambda, _ := got["lambda"].(map[string]any)
	if lambda["n"] != 3.0 || lambda["ok"] != true || lambda["sub"] != "s-1" || len(lambda["groups"].([]any)) != 1 {
		t.Errorf("requestContext.authorizer.lambda = %v, want the context with its JSON types", got["lambda"])
	}
	if got["routeKey"] != "GET /users/{userId}/notes" || got["version"] != "2.0" || got["stage"] != "$default" ||
		got["params"].(map[string]any)["userId"] != "u/1" || got["rawPath"] != "/users/u%2F1/notes" {
		t.Errorf("integration event = %s", r.body)
	}
	if r.header.Get("Set-Cookie") != "a=b" || r.header.Get("Apigw-Requestid") == "" {
		t.Errorf("headers %v, want the cookie and apigw-requestid", r.header)
	}
	// The authorizer's event.
	ev := f.events[len(f.events)-1]
	if ev.Version != "2.0" || ev.Type != "REQUEST" || ev.RouteArn != f.gw.RouteARN("GET", "/users/u%2F1/notes") ||
		!strings.HasSuffix(ev.RouteArn, "/$default/GET/users/u%2F1/notes") || ev.RouteKey != "GET /users/{userId}/notes" ||
		ev.RawPath != "/users/u%2F1/notes" || ev.RawQueryString != "limit=1" || ev.Headers["authorization"] != "Bearer allow" ||
		len(ev.IdentitySource) != 4 || ev.IdentitySource[0] != "Bearer allow" || ev.IdentitySource[1] != ev.RouteKey ||
		ev.RequestContext.HTTP.Method != "GET" || ev.RequestContext.Stage != "$default" || ev.RequestContext.APIID != apigwtest.DefaultAPIID {
		t.Errorf("authorizer event = %+v", ev)
	}

	// The cache: the same request from it, another route or path not.
	check("the same request", f.call(t, "GET", "/users/u%2F1/notes?limit=2", "allow", ""), 200, "", "cache")
	check("another path of the route", f.call(t, "GET", "/users/u2/notes", "allow", ""), 200, "", "invoked")
	check("another route", f.call(t, "GET", "/notes", "allow", ""), 200, "", "invoked")
	check("a refusal cached", f.call(t, "POST", "/add-note", "allow", ""), 403, "", "cache")
	f.clock.Add(301 * time.Second)
	check("after the TTL", f.call(t, "GET", "/notes", "allow", ""), 200, "", "invoked")
	f.gw.FlushAuthorizerCache()
	check("after a flush", f.call(t, "GET", "/notes", "allow", ""), 200, "", "invoked")
}

// TestHTTPGatewayHeaderOnlyKey: with the header alone as identity source a
// simple answer is replayed on every route, as API Gateway does.
func TestHTTPGatewayHeaderOnlyKey(t *testing.T) {
	f := newHTTPGateway(t, true, []string{"$request.header.Authorization"}, time.Minute)
	if r := f.call(t, "GET", "/notes", "allow", ""); r.status != 200 || r.entry.Authorizer != "invoked" {
		t.Errorf("GET /notes = %d %s", r.status, r.entry.Authorizer)
	}
	if r := f.call(t, "POST", "/add-note", "allow", ""); r.status != 200 || r.entry.Authorizer != "cache" {
		t.Errorf("POST /add-note = %d %s, want 200 from the cached Allow of GET /notes", r.status, r.entry.Authorizer)
	}
}

func TestHTTPGatewayIAM(t *testing.T) {
	f := newHTTPGateway(t, false, []string{"$request.header.Authorization"}, time.Minute)
	if r := f.call(t, "GET", "/notes", "allow", ""); r.status != 200 || r.entry.Authorizer != "invoked" || r.entry.Principal != "s-1" {
		t.Errorf("GET /notes = %d %s %q", r.status, r.entry.Authorizer, r.entry.Principal)
	}
	if r := f.call(t, "POST", "/add-note", "allow", ""); r.status != 403 || r.body != `{"message":"Forbidden"}` || r.entry.Authorizer != "cache" {
		t.Errorf("POST /add-note = %d %s %s, want 403 from the cached policy", r.status, r.body, r.entry.Authorizer)
	}
	if r := f.call(t, "GET", "/files/a/b", "allow", ""); r.status != 200 || r.entry.Authorizer != "cache" || r.entry.Route != "ANY /files/{proxy+}" {
		t.Errorf("GET /files/a/b = %d %s %s", r.status, r.entry.Authorizer, r.entry.Route)
	}
	if f.auth.count() != 1 {
		t.Errorf("authorizer invoked %d times, want 1", f.auth.count())
	}
}

func TestHTTPGatewayConfig(t *testing.T) {
	_, err := apigwtest.NewHTTPGateway(apigwtest.HTTPConfig{Authorizer: &apigwtest.HTTPAuthorizer{Function: echoV2, IdentitySource: []string{"$request.body.x"}}})
	if err == nil {
		t.Errorf("NewHTTPGateway accepted an unknown identity source")
	}
	f := newHTTPGateway(t, true, perRoute, time.Minute)
	srv := httptest.NewServer(f.gw.ControlHandler())
	defer srv.Close()
	flush := func(path string) int {
		t.Helper()
		req, _ := http.NewRequest("DELETE", srv.URL+path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	// The flush empties the cache: the request after it invokes the
	// authorizer again; a refused flush leaves the cache alone.
	own := "/v2/apis/" + apigwtest.DefaultAPIID + "/stages/$default/cache/authorizers"
	f.call(t, "GET", "/notes", "allow", "")
	if r := f.call(t, "GET", "/notes", "allow", ""); r.entry.Authorizer != "cache" {
		t.Fatalf("GET /notes again: authorizer %s, want cache", r.entry.Authorizer)
	}
	if flush("/v2/apis/other/stages/$default/cache/authorizers") != 404 {
		t.Error("a flush of another API was not refused")
	}
	if r := f.call(t, "GET", "/notes", "allow", ""); r.entry.Authorizer != "cache" {
		t.Errorf("after a refused flush: authorizer %s, want cache", r.entry.Authorizer)
	}
	if flush(own) != 204 {
		t.Error("the flush of the gateway's own stage was refused")
	}
	if r := f.call(t, "GET", "/notes", "allow", ""); r.entry.Authorizer != "invoked" {
		t.Errorf("after the flush: authorizer %s, want invoked", r.entry.Authorizer)
	}
	for path, status := range map[string]int{
		"/v2/apis/" + apigwtest.DefaultAPIID + "/stages/$default/cache/authorizers": 204,
		"/v2/apis/other/stages/$default/cache/authorizers":                          404,
		"/restapis/" + apigwtest.DefaultAPIID + "/stages/v1/cache/authorizers":      404,
	} {
		req, _ := http.NewRequest("DELETE", srv.URL+path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != status {
			t.Errorf("DELETE %s = %d, want %d", path, resp.StatusCode, status)
		}
	}
}

package apigwtest_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"

	"github.com/gatehouse-dev/cognito-authorizer/internal/apispec"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
	"github.com/gatehouse-dev/cognito-authorizer/internal/signout"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/apigwtest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/authorizertest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/clocktest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/cognitotest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/lambdatest"
)

// counted counts an Invoker's invocations.
type counted struct {
	apigwtest.Invoker
	mu sync.Mutex
	n  int
}

func (c *counted) Invoke(ctx context.Context, payload []byte) (lambdatest.Result, error) {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	return c.Invoker.Invoke(ctx, payload)
}

func (c *counted) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// echo answers 200 with the request's authorizer context and path
// parameters, as an endpoint sees them.
var echo = apigwtest.Handler(func(_ context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	b, _ := json.Marshal(map[string]any{"authorizer": req.RequestContext.Authorizer, "params": req.PathParameters,
		"resource": req.Resource, "path": req.Path, "stagePath": req.RequestContext.Path})
	return events.APIGatewayProxyResponse{StatusCode: 200, Body: string(b)}, nil
})

var (
	alice = cognitotest.User{Sub: "a1a1a1a1-0000-4000-8000-00000000a11c", Username: "alice", Groups: []string{"writers"}}
	bob   = cognitotest.User{Sub: "b0b0b0b0-0000-4000-8000-000000000b0b", Username: "bob"}
)

type gatewayFixture struct {
	pool       *cognitotest.Pool
	authorizer *counted
	clock      *clocktest.Clock
	url        string
	gw         *apigwtest.Gateway
	entries    []apigwtest.Entry
	mu         sync.Mutex
}

// newGateway serves the sample routes, each answered by echo, behind the
// real authorizer (in this process) with the sample's rules, the stack's
// validation expression and gateway responses, and a cache of ttl on a
// settable clock.
func newGateway(t *testing.T, ttl time.Duration, authorizer func(getenv func(string) string) apigwtest.Invoker) *gatewayFixture {
	t.Helper()
	pool, jwksURL := cognitotest.Start(t, "eu-west-1_GatewayTest", "client1")
	env := map[string]string{
		settings.EnvUserPoolID: pool.ID,
		settings.EnvClientIDs:  pool.ClientID,
		settings.EnvJWKSURL:    jwksURL,
		settings.EnvRouteRules: apispec.RouteRules(apispec.SampleRoutes()),
	}
	getenv := func(k string) string { return env[k] }
	if authorizer == nil {
		authorizer = func(getenv func(string) string) apigwtest.Invoker {
			h := authorizertest.NewHandler(t, getenv, slog.New(slog.DiscardHandler))
			return apigwtest.Handler(h.Handle)
		}
	}
	f := &gatewayFixture{pool: pool, authorizer: &counted{Invoker: authorizer(getenv)}, clock: clocktest.New(time.Now())}
	var routes []apigwtest.Route
	for _, r := range apispec.SampleRoutes() {
		routes = append(routes, apigwtest.Route{Method: r.Method, Path: r.Path, Function: echo})
	}
	gw, err := apigwtest.NewGateway(apigwtest.Config{
		Routes: routes,
		Authorizer: &apigwtest.Authorizer{Type: "TOKEN", Header: apispec.IdentityHeader, ValidationExpression: apispec.TokenPattern,
			CacheTTL: ttl, Function: f.authorizer},
		Responses: apispec.GatewayResponses(),
		Now:       f.clock.Now,
		OnRequest: func(e apigwtest.Entry) { f.mu.Lock(); f.entries = append(f.entries, e); f.mu.Unlock() },
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

func (f *gatewayFixture) token(t *testing.T, u cognitotest.User) string {
	t.Helper()
	tok, err := f.pool.IDToken(u, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

type answer struct {
	status int
	header http.Header
	body   string
	entry  apigwtest.Entry
}

func (f *gatewayFixture) do(t *testing.T, method, path, authorization string) answer {
	t.Helper()
	req, err := http.NewRequest(method, f.url+path, strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	f.mu.Lock()
	defer f.mu.Unlock()
	return answer{resp.StatusCode, resp.Header, string(b), f.entries[len(f.entries)-1]}
}

func TestGatewayRefusesBeforeTheAuthorizer(t *testing.T) {
	f := newGateway(t, 300*time.Second, nil)
	tok := f.token(t, alice)
	tests := []struct {
		name, method, path, authorization string
		status                            int
		body                              string
	}{
		{"no route", "GET", "/nowhere", "Bearer " + tok, 403, `{"message":"Missing Authentication Token"}`},
		{"no method", "DELETE", "/notes", "Bearer " + tok, 403, `{"message":"Missing Authentication Token"}`},
		{"empty segment", "GET", "/users//notes", "Bearer " + tok, 403, `{"message":"Missing Authentication Token"}`},
		{"no token", "GET", "/notes", "", 401, `{"message":"Unauthorized"}`},
		{"not a JWT", "GET", "/notes", "Bearer not-a-jwt", 401, `{"message":"Unauthorized"}`},
		{"another scheme", "GET", "/notes", "Basic " + tok, 401, `{"message":"Unauthorized"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := f.do(t, tt.method, tt.path, tt.authorization)
			if a.status != tt.status || a.body != tt.body {
				t.Errorf("%s %s = %d %s, want %d %s", tt.method, tt.path, a.status, a.body, tt.status, tt.body)
			}
			if tt.status == 401 && a.header.Get("WWW-Authenticate") != "Bearer" {
				t.Errorf("401 without WWW-Authenticate: Bearer (the stack's gateway response): %v", a.header)
			}
		})
	}
	if n := f.authorizer.count(); n != 0 {
		t.Errorf("the authorizer was invoked %d times, want none: API Gateway answers these itself", n)
	}
}

// TestGatewayCachesTheWholeAnswer is the defect the issue found: bob is
// refused POST /add-note, and API Gateway replays that answer, context and
// all, on the routes its policy allows.
func TestGatewayCachesTheWholeAnswer(t *testing.T) {
	f := newGateway(t, 300*time.Second, nil)
	bearer := "Bearer " + f.token(t, bob)

	a := f.do(t, "POST", "/add-note", bearer)
	if a.status != 403 || a.body != `{"message":"User is not authorized to access this resource with an explicit deny"}` || a.entry.Authorizer != "invoked" {
		t.Fatalf("bob POST /add-note = %d %s (%+v), want 403 explicit deny from an invoked authorizer", a.status, a.body, a.entry)
	}
	for _, path := range []string{"/notes", "/users/" + bob.Sub + "/notes"} {
		a := f.do(t, "GET", path, bearer)
		if a.status != 200 || a.entry.Authorizer != "cache" {
			t.Fatalf("bob GET %s = %d %s (%+v), want 200 from the cached answer", path, a.status, a.body, a.entry)
		}
		var seen struct{ Authorizer map[string]any }
		json.Unmarshal([]byte(a.body), &seen)
		if seen.Authorizer["principalId"] != bob.Sub || seen.Authorizer["sub"] != bob.Sub || seen.Authorizer["username"] != "bob" {
			t.Errorf("bob GET %s: the endpoint saw %v, want bob's context", path, seen.Authorizer)
		}
		for k, v := range seen.Authorizer {
			if _, isString := v.(string); !isString && k != "integrationLatency" {
				t.Errorf("requestContext.authorizer[%q] = %v (%T), want a string as API Gateway passes it", k, v, v)
			}
		}
	}
	if a := f.do(t, "GET", "/users/"+alice.Sub+"/notes", bearer); a.status != 403 || a.entry.Authorizer != "cache" {
		t.Errorf("bob GET alice's notes = %d (%+v), want 403 from the cached answer", a.status, a.entry)
	}
	if n := f.authorizer.count(); n != 1 {
		t.Errorf("the authorizer was invoked %d times, want 1 for one token", n)
	}

	// After the TTL the answer is asked for again.
	f.clock.Add(301 * time.Second)
	if a := f.do(t, "GET", "/notes", bearer); a.entry.Authorizer != "invoked" {
		t.Errorf("GET /notes after the TTL: authorizer %q, want invoked", a.entry.Authorizer)
	}
}

// TestGatewayReplaysWhatTheAuthorizerAnswers shows the gateway finds the
// defect: an authorizer that leaves the context out of a Deny (as the
// authorizer did) breaks the other routes for the cache's lifetime.
func TestGatewayReplaysWhatTheAuthorizerAnswers(t *testing.T) {
	f := newGateway(t, 300*time.Second, func(getenv func(string) string) apigwtest.Invoker {
		h := authorizertest.NewHandler(t, getenv, slog.New(slog.DiscardHandler))
		return apigwtest.Handler(func(ctx context.Context, ev json.RawMessage) (events.APIGatewayCustomAuthorizerResponse, error) {
			resp, err := h.Handle(ctx, ev)
			if err == nil && resp.PolicyDocument.Statement[len(resp.PolicyDocument.Statement)-1].Effect == "Deny" && !strings.Contains(string(ev), "GET/notes") {
				resp.Context = nil // the old defect: no context with a Deny
			}
			return resp, err
		})
	})
	bearer := "Bearer " + f.token(t, bob)
	f.do(t, "POST", "/add-note", bearer)
	a := f.do(t, "GET", "/notes", bearer)
	var seen struct{ Authorizer map[string]any }
	if err := json.Unmarshal([]byte(a.body), &seen); err != nil || a.status != 200 || a.entry.Authorizer != "cache" || seen.Authorizer["principalId"] != bob.Sub {
		t.Fatalf("GET /notes after the Deny = %d %s (%+v), want 200 from the cached answer with bob's principalId", a.status, a.body, a.entry)
	}
	if seen.Authorizer["sub"] != nil {
		t.Fatalf("GET /notes after a context-less Deny: the endpoint saw %v, want no sub (the replayed answer has none)", seen.Authorizer)
	}
}

func TestGatewayCacheOff(t *testing.T) {
	f := newGateway(t, 0, nil)
	bearer := "Bearer " + f.token(t, alice)
	for range 3 {
		if a := f.do(t, "GET", "/notes", bearer); a.status != 200 || a.entry.Authorizer != "invoked" {
			t.Errorf("GET /notes with the cache off = %d %+v, want 200 from an invoked authorizer", a.status, a.entry)
		}
	}
}

// TestGatewayFlush flushes the cache as the sign-out does: through the AWS
// SDK's FlushStageAuthorizersCache against the control handler.
func TestGatewayFlush(t *testing.T) {
	f := newGateway(t, 300*time.Second, nil)
	control := httptest.NewServer(f.gw.ControlHandler())
	t.Cleanup(control.Close)
	client := apigateway.New(apigateway.Options{Region: apigwtest.DefaultRegion, BaseEndpoint: aws.String(control.URL),
		Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", "")})
	flusher := signout.NewStageCache(client)

	bearer := "Bearer " + f.token(t, alice)
	f.do(t, "GET", "/notes", bearer)
	if a := f.do(t, "GET", "/notes", bearer); a.entry.Authorizer != "cache" {
		t.Fatalf("second GET /notes: authorizer %q, want cache", a.entry.Authorizer)
	}
	if err := flusher.FlushAuthorizerCache(t.Context(), apigwtest.DefaultAPIID, apispec.StageName); err != nil {
		t.Fatalf("FlushAuthorizerCache() = %v", err)
	}
	if a := f.do(t, "GET", "/notes", bearer); a.entry.Authorizer != "invoked" {
		t.Errorf("GET /notes after the flush: authorizer %q, want invoked", a.entry.Authorizer)
	}
	if err := flusher.FlushAuthorizerCache(t.Context(), apigwtest.DefaultAPIID, "dev"); err == nil {
		t.Errorf("FlushAuthorizerCache(another stage) = nil, want an error")
	}
}

func TestGatewayAuthorizerFailures(t *testing.T) {
	tests := []struct {
		name   string
		answer func(context.Context, json.RawMessage) (any, error)
		status int
		body   string
	}{
		{"unauthorized", func(context.Context, json.RawMessage) (any, error) { return nil, errors.New("Unauthorized") }, //nolint:staticcheck // API Gateway's contract
			401, `{"message":"Unauthorized"}`},
		{"outage", func(context.Context, json.RawMessage) (any, error) { return nil, errors.New("keys unavailable") },
			503, apispec.UnavailableBody},
		{"array in the context", func(context.Context, json.RawMessage) (any, error) {
			return map[string]any{"principalId": "x", "policyDocument": map[string]any{"Version": "2012-10-17",
				"Statement": []any{map[string]any{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}}},
				"context": map[string]any{"groups": []string{"a"}}}, nil
		}, 503, apispec.UnavailableBody},
		{"no policy", func(context.Context, json.RawMessage) (any, error) { return map[string]any{"principalId": "x"}, nil },
			503, apispec.UnavailableBody},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newGateway(t, 300*time.Second, func(func(string) string) apigwtest.Invoker { return apigwtest.Handler(tt.answer) })
			a := f.do(t, "GET", "/notes", "Bearer "+f.token(t, alice))
			if a.status != tt.status || a.body != tt.body {
				t.Errorf("GET /notes = %d %s, want %d %s", a.status, a.body, tt.status, tt.body)
			}
			if tt.status == 503 && a.header.Get("Retry-After") != apispec.RetryAfterSeconds {
				t.Errorf("503 without Retry-After: %v", a.header)
			}
			// Errors are not cached: the next request asks again.
			f.do(t, "GET", "/notes", "Bearer "+f.token(t, alice))
			if n := f.authorizer.count(); n != 2 {
				t.Errorf("authorizer invoked %d times for two requests, want 2", n)
			}
		})
	}
}

func TestGatewayPassesTheRequest(t *testing.T) {
	f := newGateway(t, 300*time.Second, nil)
	a := f.do(t, "GET", "/users/"+alice.Sub+"/notes?limit=2", "Bearer "+f.token(t, alice))
	var seen struct {
		Params                    map[string]string
		Resource, Path, StagePath string
		Authorizer                map[string]any
	}
	if err := json.Unmarshal([]byte(a.body), &seen); err != nil || a.status != 200 {
		t.Fatalf("GET alice's notes/ = %d %s", a.status, a.body)
	}
	if seen.Params["userId"] != alice.Sub || seen.Resource != "/users/{userId}/notes" || seen.Path != "/users/"+alice.Sub+"/notes" ||
		seen.StagePath != "/prod/users/"+alice.Sub+"/notes" {
		t.Errorf("the endpoint saw %+v", seen)
	}
	if a.header.Get("x-amzn-RequestId") == "" || a.header.Get("x-amz-apigw-id") == "" {
		t.Errorf("headers %v, want x-amzn-RequestId and x-amz-apigw-id", a.header)
	}
}

func TestJavaPattern(t *testing.T) {
	re, err := apigwtest.JavaPattern(apispec.TokenPattern)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		in   string
		want bool
	}{
		{"Bearer a.b.c", true},
		{"a.b.c", true},
		// Java's '$' matches before a final line terminator: these reach
		// the function, which must refuse them itself.
		{"Bearer a.b.c\n", true},
		{"Bearer a.b.c\r\n", true},
		{"Bearer a.b.c\r", true},
		{"Bearer a.b.c\n\n", false},
		{"Bearer a.b.c ", false},
		{"Bearer a.b", false},
	} {
		if got := re.MatchString(tt.in); got != tt.want {
			t.Errorf("JavaPattern(TokenPattern).MatchString(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// allowAll is an authorizer that allows every request of the stage, with a
// context, and counts nothing: for the gateway's own paths.
var allowAll = apigwtest.Handler(func(_ context.Context, ev json.RawMessage) (events.APIGatewayCustomAuthorizerResponse, error) {
	return events.APIGatewayCustomAuthorizerResponse{
		PrincipalID: "p1",
		PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{Version: "2012-10-17", Statement: []events.IAMPolicyStatement{
			{Action: []string{"execute-api:Invoke"}, Effect: "Allow", Resource: []string{"arn:aws:execute-api:*"}}}},
		Context: map[string]any{"n": 1.5, "b": true, "event": string(ev)},
	}, nil
})

// reply is a function answering with what the test sets.
func reply(resp any, err error) apigwtest.Invoker {
	return apigwtest.Handler(func(context.Context, events.APIGatewayProxyRequest) (any, error) { return resp, err })
}

func serve(t *testing.T, cfg apigwtest.Config) string {
	t.Helper()
	gw, err := apigwtest.NewGateway(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)
	return srv.URL
}

func get(t *testing.T, method, url string, header map[string]string) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// TestGatewayRouting: the most specific resource, then a method over ANY;
// a greedy variable takes the rest of the path; NoAuthorizer skips the
// authorizer.
func TestGatewayRouting(t *testing.T) {
	named := func(name string) apigwtest.Invoker {
		return apigwtest.Handler(func(_ context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
			b, _ := json.Marshal(map[string]any{"name": name, "params": req.PathParameters, "query": req.MultiValueQueryStringParameters})
			return events.APIGatewayProxyResponse{StatusCode: 200, Body: string(b)}, nil
		})
	}
	auth := &counted{Invoker: allowAll}
	url := serve(t, apigwtest.Config{
		Routes: []apigwtest.Route{
			{Method: "ANY", Path: "/files/{proxy+}", Function: named("any-greedy")},
			{Method: "GET", Path: "/files/{proxy+}", Function: named("get-greedy")},
			{Method: "GET", Path: "/files/{name}", Function: named("get-var")},
			{Method: "GET", Path: "/files/readme", Function: named("get-literal")},
			{Method: "GET", Path: "/health", Function: named("open"), NoAuthorizer: true},
		},
		Authorizer: &apigwtest.Authorizer{Type: "TOKEN", Header: "Authorization", CacheTTL: time.Minute, Function: auth},
	})
	tests := []struct {
		method, path, want string
		params             map[string]string
	}{
		{"GET", "/files/readme", "get-literal", nil},
		{"GET", "/files/other", "get-var", map[string]string{"name": "other"}},
		{"GET", "/files/a/b", "get-greedy", map[string]string{"proxy": "a/b"}},
		{"DELETE", "/files/a", "any-greedy", map[string]string{"proxy": "a"}},
		{"GET", "/files/readme/", "get-literal", nil},
		{"GET", "/health", "open", nil},
	}
	for _, tt := range tests {
		status, _, body := get(t, tt.method, url+tt.path+"?x=1&x=2", map[string]string{"Authorization": "t"})
		var got struct {
			Name   string
			Params map[string]string
			Query  map[string][]string
		}
		json.Unmarshal([]byte(body), &got)
		if status != 200 || got.Name != tt.want || !reflect.DeepEqual(got.Params, tt.params) || len(got.Query["x"]) != 2 {
			t.Errorf("%s %s = %d %s, want %s with %v and the query", tt.method, tt.path, status, body, tt.want, tt.params)
		}
	}
	if status, _, _ := get(t, "GET", url+"/files", map[string]string{"Authorization": "t"}); status != 403 {
		t.Errorf("GET /files (a greedy variable needs a segment) = %d, want 403", status)
	}
}

// TestGatewayRequestAuthorizer: a REQUEST authorizer gets the request's
// event; with the cache on a missing identity source is 401 without it,
// with the cache off the authorizer is asked anyway.
func TestGatewayRequestAuthorizer(t *testing.T) {
	for _, ttl := range []time.Duration{time.Minute, 0} {
		auth := &counted{Invoker: allowAll}
		url := serve(t, apigwtest.Config{
			Routes:     []apigwtest.Route{{Method: "GET", Path: "/notes", Function: echo}},
			Authorizer: &apigwtest.Authorizer{Type: "REQUEST", Header: "X-Token", CacheTTL: ttl, Function: auth},
		})
		status, _, _ := get(t, "GET", url+"/notes", nil)
		if wantStatus, wantCalls := map[bool]int{true: 401, false: 200}[ttl > 0], map[bool]int{true: 0, false: 1}[ttl > 0]; status != wantStatus || auth.count() != wantCalls {
			t.Errorf("cache %v: GET /notes without X-Token = %d with %d invocations, want %d with %d", ttl, status, auth.count(), wantStatus, wantCalls)
		}
		status, _, body := get(t, "GET", url+"/notes?q=1", map[string]string{"X-Token": "abc"})
		var seen struct{ Authorizer map[string]any }
		json.Unmarshal([]byte(body), &seen)
		var ev events.APIGatewayCustomAuthorizerRequestTypeRequest
		json.Unmarshal([]byte(seen.Authorizer["event"].(string)), &ev)
		if status != 200 || ev.Type != "REQUEST" || ev.Headers["X-Token"] != "abc" || ev.QueryStringParameters["q"] != "1" ||
			ev.Resource != "/notes" || !strings.HasSuffix(ev.MethodArn, "/prod/GET/notes") {
			t.Errorf("cache %v: the REQUEST authorizer got %+v (status %d)", ttl, ev, status)
		}
		if seen.Authorizer["n"] != "1.5" || seen.Authorizer["b"] != "true" {
			t.Errorf("context %v, want numbers and booleans as strings", seen.Authorizer)
		}
	}
}

// TestGatewayIntegrationAnswers: what a function answers, and the 502 of a
// failed or malformed answer.
func TestGatewayIntegrationAnswers(t *testing.T) {
	tests := []struct {
		name   string
		fn     apigwtest.Invoker
		status int
		header string
		body   string
	}{
		{"headers merged", reply(events.APIGatewayProxyResponse{StatusCode: 201, Headers: map[string]string{"A": "1", "B": "x"},
			MultiValueHeaders: map[string][]string{"B": {"2", "3"}}, Body: "ok"}, nil), 201, "1|2,3", "ok"},
		{"base64 body", reply(events.APIGatewayProxyResponse{StatusCode: 200, Body: "aGk=", IsBase64Encoded: true}, nil), 200, "|", "hi"},
		{"function error", reply(nil, errors.New("boom")), 502, "|", `{"message": "Internal server error"}`},
		{"no status", reply(map[string]any{"body": "x"}, nil), 502, "|", `{"message": "Internal server error"}`},
		{"not JSON object", reply("text", nil), 502, "|", `{"message": "Internal server error"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := serve(t, apigwtest.Config{Routes: []apigwtest.Route{{Method: "GET", Path: "/x", Function: tt.fn}}})
			status, h, body := get(t, "GET", url+"/x", nil)
			if got := h.Get("A") + "|" + strings.Join(h.Values("B"), ","); status != tt.status || body != tt.body || got != tt.header {
				t.Errorf("GET /x = %d %q headers %s, want %d %q %s", status, body, got, tt.status, tt.body, tt.header)
			}
		})
	}
}

// TestGatewayResponseWithoutStatus: a gateway response that sets no status
// keeps its type's (it used to answer with none, and crash the handler).
func TestGatewayResponseWithoutStatus(t *testing.T) {
	url := serve(t, apigwtest.Config{
		Routes:    []apigwtest.Route{{Method: "GET", Path: "/x", Function: echo}},
		Responses: []apispec.GatewayResponse{{Type: apispec.ResponseMissingAuthenticationToken, Body: `{"m":$context.error.messageString}`}},
	})
	if status, _, body := get(t, "GET", url+"/nowhere", nil); status != 403 || body != `{"m":"Missing Authentication Token"}` {
		t.Errorf("GET /nowhere = %d %s, want 403 with the response's body", status, body)
	}
}

package apigwtest_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
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
	json.Unmarshal([]byte(a.body), &seen)
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

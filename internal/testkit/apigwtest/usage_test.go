package apigwtest_test

import (
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/cognito-authorizer/internal/apispec"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/apigwtest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/authorizertest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/clocktest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/cognitotest"
)

const (
	tenantClaim = "custom:tenant_key"
	tenantA     = "tenantA-0123456789abcdefghij" // in the stage's plan
	tenantB     = "tenantB-0123456789abcdefghij" // in no plan
)

// newUsageGateway serves the sample routes, each requiring an API key,
// with the API key source AUTHORIZER and tenantA's key in the stage's
// plan, behind the real authorizer reading the key from tenantClaim
// (USAGE_IDENTIFIER_REQUIRED=required).
func newUsageGateway(t *testing.T, required string) *gatewayFixture {
	t.Helper()
	pool, jwksURL := cognitotest.Start(t, "eu-west-1_UsageTest", "client1")
	env := map[string]string{
		settings.EnvUserPoolID:              pool.ID,
		settings.EnvClientIDs:               pool.ClientID,
		settings.EnvJWKSURL:                 jwksURL,
		settings.EnvRouteRules:              apispec.RouteRules(apispec.SampleRoutes()),
		settings.EnvUsageIdentifierClaim:    tenantClaim,
		settings.EnvUsageIdentifierRequired: required,
	}
	h := authorizertest.NewHandler(t, func(k string) string { return env[k] }, slog.New(slog.DiscardHandler))
	f := &gatewayFixture{pool: pool, authorizer: &counted{Invoker: apigwtest.Handler(h.Handle)}, clock: clocktest.New(time.Now())}
	var routes []apigwtest.Route
	for _, r := range apispec.SampleRoutes() {
		routes = append(routes, apigwtest.Route{Method: r.Method, Path: r.Path, Function: echo, APIKeyRequired: true})
	}
	gw, err := apigwtest.NewGateway(apigwtest.Config{
		Routes: routes,
		Authorizer: &apigwtest.Authorizer{Type: "TOKEN", Header: apispec.IdentityHeader, ValidationExpression: apispec.TokenPattern,
			CacheTTL: 300 * time.Second, Function: f.authorizer},
		Responses: apispec.GatewayResponses(),
		APIKeys:   []string{tenantA},
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

// tenantToken is u's ID token with tenantClaim set to key ("": none).
func (f *gatewayFixture) tenantToken(t *testing.T, u cognitotest.User, key string) string {
	t.Helper()
	c := f.pool.IDClaims(u, time.Now())
	if key != "" {
		c[tenantClaim] = key
	}
	tok, err := f.pool.Sign(c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestGatewayUsageKeys plays a usage plan's methods with the API key
// source AUTHORIZER: the answer's usageIdentifierKey, cached with the
// rest of the answer, must be a key of the stage's plan.
func TestGatewayUsageKeys(t *testing.T) {
	f := newUsageGateway(t, "false")
	aliceKeyed := "Bearer " + f.tenantToken(t, alice, tenantA)

	a := f.do(t, "GET", "/notes", aliceKeyed)
	if a.status != 200 || a.entry.Authorizer != "invoked" || a.entry.APIKey != tenantA {
		t.Fatalf("GET /notes with tenant A's key = %d %s (%+v), want 200, the key from an invoked authorizer", a.status, a.body, a.entry)
	}
	if strings.Contains(a.body, tenantClaim) || strings.Contains(a.body, tenantA) {
		t.Errorf("the integration sees the key: %s", a.body)
	}
	// The cached answer keeps the key: the plan counts every request.
	a = f.do(t, "GET", "/notes", aliceKeyed)
	if a.status != 200 || a.entry.Authorizer != "cache" || a.entry.APIKey != tenantA {
		t.Errorf("GET /notes again = %d (%+v), want 200, the key from the cache", a.status, a.entry)
	}

	forbidden := `{"message":"Forbidden"}`
	for name, key := range map[string]string{"no key": "", "a key of no plan": tenantB} {
		a := f.do(t, "GET", "/notes", "Bearer "+f.tenantToken(t, bob, key))
		if a.status != 403 || a.body != forbidden || a.entry.ErrorType != "INVALID_API_KEY" || a.entry.APIKey != key {
			t.Errorf("%s: GET /notes = %d %s (%+v), want 403 %s, INVALID_API_KEY", name, a.status, a.body, a.entry, forbidden)
		}
	}
	// A malformed key is the authorizer's refusal, not API Gateway's.
	a = f.do(t, "GET", "/notes", "Bearer "+f.tenantToken(t, bob, "short"))
	if a.status != 403 || a.entry.ErrorType != apispec.ResponseAccessDenied || a.entry.APIKey != "" {
		t.Errorf("malformed key: GET /notes = %d %s (%+v), want 403 ACCESS_DENIED without a key", a.status, a.body, a.entry)
	}
}

// TestGatewayUsageKeyOnADeny: bob is refused POST /add-note by a route
// rule; the cached Deny carries his key, so the routes its policy allows
// are served, and counted against his plan.
func TestGatewayUsageKeyOnADeny(t *testing.T) {
	f := newUsageGateway(t, "true")
	bobKeyed := "Bearer " + f.tenantToken(t, bob, tenantA)
	a := f.do(t, "POST", "/add-note", bobKeyed)
	if a.status != 403 || a.entry.ErrorType != apispec.ResponseAccessDenied || a.entry.APIKey != tenantA {
		t.Fatalf("bob POST /add-note = %d %s (%+v), want 403 ACCESS_DENIED, the answer carrying his key", a.status, a.body, a.entry)
	}
	a = f.do(t, "GET", "/notes", bobKeyed)
	if a.status != 200 || a.entry.Authorizer != "cache" || a.entry.APIKey != tenantA {
		t.Errorf("bob GET /notes = %d %s (%+v), want 200 from the cached Deny, with his key", a.status, a.body, a.entry)
	}
	// Required: without the claim the authorizer refuses the stage.
	a = f.do(t, "GET", "/notes", "Bearer "+f.tenantToken(t, bob, ""))
	if a.status != 403 || a.entry.ErrorType != apispec.ResponseAccessDenied || !strings.Contains(a.body, "explicit deny") {
		t.Errorf("no key, required: GET /notes = %d %s (%+v), want 403, the authorizer's explicit deny", a.status, a.body, a.entry)
	}
}

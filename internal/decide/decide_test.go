package decide_test

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/cognito-authorizer/internal/decide"
	"github.com/gatehouse-dev/cognito-authorizer/internal/identity"
	"github.com/gatehouse-dev/cognito-authorizer/internal/policy"
	"github.com/gatehouse-dev/cognito-authorizer/internal/revocation"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/authorizertest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/cognitotest"
)

const (
	poolID   = "eu-west-1_AbC123xyz"
	clientID = "4fr8n6nrk1v2example1q2w3e4"
	issuer   = "https://cognito-idp.eu-west-1.amazonaws.com/" + poolID
	arnText  = "arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/GET/users/alice/notes"
)

var alice = cognitotest.User{
	Sub: "11111111-2222-3333-4444-555555555555", Username: "alice", Email: "alice@example.com",
	Groups: []string{"writers"}, Scopes: []string{"notes/write"},
}

// fixture is a local pool, its JWKS on 127.0.0.1, and a verifier of its
// tokens wired from the settings as the Lambda function's is.
type fixture struct {
	pool *cognitotest.Pool
	v    decide.Verifier
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	pool, jwksURL := cognitotest.Start(t, poolID, clientID)
	vars := map[string]string{settings.EnvUserPoolID: poolID, settings.EnvClientIDs: clientID, settings.EnvJWKSURL: jwksURL}
	return &fixture{pool: pool, v: authorizertest.NewVerifier(t, func(k string) string { return vars[k] })}
}

func (f *fixture) token(t testing.TB, u cognitotest.User, now time.Time) string {
	t.Helper()
	tok, err := f.pool.IDToken(u, now)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func arn(t testing.TB, s string) policy.MethodARN {
	t.Helper()
	a, err := policy.ParseMethodARN(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestDecideWithoutLambdaTypes decides plain Requests, built without any
// aws-lambda-go type, through the real verifier against a real JWKS.
func TestDecideWithoutLambdaTypes(t *testing.T) {
	f := newFixture(t)
	tok := f.token(t, alice, time.Now())
	rules, err := policy.ParseRules([]byte(`[
		{"route": "GET /users/{userId}/notes", "bind": {"userId": "cognito:username"}},
		{"route": "DELETE /users/{userId}/notes", "groups": ["admins"]}]`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		opts    []decide.Option
		req     decide.Request
		outcome decide.Outcome
		reason  decide.Reason
		route   string
	}{
		{"valid, no rules", nil, decide.Request{Token: "Bearer " + tok, ARN: arn(t, arnText)}, decide.Allow, decide.ReasonNone, ""},
		{"no scheme", nil, decide.Request{Token: tok, ARN: arn(t, arnText)}, decide.Allow, decide.ReasonNone, ""},
		{"no token", nil, decide.Request{ARN: arn(t, arnText)}, decide.Unauthorized, decide.ReasonNoToken, ""},
		{"Basic", nil, decide.Request{Token: "Basic YWxpY2U6cHc=", ARN: arn(t, arnText)}, decide.Unauthorized, decide.ReasonBadScheme, ""},
		{"not a JWT", nil, decide.Request{Token: "Bearer abc", ARN: arn(t, arnText)}, decide.Unauthorized, decide.ReasonNotJWT, ""},
		{"three segments of junk", nil, decide.Request{Token: "Bearer a.b.c", ARN: arn(t, arnText)}, decide.Unauthorized, decide.ReasonMalformed, ""},
		{"expired", nil, decide.Request{Token: f.token(t, alice, time.Now().Add(-2*time.Hour)), ARN: arn(t, arnText)}, decide.Unauthorized, decide.ReasonExpired, ""},
		{"unreadable event", nil, decide.Request{Token: tok, Err: fmt.Errorf("%w: not JSON", decide.ErrBadEvent)}, decide.Unauthorized, decide.ReasonBadEvent, ""},
		{"ambiguous", nil, decide.Request{Err: fmt.Errorf("%w: 2 headers", decide.ErrAmbiguousToken)}, decide.Unauthorized, decide.ReasonAmbiguousToken, ""},
		{"required group", []decide.Option{decide.WithRequiredGroups("admins")}, decide.Request{Token: tok, ARN: arn(t, arnText)}, decide.Deny, decide.ReasonMissingRequiredGroup, ""},
		{"required scope", []decide.Option{decide.WithRequiredScopes("notes/admin")}, decide.Request{Token: tok, ARN: arn(t, arnText)}, decide.Deny, decide.ReasonMissingRequiredScope, ""},
		{"own notes", []decide.Option{decide.WithRules(rules)}, decide.Request{Token: tok, ARN: arn(t, arnText)}, decide.Allow, decide.ReasonNone, "GET /users/{userId}/notes"},
		{"another's notes", []decide.Option{decide.WithRules(rules)}, decide.Request{Token: tok, ARN: arn(t, strings.Replace(arnText, "alice", "bob", 1))}, decide.Deny, decide.ReasonNotOwner, "GET /users/{userId}/notes"},
		{"admins only", []decide.Option{decide.WithRules(rules)}, decide.Request{Token: tok, ARN: arn(t, strings.Replace(arnText, "GET", "DELETE", 1))}, decide.Deny, decide.ReasonMissingGroup, "DELETE /users/{userId}/notes"},
		{"no rule", []decide.Option{decide.WithRules(rules)}, decide.Request{Token: tok, ARN: arn(t, strings.Replace(arnText, "GET", "PUT", 1))}, decide.Deny, decide.ReasonNoRule, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := decide.New(f.v, tt.opts...).Decide(context.Background(), tt.req)
			if d.Outcome != tt.outcome || d.Reason != tt.reason || d.Route != tt.route {
				t.Fatalf("Decide = %v %q route %q (%v), want %v %q route %q", d.Outcome, d.Reason, d.Route, d.Err, tt.outcome, tt.reason, tt.route)
			}
			if !d.Answered() {
				if d.Identity != nil || d.Context != nil || d.Policy.Statement != nil || d.Principal() != "" {
					t.Errorf("a refusal carries identity, context or policy: %+v", d)
				}
				return
			}
			// An answer with a policy carries the caller, whatever its
			// effect: API Gateway replays it on other routes.
			if d.Principal() != alice.Sub || d.Identity.Issuer != issuer {
				t.Errorf("principal %q issuer %q, want %q %q", d.Principal(), d.Identity.Issuer, alice.Sub, issuer)
			}
			if d.Context[identity.KeySub] != alice.Sub || d.Context[identity.KeyIssuer] != issuer || d.Context[identity.KeyUsername] != "alice" {
				t.Errorf("context = %v", d.Context)
			}
			if len(d.Policy.Statement) == 0 {
				t.Errorf("no policy: %+v", d.Policy)
			}
		})
	}
}

// TestDecideExplains fills the trace only when asked, with every rule's
// outcome.
func TestDecideExplains(t *testing.T) {
	f := newFixture(t)
	rules, err := policy.ParseRules([]byte(`[
		{"route": "GET /users/{userId}/notes", "bind": {"userId": "cognito:username"}},
		{"route": "DELETE /users/{userId}/notes", "anyOf": [{"groups": ["admins"]}, {"scopes": ["notes/admin"]}]}]`))
	if err != nil {
		t.Fatal(err)
	}
	d := decide.New(f.v, decide.WithRules(rules))
	req := decide.Request{Token: f.token(t, alice, time.Now()), ARN: arn(t, strings.Replace(arnText, "GET", "DELETE", 1))}
	if got := d.Decide(context.Background(), req); got.Trace != nil {
		t.Errorf("a trace nobody asked for: %+v", got.Trace)
	}
	req.Explain = true
	got := d.Decide(context.Background(), req)
	if got.Outcome != decide.Deny || got.Trace == nil || len(got.Trace.Rules) != 2 {
		t.Fatalf("Decide = %v, trace %+v", got.Outcome, got.Trace)
	}
	if del := got.Trace.Rules[1]; del.Passed || len(del.AnyOf) != 2 {
		t.Errorf("DELETE rule's trace = %+v, want failed with both alternatives", del)
	}
	if !got.Trace.Rules[0].Passed {
		t.Errorf("GET rule's trace = %+v, want passed (bound to alice)", got.Trace.Rules[0])
	}
}

// TestDecideOutage: keys or stores out of reach are Unavailable, never an
// Allow; a panic is Unauthorized.
func TestDecideOutage(t *testing.T) {
	f := newFixture(t)
	tok := f.token(t, alice, time.Now())
	ctx := context.Background()
	req := decide.Request{Token: tok, ARN: arn(t, arnText)}

	f.pool.SetDown(true)
	// A fresh verifier has no keys yet: the JWKS is down.
	vars := map[string]string{settings.EnvUserPoolID: poolID, settings.EnvClientIDs: clientID, settings.EnvJWKSURL: "http://127.0.0.1:1/keys"}
	down := authorizertest.NewVerifier(t, func(k string) string { return vars[k] })
	if d := decide.New(down).Decide(ctx, req); d.Outcome != decide.Unavailable || d.Reason != decide.ReasonKeysUnavailable {
		t.Errorf("JWKS down: %v %q (%v), want unavailable keys_unavailable", d.Outcome, d.Reason, d.Err)
	}
	f.pool.SetDown(false)

	for _, tt := range []struct {
		err     error
		outcome decide.Outcome
		reason  decide.Reason
	}{
		{fmt.Errorf("%w: signed out", revocation.ErrRevoked), decide.Unauthorized, decide.ReasonRevoked},
		{fmt.Errorf("%w: %w", revocation.ErrRevoked, revocation.ErrMalformedItem), decide.Unauthorized, decide.ReasonRevoked},
		{fmt.Errorf("%w: throttled", revocation.ErrUnavailable), decide.Unavailable, decide.ReasonRevocationUnavailable},
		{errors.New("anything else"), decide.Unavailable, decide.ReasonRevocationUnavailable},
	} {
		d := decide.New(f.v, decide.WithRevocations(revocationFunc(func() error { return tt.err }))).Decide(ctx, req)
		if d.Outcome != tt.outcome || d.Reason != tt.reason || d.Answered() {
			t.Errorf("revocation check %v: %v %q, want %v %q", tt.err, d.Outcome, d.Reason, tt.outcome, tt.reason)
		}
	}

	if d := decide.New(panicVerifier{}).Decide(ctx, req); d.Outcome != decide.Unauthorized || d.Reason != decide.ReasonPanic {
		t.Errorf("panic: %v %q, want unauthorized panic", d.Outcome, d.Reason)
	}
}

// TestDecideImportsNoLambda keeps the core free of event types: it links no
// aws-lambda-go package at all.
func TestDecideImportsNoLambda(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if strings.HasPrefix(pkg, "github.com/aws/aws-lambda-go") {
			t.Errorf("internal/decide links %s: event types belong to the renderers", pkg)
		}
	}
}

// TestMachineClient: a Cognito client-credentials access token (no user:
// sub is the client's id, no username, no groups) is accepted for a listed
// app client and matched by scopes rules; groups rules refuse it.
func TestMachineClient(t *testing.T) {
	const machine = "7machine7client7id"
	pool, jwksURL := cognitotest.Start(t, poolID, clientID)
	vars := map[string]string{settings.EnvUserPoolID: poolID, settings.EnvClientIDs: clientID + "," + machine, settings.EnvJWKSURL: jwksURL}
	rules, err := policy.ParseRules([]byte(`[
		{"route": "GET /reports", "scopes": ["reports/read"]},
		{"route": "POST /add-note", "groups": ["writers"]}]`))
	if err != nil {
		t.Fatal(err)
	}
	d := decide.New(authorizertest.NewVerifier(t, func(k string) string { return vars[k] }), decide.WithRules(rules))
	sign := func(client string) string {
		tok, err := pool.Sign(pool.MachineClaims(client, []string{"reports/read"}, time.Now()))
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	reports := arn(t, "arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/GET/reports")
	got := d.Decide(context.Background(), decide.Request{Token: sign(machine), ARN: reports})
	if got.Outcome != decide.Allow || got.Principal() != machine || got.Identity.Username != "" || got.Context[identity.KeyClientID] != machine {
		t.Errorf("machine client on a scopes route: %v %q (%v), identity %+v", got.Outcome, got.Reason, got.Err, got.Identity)
	}
	addNote := arn(t, "arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/POST/add-note")
	if got := d.Decide(context.Background(), decide.Request{Token: sign(machine), ARN: addNote}); got.Outcome != decide.Deny || got.Reason != decide.ReasonMissingGroup {
		t.Errorf("machine client on a groups route: %v %q, want deny missing_group", got.Outcome, got.Reason)
	}
	if got := d.Decide(context.Background(), decide.Request{Token: sign("unlisted9client"), ARN: reports}); got.Outcome != decide.Unauthorized || got.Reason != decide.ReasonWrongClient {
		t.Errorf("unlisted machine client: %v %q, want unauthorized wrong_client", got.Outcome, got.Reason)
	}
}

// TestOriginJTIBounded: an origin_jti no store key can be is the token's
// problem (401), not an outage of the store.
func TestOriginJTIBounded(t *testing.T) {
	f := newFixture(t)
	c := f.pool.IDClaims(alice, time.Now())
	c["origin_jti"] = strings.Repeat("j", 257)
	tok, err := f.pool.Sign(c)
	if err != nil {
		t.Fatal(err)
	}
	asked := false
	d := decide.New(f.v, decide.WithRevocations(revocationFunc(func() error { asked = true; return nil })))
	got := d.Decide(context.Background(), decide.Request{Token: tok, ARN: arn(t, arnText)})
	if got.Outcome != decide.Unauthorized || got.Reason != decide.ReasonInvalidClaims || asked {
		t.Errorf("origin_jti of 257 bytes: %v %q (store asked: %t), want unauthorized invalid_claims, no lookup", got.Outcome, got.Reason, asked)
	}
}

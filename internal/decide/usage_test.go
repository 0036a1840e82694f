package decide_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/cognito-authorizer/internal/decide"
	"github.com/gatehouse-dev/cognito-authorizer/internal/identity"
	"github.com/gatehouse-dev/cognito-authorizer/internal/policy"
)

const (
	tenantClaim = "custom:tenant_key"
	tenantKey   = "tenant-a.Key_0123456789~+/=" // 27 characters, every kind
)

// tokenWith signs alice's ID token with extra claims (nil: left out).
func (f *fixture) tokenWith(t testing.TB, extra map[string]any) string {
	t.Helper()
	c := f.pool.IDClaims(alice, time.Now())
	for k, v := range extra {
		c[k] = v
	}
	tok, err := f.pool.Sign(c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestUsageIdentifier: a valid key is carried; a missing one is refused
// only when required; a malformed one always, and never shown in the
// error.
func TestUsageIdentifier(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name     string
		value    any // nil: no claim
		required bool
		outcome  decide.Outcome
		reason   decide.Reason
		key      string
	}{
		{"key", tenantKey, false, decide.Allow, decide.ReasonNone, tenantKey},
		{"key, required", tenantKey, true, decide.Allow, decide.ReasonNone, tenantKey},
		{"shortest", strings.Repeat("k", decide.MinUsageKey), true, decide.Allow, decide.ReasonNone, strings.Repeat("k", decide.MinUsageKey)},
		{"longest", strings.Repeat("k", decide.MaxUsageKey), true, decide.Allow, decide.ReasonNone, strings.Repeat("k", decide.MaxUsageKey)},
		{"absent", nil, false, decide.Allow, decide.ReasonNone, ""},
		{"absent, required", nil, true, decide.Deny, decide.ReasonNoUsageKey, ""},
		{"too short", strings.Repeat("k", decide.MinUsageKey-1), false, decide.Deny, decide.ReasonNoUsageKey, ""},
		{"too long", strings.Repeat("k", decide.MaxUsageKey+1), false, decide.Deny, decide.ReasonNoUsageKey, ""},
		{"empty", "", false, decide.Deny, decide.ReasonNoUsageKey, ""},
		{"space", "tenant key 0123456789abc", false, decide.Deny, decide.ReasonNoUsageKey, ""},
		{"comma", "tenant,key,0123456789abc", false, decide.Deny, decide.ReasonNoUsageKey, ""},
		{"non-ASCII", "tenant-ké-0123456789abc", false, decide.Deny, decide.ReasonNoUsageKey, ""},
		{"line break", "tenant-key-0123456789abc\n", false, decide.Deny, decide.ReasonNoUsageKey, ""},
		{"number", 123456789012345678901.0, false, decide.Deny, decide.ReasonNoUsageKey, ""},
		{"array", []any{tenantKey}, false, decide.Deny, decide.ReasonNoUsageKey, ""},
		{"object", map[string]any{"key": tenantKey}, false, decide.Deny, decide.ReasonNoUsageKey, ""},
		{"boolean", true, true, decide.Deny, decide.ReasonNoUsageKey, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			extra := map[string]any{}
			if tt.value != nil {
				extra[tenantClaim] = tt.value
			}
			d := decide.New(f.v, decide.WithUsageIdentifier(tenantClaim, tt.required))
			got := d.Decide(context.Background(), decide.Request{Token: f.tokenWith(t, extra), ARN: arn(t, arnText)})
			if got.Outcome != tt.outcome || got.Reason != tt.reason || got.UsageKey != tt.key {
				t.Fatalf("Decide = %v %q key %q (%v), want %v %q key %q", got.Outcome, got.Reason, got.UsageKey, got.Err, tt.outcome, tt.reason, tt.key)
			}
			if got.Principal() != alice.Sub {
				t.Errorf("principal = %q, want %q: the caller is signed in", got.Principal(), alice.Sub)
			}
			if _, ok := got.Context[tenantClaim]; ok {
				t.Errorf("context carries %s: %v", tenantClaim, got.Context)
			}
			if got.Outcome == decide.Deny {
				// Refused on every route, as REQUIRED_GROUPS is.
				want := policy.ScopedDocument(policy.Deny, arn(t, arnText), policy.ScopeStage)
				if len(got.Policy.Statement) != 1 || got.Policy.Statement[0].Resource[0] != want.Statement[0].Resource[0] || got.Policy.Statement[0].Effect != "Deny" {
					t.Errorf("policy = %+v, want a Deny of the stage", got.Policy)
				}
				if s, ok := tt.value.(string); ok && s != "" && strings.Contains(got.Err.Error(), s) {
					t.Errorf("error %q shows the claim's value", got.Err)
				}
			}
		})
	}
}

// TestUsageIdentifierOff: without the option no key is read and the claim
// stays in the context as any other.
func TestUsageIdentifierOff(t *testing.T) {
	f := newFixture(t)
	got := decide.New(f.v).Decide(context.Background(), decide.Request{Token: f.tokenWith(t, map[string]any{tenantClaim: "short"}), ARN: arn(t, arnText)})
	if got.Outcome != decide.Allow || got.UsageKey != "" || got.Context[tenantClaim] != "short" {
		t.Errorf("Decide = %v key %q context %v, want an Allow without a key, the claim in the context", got.Outcome, got.UsageKey, got.Context)
	}
}

// TestUsageKeyOnEveryPolicyAnswer: a Deny of a route rule or of a
// stage-wide requirement carries the key too, since API Gateway replays
// the answer on the routes its policy allows.
func TestUsageKeyOnEveryPolicyAnswer(t *testing.T) {
	f := newFixture(t)
	rules, err := policy.ParseRules([]byte(`[{"route": "GET /users/{userId}/notes", "bind": {"userId": "cognito:username"}}]`))
	if err != nil {
		t.Fatal(err)
	}
	tok := f.tokenWith(t, map[string]any{tenantClaim: tenantKey})
	for name, opts := range map[string][]decide.Option{
		"route rule": {decide.WithRules(rules)},
		"group":      {decide.WithRequiredGroups("admins")},
	} {
		d := decide.New(f.v, append(opts, decide.WithUsageIdentifier(tenantClaim, true))...)
		got := d.Decide(context.Background(), decide.Request{Token: tok, ARN: arn(t, strings.Replace(arnText, "alice", "bob", 1))})
		if got.Outcome != decide.Deny || got.UsageKey != tenantKey {
			t.Errorf("%s: Decide = %v %q key %q, want a Deny with the key", name, got.Outcome, got.Reason, got.UsageKey)
		}
	}
}

// TestUsageIdentifierIdentityKey: a claim the endpoints read (sub) may be
// the key, and stays in the context.
func TestUsageIdentifierIdentityKey(t *testing.T) {
	f := newFixture(t)
	got := decide.New(f.v, decide.WithUsageIdentifier(identity.KeySub, true)).Decide(context.Background(),
		decide.Request{Token: f.token(t, alice, time.Now()), ARN: arn(t, arnText)})
	if got.Outcome != decide.Allow || got.UsageKey != alice.Sub || got.Context[identity.KeySub] != alice.Sub {
		t.Errorf("Decide = %v %q key %q, context sub %v; want an Allow keyed on sub, sub in the context", got.Outcome, got.Reason, got.UsageKey, got.Context[identity.KeySub])
	}
}

// TestUsageIdentifierUnverifiedClaim: a claim the issuer does not vouch
// for is no key.
func TestUsageIdentifierUnverifiedClaim(t *testing.T) {
	f := newFixture(t)
	tok := f.tokenWith(t, map[string]any{"phone_number": "+4412345678901234567890", "phone_number_verified": false})
	got := decide.New(f.v, decide.WithUsageIdentifier("phone_number", true)).Decide(context.Background(), decide.Request{Token: tok, ARN: arn(t, arnText)})
	if got.Outcome != decide.Deny || got.Reason != decide.ReasonNoUsageKey || got.UsageKey != "" {
		t.Errorf("Decide = %v %q key %q, want deny no_usage_key", got.Outcome, got.Reason, got.UsageKey)
	}
}

func TestWithUsageIdentifierRequiredNeedsAClaim(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("New(WithUsageIdentifier(\"\", true)) did not panic")
		}
	}()
	decide.New(newFixture(t).v, decide.WithUsageIdentifier("", true))
}

func TestIsUsageKey(t *testing.T) {
	for s, want := range map[string]bool{
		tenantKey:                           true,
		strings.Repeat("a", 19):             false,
		strings.Repeat("a", 20):             true,
		strings.Repeat("a", 128):            true,
		strings.Repeat("a", 129):            false,
		"abcdefghij0123456789*":             false,
		"abcdefghij0123456789:":             false,
		"ABCDEFGHIJ.-_~+/=0123456789abcdef": true,
	} {
		if got := decide.IsUsageKey(s); got != want {
			t.Errorf("IsUsageKey(%q) = %t, want %t", s, got, want)
		}
	}
}

// TestExplainHidesTheUsageKey: an explanation (cmd/explain prints it)
// shows the claims, but never the usage identifier key, an API key, for an
// Allow and for a refusal alike.
func TestExplainHidesTheUsageKey(t *testing.T) {
	f := newFixture(t)
	const key = "tenant-key-0123456789abcdef"
	d := decide.New(f.v, decide.WithUsageIdentifier(tenantClaim, true))
	for _, tok := range []string{
		f.tokenWith(t, map[string]any{tenantClaim: key}),
		f.tokenWith(t, map[string]any{tenantClaim: key, "exp": 1}), // expired: refused
	} {
		got := d.Decide(context.Background(), decide.Request{Token: tok, ARN: arn(t, arnText), Explain: true})
		if got.Explanation == nil {
			t.Fatal("no explanation")
		}
		b, err := json.Marshal(got.Explanation)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), key) {
			t.Errorf("the explanation (%v) shows the usage identifier key: %s", got.Outcome, b)
		}
		if !strings.Contains(string(b), tenantClaim) {
			t.Errorf("the explanation does not name the claim %s: %s", tenantClaim, b)
		}
	}
}

package authorizer_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
)

const (
	tenantClaim = "custom:tenant_key"
	tenantKey   = "tenantA-0123456789abcdefXYZ=" // an API key's value
)

// tenantToken is alice's ID token with the tenant claim set to value (nil:
// left out).
func (f *fixture) tenantToken(t testing.TB, value any) string {
	t.Helper()
	c := f.pool.IDClaims(alice, time.Now())
	if value != nil {
		c[tenantClaim] = value
	}
	return f.sign(t, c)
}

// TestUsageIdentifierKeyContract checks the REST answer as API Gateway
// reads it (its JSON): usageIdentifierKey is the claim's value on an Allow
// and on a Deny, absent without the claim unless required, and a missing
// (when required) or malformed claim is a Deny of the stage with reason
// no_usage_key. Neither the context nor the log line holds the key.
func TestUsageIdentifierKeyContract(t *testing.T) {
	tests := []struct {
		name     string
		required string
		groups   string
		value    any
		effect   string
		key      string // want usageIdentifierKey; "" wants none
		reason   string
	}{
		{"key", "", "", tenantKey, "Allow", tenantKey, ""},
		{"key, required", "true", "", tenantKey, "Allow", tenantKey, ""},
		{"key on a Deny", "true", "billing", tenantKey, "Deny", tenantKey, "missing_required_group"},
		{"no key", "", "", nil, "Allow", "", ""},
		{"no key, not required", "false", "", nil, "Allow", "", ""},
		{"no key, required", "true", "", nil, "Deny", "", "no_usage_key"},
		{"too short", "", "", "short-key", "Deny", "", "no_usage_key"},
		{"wrong character", "", "", "tenantA 0123456789abcdefXYZ", "Deny", "", "no_usage_key"},
		{"not a string", "true", "", 12345678901234567890.0, "Deny", "", "no_usage_key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, map[string]string{
				settings.EnvUsageIdentifierClaim:    tenantClaim,
				settings.EnvUsageIdentifierRequired: tt.required,
				settings.EnvRequiredGroups:          tt.groups,
			})
			tok := f.tenantToken(t, tt.value)
			for _, ev := range []json.RawMessage{tokenEvent(tok), requestEvent(map[string]string{"Authorization": "Bearer " + tok}, nil)} {
				resp, err := invoke(f, ev)
				if err != nil {
					t.Fatalf("Handle() error = %v, want a policy", err)
				}
				raw, err := json.Marshal(resp)
				if err != nil {
					t.Fatal(err)
				}
				var answer map[string]any
				if err := json.Unmarshal(raw, &answer); err != nil {
					t.Fatal(err)
				}
				got, has := answer["usageIdentifierKey"]
				switch {
				case tt.key != "" && got != tt.key:
					t.Errorf("usageIdentifierKey = %v, want %q: %s", got, tt.key, raw)
				case tt.key == "" && has:
					t.Errorf("usageIdentifierKey = %v, want none: %s", got, raw)
				}
				if effect := resp.PolicyDocument.Statement[0].Effect; effect != tt.effect {
					t.Errorf("Effect = %s, want %s", effect, tt.effect)
				}
				if tt.effect == "Deny" && tt.reason == "no_usage_key" && resp.PolicyDocument.Statement[0].Resource[0] != stageARN {
					t.Errorf("Deny of %v, want the stage %s", resp.PolicyDocument.Statement[0].Resource, stageARN)
				}
				if resp.PrincipalID != alice.Sub {
					t.Errorf("principalId = %q, want %q", resp.PrincipalID, alice.Sub)
				}
				if _, ok := resp.Context[tenantClaim]; ok {
					t.Errorf("context holds %s: %v", tenantClaim, resp.Context)
				}
				line := lastLog(t, f.logs)
				wantReason := tt.reason
				if wantReason == "" {
					wantReason = "none" // an Allow's
				}
				if reason, _ := line["reason"].(string); reason != wantReason {
					t.Errorf("log reason = %q, want %q", reason, wantReason)
				}
				if s, ok := tt.value.(string); ok && strings.Contains(f.logs.String(), s) {
					t.Errorf("the log holds the claim's value:\n%s", f.logs)
				}
			}
		})
	}
}

// TestUsageIdentifierKeyNotForHTTPAPIs: HTTP APIs have no usage plans, so
// neither of their answers carries the key (nor its context).
func TestUsageIdentifierKeyNotForHTTPAPIs(t *testing.T) {
	f := newFixture(t, map[string]string{settings.EnvUsageIdentifierClaim: tenantClaim})
	ev := httpEvent("GET", "/notes", "GET /notes", bearer(f.tenantToken(t, tenantKey)))
	for _, response := range []string{settings.HTTPAPISimple, settings.HTTPAPIIAM} {
		resp, err := invokeEvent(f.httpHandler(t, response), ev)
		if err != nil {
			t.Fatalf("%s: HandleEvent() error = %v", response, err)
		}
		raw, err := json.Marshal(resp)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(raw), tenantKey) || strings.Contains(string(raw), "usageIdentifierKey") {
			t.Errorf("%s answer carries the key: %s", response, raw)
		}
	}
}

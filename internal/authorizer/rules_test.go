package authorizer_test

import (
	"encoding/json"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/gatehouse-dev/cognito-authorizer/internal/authorizer"
	"github.com/gatehouse-dev/cognito-authorizer/internal/decide"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/cognitotest"
)

// TestRouteRules drives the handler with the route rules of the README (in
// the policy package's testdata) for callers of each kind.
func TestRouteRules(t *testing.T) {
	rules, err := os.ReadFile("../policy/testdata/rules.json")
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, map[string]string{settings.EnvRouteRules: string(rules)})
	writer := cognitotest.User{Sub: "22222222-0000-4000-8000-000000000b0b", Username: "bob", Groups: []string{"writers"}}
	tokens := map[string]string{}
	subs := map[string]string{"alice (admins)": alice.Sub, "bob (writers)": writer.Sub}
	for name, u := range map[string]cognitotest.User{"alice (admins)": alice, "bob (writers)": writer} {
		tok, err := f.pool.IDToken(u, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		tokens[name] = tok
	}
	arn := func(method, path string) string {
		return "arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/" + method + "/" + path
	}
	tests := []struct {
		caller, method, path string
		allow                bool
		reason, route        string
	}{
		{"bob (writers)", "POST", "add-note", true, "", "POST /add-note"},
		{"alice (admins)", "POST", "add-note", false, "missing_group", "POST /add-note"},
		{"bob (writers)", "GET", "notes", true, "", "GET /notes"},
		{"bob (writers)", "GET", "users/" + writer.Sub + "/notes", true, "", "GET /users/{userId}/notes"},
		{"bob (writers)", "GET", "users/" + alice.Sub + "/notes", false, "not_owner", "GET /users/{userId}/notes"},
		{"alice (admins)", "GET", "users/" + writer.Sub + "/notes", true, "", "GET /users/{userId}/notes"},
		{"alice (admins)", "DELETE", "admin/users/1", false, "claim_mismatch", "ANY /admin/{proxy+}"},
		{"bob (writers)", "GET", "reports", false, "missing_scope", "GET /reports"},
		{"bob (writers)", "GET", "unlisted", false, "no_rule", ""},
	}
	answers := map[string]string{}
	for _, tt := range tests {
		t.Run(tt.caller+" "+tt.method+" "+tt.path, func(t *testing.T) {
			ev, _ := json.Marshal(events.APIGatewayCustomAuthorizerRequest{Type: "TOKEN", AuthorizationToken: "Bearer " + tokens[tt.caller], MethodArn: arn(tt.method, tt.path)})
			resp, err := invoke(f, ev)
			if err != nil {
				t.Fatalf("Handle() = %v, want a policy", err)
			}
			line := lastLog(t, f.logs)
			wantDecision := "deny"
			if tt.allow {
				wantDecision = "allow"
			}
			if line["decision"] != wantDecision || (tt.reason != "" && line["reason"] != tt.reason) || (tt.route != "" && line["route"] != tt.route) {
				t.Errorf("log = %v, want decision %s, reason %q, route %q", line, wantDecision, tt.reason, tt.route)
			}
			// API Gateway replays the whole answer on every route its
			// policy allows, a Deny of this route included: the context
			// must be there whatever the triggering route.
			if sub := subs[tt.caller]; resp.PrincipalID != sub || resp.Context["sub"] != sub {
				t.Errorf("principal %q, context %v, want %s in both whatever the route", resp.PrincipalID, resp.Context, sub)
			}
			// The answer is a function of the token alone: API Gateway
			// caches it per token for every route.
			answer, _ := json.Marshal(resp)
			if prev, ok := answers[tt.caller]; ok && prev != string(answer) {
				t.Errorf("answer for %s differs by route:\n%s\n%s", tt.caller, prev, answer)
			}
			answers[tt.caller] = string(answer)
		})
	}
}

// TestRequiredGroupsApplyBeforeRouteRules: REQUIRED_GROUPS refuses on every
// route, with a Deny of the whole stage.
func TestRequiredGroupsApplyBeforeRouteRules(t *testing.T) {
	f := newFixture(t, map[string]string{
		settings.EnvRouteRules:     `[{"route": "GET /notes"}]`,
		settings.EnvRequiredGroups: "billing",
	})
	ev, _ := json.Marshal(events.APIGatewayCustomAuthorizerRequest{Type: "TOKEN", AuthorizationToken: "Bearer " + f.idToken(t),
		MethodArn: "arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/GET/notes"})
	resp, err := invoke(f, ev)
	if errors.Is(err, authorizer.ErrUnauthorized) || err != nil {
		t.Fatalf("Handle() = %v, want a Deny", err)
	}
	st := resp.PolicyDocument.Statement
	if len(st) != 1 || st[0].Effect != "Deny" || st[0].Resource[0] != stageARN {
		t.Errorf("policy = %+v, want a Deny of %s", resp.PolicyDocument, stageARN)
	}
	if got := lastLog(t, f.logs)["reason"]; got != string(decide.ReasonMissingRequiredGroup) {
		t.Errorf("reason = %v, want %s", got, string(decide.ReasonMissingRequiredGroup))
	}
}

// TestRouteRulesReadOnlyVerifiedClaims: an email the user set but did not
// verify opens neither a bind nor a claims rule (a review found both did).
func TestRouteRulesReadOnlyVerifiedClaims(t *testing.T) {
	f := newFixture(t, map[string]string{settings.EnvRouteRules: `[
		{"route": "GET /mailboxes/{addr}", "bind": {"addr": "email"}},
		{"route": "GET /acme-admin", "claims": {"email": ["boss@acme.com"]}},
		{"route": "GET /phone", "claims": {"phone_number": ["+15550100"]}}]`})
	claims := f.pool.IDClaims(alice, time.Now())
	claims["email"], claims["email_verified"] = "boss@acme.com", false
	claims["phone_number"], claims["phone_number_verified"] = "+15550100", false
	tok := f.sign(t, claims)
	for _, path := range []string{"mailboxes/boss@acme.com", "acme-admin", "phone"} {
		ev, _ := json.Marshal(events.APIGatewayCustomAuthorizerRequest{Type: "TOKEN", AuthorizationToken: "Bearer " + tok,
			MethodArn: "arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/GET/" + path})
		resp, err := invoke(f, ev)
		if err != nil {
			t.Fatal(err)
		}
		if line := lastLog(t, f.logs); line["decision"] != "deny" {
			t.Errorf("GET /%s with an unverified claim: %v, want deny", path, line)
		}
		if _, ok := resp.Context["phone_number"]; ok {
			t.Errorf("context holds the unverified phone_number")
		}
	}
	claims["email_verified"], claims["phone_number_verified"] = true, true
	tok = f.sign(t, claims)
	ev, _ := json.Marshal(events.APIGatewayCustomAuthorizerRequest{Type: "TOKEN", AuthorizationToken: "Bearer " + tok,
		MethodArn: "arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/GET/acme-admin"})
	if _, err := invoke(f, ev); err != nil || lastLog(t, f.logs)["decision"] != "allow" {
		t.Errorf("GET /acme-admin with the email verified: %v %v, want allow", err, lastLog(t, f.logs))
	}
}

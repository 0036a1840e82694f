package authorizer_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/gatehouse-dev/cognito-authorizer/internal/identity"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
)

// TestAccessTokenContactClaims: an access token's email and phone_number (a
// pre-token-generation trigger can add them) reach the context and the
// route rules' claims and bind only with email_verified and
// phone_number_verified true in the same token, as an ID token's do.
func TestAccessTokenContactClaims(t *testing.T) {
	f := newFixture(t, map[string]string{settings.EnvRouteRules: `[
		{"route": "GET /mailboxes/{addr}", "bind": {"addr": "email"}},
		{"route": "GET /acme-admin", "claims": {"email": ["boss@acme.com"]}},
		{"route": "GET /phone", "claims": {"phone_number": ["+15550100"]}}]`})
	paths := []string{"mailboxes/boss@acme.com", "acme-admin", "phone"}
	tests := []struct {
		name     string
		verified any // email_verified and phone_number_verified; nil: absent
		want     string
	}{
		{name: "verified", verified: true, want: "allow"},
		{name: "verified as strings", verified: "true", want: "allow"},
		{name: "not verified", verified: false, want: "deny"},
		{name: "no verified claims", want: "deny"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			claims := f.pool.AccessClaims(alice, time.Now())
			claims["email"], claims["phone_number"] = "boss@acme.com", "+15550100"
			if tt.verified != nil {
				claims["email_verified"], claims["phone_number_verified"] = tt.verified, tt.verified
			}
			tok := f.sign(t, claims)
			for _, path := range paths {
				ev, _ := json.Marshal(events.APIGatewayCustomAuthorizerRequest{Type: "TOKEN", AuthorizationToken: "Bearer " + tok,
					MethodArn: "arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/GET/" + path})
				resp, err := invoke(f, ev)
				if err != nil {
					t.Fatalf("Handle(GET /%s) = %v, want a policy", path, err)
				}
				if got := lastLog(t, f.logs)["decision"]; got != tt.want {
					t.Errorf("GET /%s: decision = %v, want %s", path, got, tt.want)
				}
				email, hasEmail := resp.Context[identity.KeyEmail]
				phone, hasPhone := resp.Context["phone_number"]
				verified := tt.want == "allow"
				if hasEmail != verified || hasPhone != verified {
					t.Errorf("GET /%s: context email = %v (%t), phone_number = %v (%t), want both present: %t",
						path, email, hasEmail, phone, hasPhone, verified)
				}
			}
		})
	}
}

package wire_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/cognito-authorizer/cmd/authorizer/wire"
	"github.com/gatehouse-dev/cognito-authorizer/internal/decide"
	"github.com/gatehouse-dev/cognito-authorizer/internal/identity"
	"github.com/gatehouse-dev/cognito-authorizer/internal/policy"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/cognitotest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/oidctest"
)

const (
	poolA, poolB = "eu-west-1_TenantA1", "us-east-1_TenantB2"
	client       = "4fr8n6nrk1v2example1q2w3e4"
	audience     = "https://api.example.com"
	groupsClaim  = "https://example.com/groups"
	stage        = "arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/"
)

// TestSeveralIssuers wires two Cognito pools and one OpenID provider (its
// keys found by discovery, an RSA and an EC key) from ISSUERS, and decides
// each issuer's tokens under the same route rules: each verified against
// its own keys and carrying its issuer, groups read from each kind's own
// claim, every confusion refused for its reason.
func TestSeveralIssuers(t *testing.T) {
	a, jwksA := cognitotest.Start(t, poolA, client)
	b, jwksB := cognitotest.Start(t, poolB, client)
	idp := oidctest.Start(t, oidctest.WithGroupsClaim(groupsClaim))
	list, err := json.Marshal([]settings.Issuer{
		{Cognito: &settings.CognitoIssuer{UserPoolID: poolA, ClientIDs: []string{client}, JWKSURL: jwksA}},
		{Cognito: &settings.CognitoIssuer{UserPoolID: poolB, ClientIDs: []string{client}, TokenUses: []string{"access"}, JWKSURL: jwksB}},
		{OIDC: &settings.OIDCIssuer{Issuer: idp.Issuer(), Audiences: []string{audience}, Algorithms: []string{"RS256", "ES256"}, GroupsClaim: groupsClaim}},
	})
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{
		settings.EnvIssuers:    string(list),
		settings.EnvRouteRules: `[{"route": "POST /add-note", "groups": ["writers"]}, {"route": "GET /reports", "scopes": ["reports/read"]}]`,
	}
	s, err := settings.LoadAuthorizer(func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	d, keys, err := wire.Decider(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 3 {
		t.Fatalf("%d key sources, want one per issuer", len(keys))
	}
	now := time.Now()
	writer := cognitotest.User{Sub: "a-writer", Username: "ann", Groups: []string{"writers"}}
	reader := cognitotest.User{Sub: "b-reader", Username: "ben", Scopes: []string{"reports/read"}}
	must := func(tok string, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	oidcClaims := func(aud string, groups ...string) map[string]any {
		c := idp.Claims("o-user", aud, groups, now)
		c["preferred_username"] = "olga"
		return c
	}
	otherKid := b.IDClaims(writer, now)
	otherKid["iss"] = a.Issuer // signed by B's key, naming A: A's set has no such kid
	tests := []struct {
		name, token, request string
		want                 decide.Outcome
		reason               decide.Reason
		iss, username        string
	}{
		{"pool A, ID token", must(a.IDToken(writer, now)), "POST /add-note", decide.Allow, decide.ReasonNone, a.Issuer, "ann"},
		{"pool B, access token", must(b.AccessToken(cognitotest.User{Sub: "b-writer", Username: "bea", Groups: []string{"writers"}}, now)), "POST /add-note", decide.Allow, decide.ReasonNone, b.Issuer, "bea"},
		{"pool B, scopes", must(b.AccessToken(reader, now)), "GET /reports", decide.Allow, decide.ReasonNone, b.Issuer, "ben"},
		{"pool B, no group", must(b.AccessToken(reader, now)), "POST /add-note", decide.Deny, decide.ReasonMissingGroup, b.Issuer, "ben"},
		{"pool B takes access tokens only", must(b.IDToken(writer, now)), "POST /add-note", decide.Unauthorized, decide.ReasonWrongTokenUse, "", ""},
		{"OIDC, RS256, groups in its own claim", must(idp.Token(oidcClaims(audience, "writers"), "RS256")), "POST /add-note", decide.Allow, decide.ReasonNone, idp.Issuer(), "olga"},
		{"OIDC, ES256", must(idp.Token(oidcClaims(audience, "writers"), "ES256")), "POST /add-note", decide.Allow, decide.ReasonNone, idp.Issuer(), "olga"},
		{"OIDC, not in the group", must(idp.Token(oidcClaims(audience, "readers"), "RS256")), "POST /add-note", decide.Deny, decide.ReasonMissingGroup, idp.Issuer(), "olga"},
		{"OIDC, another audience", must(idp.Token(oidcClaims("https://other.example.com", "writers"), "RS256")), "POST /add-note", decide.Unauthorized, decide.ReasonWrongClient, "", ""},
		{"a kid only in another issuer's set", must(b.Sign(otherKid)), "POST /add-note", decide.Unauthorized, decide.ReasonUnknownKey, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method, path, _ := cut(tt.request)
			arn, err := policy.ParseMethodARN(stage + method + path)
			if err != nil {
				t.Fatal(err)
			}
			got := d.Decide(context.Background(), decide.Request{Token: tt.token, ARN: arn})
			if got.Outcome != tt.want || got.Reason != tt.reason {
				t.Fatalf("Decide = %v %q (%v), want %v %q", got.Outcome, got.Reason, got.Err, tt.want, tt.reason)
			}
			if !got.Answered() {
				return
			}
			if got.Identity.Issuer != tt.iss || got.Context[identity.KeyIssuer] != tt.iss || got.Context[identity.KeyUsername] != tt.username {
				t.Errorf("issuer %q, context %v: want iss %q, username %q", got.Identity.Issuer, got.Context, tt.iss, tt.username)
			}
		})
	}
	// A provider's claims under Cognito's names pass neither to rules nor
	// to the endpoints: the context's groups are its groups claim's.
	spoof := oidcClaims(audience, "writers")
	spoof["cognito:groups"] = []string{"admins"}
	spoof["origin_jti"] = "not-cognitos"
	arn, _ := policy.ParseMethodARN(stage + "POST/add-note")
	got := d.Decide(context.Background(), decide.Request{Token: must(idp.Token(spoof, "RS256")), ARN: arn})
	if got.Outcome != decide.Allow || got.Context[identity.KeyGroups] != "writers" || got.Context["origin_jti"] != nil {
		t.Errorf("an OIDC token with cognito:groups: %v %q, context %v: want allow, cognito:groups writers, no origin_jti", got.Outcome, got.Reason, got.Context)
	}
	if n := idp.DiscoveryRequests(); n != 1 {
		t.Errorf("%d discovery requests, want 1", n)
	}
}

// TestDiscoveryDownAtStart: an OpenID provider whose discovery document
// cannot be read at start gets the outage answer (never an Allow, never a
// 401) until it can, then its tokens verify.
func TestDiscoveryDownAtStart(t *testing.T) {
	idp := oidctest.Start(t)
	idp.SetDown(true)
	list, _ := json.Marshal([]settings.Issuer{{OIDC: &settings.OIDCIssuer{Issuer: idp.Issuer(), Audiences: []string{audience}}}})
	vars := map[string]string{settings.EnvIssuers: string(list)}
	s, err := settings.LoadAuthorizer(func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	d, keys, err := wire.Decider(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := keys[0].Refresh(context.Background()); err == nil {
		t.Fatal("Refresh() with discovery down = nil, want an error")
	}
	tok, err := idp.Token(idp.Claims("o-user", audience, nil, time.Now()), "RS256")
	if err != nil {
		t.Fatal(err)
	}
	arn, _ := policy.ParseMethodARN(stage + "GET/notes")
	if got := d.Decide(context.Background(), decide.Request{Token: tok, ARN: arn}); got.Outcome != decide.Unavailable || got.Reason != decide.ReasonKeysUnavailable {
		t.Fatalf("discovery down: %v %q (%v), want unavailable keys_unavailable", got.Outcome, got.Reason, got.Err)
	}
	idp.SetDown(false)
	// The retry interval (1 s) bounds how often discovery is tried.
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := d.Decide(context.Background(), decide.Request{Token: tok, ARN: arn})
		if got.Outcome == decide.Allow {
			break
		}
		if got.Outcome != decide.Unavailable || time.Now().After(deadline) {
			t.Fatalf("discovery back: %v %q (%v), want allow within the retry interval", got.Outcome, got.Reason, got.Err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func cut(request string) (method, path string, ok bool) {
	method, path, ok = strings.Cut(request, " /")
	return method + "/", path, ok
}

package decide_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/gatehouse-dev/cognito-authorizer/internal/decide"
	"github.com/gatehouse-dev/cognito-authorizer/internal/policy"
	"github.com/gatehouse-dev/cognito-authorizer/internal/revocation"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/authorizertest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/cognitotest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/oidctest"
)

// results lists the checks that did not pass, in order, as
// "name=result", and the failed one's reason.
func results(ex *decide.Explanation) string {
	var out []string
	for _, c := range ex.Checks {
		switch {
		case c.Result == decide.CheckFail:
			out = append(out, fmt.Sprintf("%s=fail(%s)", c.Name, c.Reason))
		case c.Result != decide.CheckPass:
			out = append(out, c.Name+"="+string(c.Result))
		}
	}
	return strings.Join(out, " ")
}

// offs are the checks nothing is configured for in these tests.
const offs = "revocation=off usage_key=off required_scopes=off required_groups=off"

// TestExplainChecks places each reason among the checks: the one that
// failed, every check the verifier made before it passed, every later one
// not reached, through the real verifier against a real JWKS.
func TestExplainChecks(t *testing.T) {
	f := newFixture(t)
	now := time.Now()
	rules, err := policy.ParseRules([]byte(`[{"route": "GET /users/{userId}/notes", "bind": {"userId": "cognito:username"}}]`))
	if err != nil {
		t.Fatal(err)
	}
	sign := func(claims jwt.MapClaims, header map[string]any) string {
		t.Helper()
		key, kid := f.pool.SigningKey()
		tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
		tok.Header["kid"] = kid
		for k, v := range header {
			if v == nil {
				delete(tok.Header, k)
			} else {
				tok.Header[k] = v
			}
		}
		s, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	claims := func(edit func(jwt.MapClaims)) jwt.MapClaims {
		c := f.pool.IDClaims(alice, now)
		if edit != nil {
			edit(c)
		}
		return c
	}
	valid := sign(claims(nil), nil)
	parts := strings.Split(valid, ".")
	forged, _ := json.Marshal(claims(func(c jwt.MapClaims) { c["cognito:groups"] = []string{"admins"} }))
	hs := jwt.NewWithClaims(jwt.SigningMethodHS256, claims(nil))
	hs.Header["kid"] = "k"
	hsToken, err := hs.SignedString([]byte("a shared secret of thirty-two bytes"))
	if err != nil {
		t.Fatal(err)
	}
	stranger, err := cognitotest.New(poolID, clientID) // the same issuer, another key
	if err != nil {
		t.Fatal(err)
	}
	unknownKid, err := stranger.IDToken(alice, now)
	if err != nil {
		t.Fatal(err)
	}
	own := arn(t, arnText)

	tests := []struct {
		name  string
		opts  []decide.Option
		token string
		want  string // the checks that did not pass
	}{
		{"allow", nil, valid, offs + " route_rules=off"},
		{"allow under rules", []decide.Option{decide.WithRules(rules)}, valid, offs},
		{"no token", nil, "", "token=fail(no_token) size=not_reached format=not_reached header=not_reached issuer=not_reached algorithm=not_reached key=not_reached signature=not_reached issuer_rules=not_reached dates=not_reached " + offs + " route_rules=off"},
		{"not a JWT", nil, "not-a-jwt", "token=fail(not_jwt) size=not_reached format=not_reached header=not_reached issuer=not_reached algorithm=not_reached key=not_reached signature=not_reached issuer_rules=not_reached dates=not_reached " + offs + " route_rules=off"},
		{"too large", nil, parts[0] + "." + strings.Repeat("A", 10240) + "." + parts[2], "size=fail(too_large) format=not_reached header=not_reached issuer=not_reached algorithm=not_reached key=not_reached signature=not_reached issuer_rules=not_reached dates=not_reached " + offs + " route_rules=off"},
		{"malformed", nil, "a.b.c", "format=fail(malformed) header=not_reached issuer=not_reached algorithm=not_reached key=not_reached signature=not_reached issuer_rules=not_reached dates=not_reached " + offs + " route_rules=off"},
		{"HS256: refused before the header and issuer", nil, hsToken, "header=not_reached issuer=not_reached algorithm=fail(algorithm) key=not_reached signature=not_reached issuer_rules=not_reached dates=not_reached " + offs + " route_rules=off"},
		{"jku", nil, sign(claims(nil), map[string]any{"jku": "https://evil.example.com/keys"}), "header=fail(header) issuer=not_reached algorithm=not_reached key=not_reached signature=not_reached issuer_rules=not_reached dates=not_reached " + offs + " route_rules=off"},
		{"no kid", nil, sign(claims(nil), map[string]any{"kid": nil}), "header=fail(missing_kid) issuer=not_reached algorithm=not_reached key=not_reached signature=not_reached issuer_rules=not_reached dates=not_reached " + offs + " route_rules=off"},
		{"wrong issuer", nil, sign(claims(func(c jwt.MapClaims) { c["iss"] = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other1" }), nil), "issuer=fail(wrong_issuer) algorithm=not_reached key=not_reached signature=not_reached issuer_rules=not_reached dates=not_reached " + offs + " route_rules=off"},
		{"unknown kid", nil, unknownKid, "algorithm=not_reached key=fail(unknown_key) signature=not_reached issuer_rules=not_reached dates=not_reached " + offs + " route_rules=off"},
		{"bad signature", nil, parts[0] + "." + base64.RawURLEncoding.EncodeToString(forged) + "." + parts[2], "signature=fail(bad_signature) issuer_rules=not_reached dates=not_reached " + offs + " route_rules=off"},
		{"exp out of range", nil, sign(claims(func(c jwt.MapClaims) { c["exp"] = 1e300 }), nil), "issuer_rules=not_reached dates=fail(invalid_claims) " + offs + " route_rules=off"},
		{"wrong client", nil, sign(claims(func(c jwt.MapClaims) { c["aud"] = "another" }), nil), "issuer_rules=fail(wrong_client) dates=not_reached " + offs + " route_rules=off"},
		{"no sub", nil, sign(claims(func(c jwt.MapClaims) { delete(c, "sub") }), nil), "issuer_rules=fail(invalid_claims) dates=not_reached " + offs + " route_rules=off"},
		{"no exp", nil, sign(claims(func(c jwt.MapClaims) { delete(c, "exp") }), nil), "dates=fail(invalid_claims) " + offs + " route_rules=off"},
		{"expired", nil, sign(claims(func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Hour).Unix() }), nil), "dates=fail(expired) " + offs + " route_rules=off"},
		{"revoked", []decide.Option{decide.WithRevocations(revocationFunc(func() error { return revocation.ErrRevoked }))}, valid, "revocation=fail(revoked) usage_key=off required_scopes=off required_groups=off route_rules=off"},
		{"revocation out of reach", []decide.Option{decide.WithRevocations(revocationFunc(func() error { return revocation.ErrUnavailable }))}, valid, "revocation=fail(revocation_unavailable) usage_key=off required_scopes=off required_groups=off route_rules=off"},
		{"origin_jti too long", []decide.Option{decide.WithRevocations(revocationFunc(func() error { return nil }))}, sign(claims(func(c jwt.MapClaims) { c["origin_jti"] = strings.Repeat("j", 300) }), nil), "revocation=fail(invalid_claims) usage_key=off required_scopes=off required_groups=off route_rules=off"},
		{"required scope", []decide.Option{decide.WithRequiredScopes("notes/admin"), decide.WithRules(rules)}, valid, "revocation=off usage_key=off required_scopes=fail(missing_required_scope) required_groups=off route_rules=not_reached"},
		{"required group", []decide.Option{decide.WithRequiredGroups("admins"), decide.WithRules(rules)}, valid, "revocation=off usage_key=off required_scopes=off required_groups=fail(missing_required_group) route_rules=not_reached"},
		{"route rule", []decide.Option{decide.WithRules(rules)}, valid, offs + " route_rules=fail(not_owner)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := own
			if tt.name == "route rule" {
				a = arn(t, strings.Replace(arnText, "alice", "bob", 1))
			}
			d := decide.New(f.v, tt.opts...)
			got := d.Decide(context.Background(), decide.Request{Token: tt.token, ARN: a, Explain: true})
			if got.Explanation == nil {
				t.Fatalf("Decide(Explain) = %v %q with no explanation", got.Outcome, got.Reason)
			}
			if r := results(got.Explanation); r != tt.want {
				t.Errorf("checks not passed = %s (%v %q: %v)\nwant %s", r, got.Outcome, got.Reason, got.Err, tt.want)
			}
			if len(got.Explanation.Checks) != 16 {
				t.Errorf("%d checks, want 16", len(got.Explanation.Checks))
			}
			for _, c := range got.Explanation.Checks {
				if c.Detail == "" && c.Result != decide.CheckNotReached && tt.token != "" && tt.token != "not-a-jwt" {
					t.Errorf("check %s (%s) has no detail", c.Name, c.Result)
				}
				if tt.token != "" && strings.Contains(c.Detail+c.Error, tt.token) {
					t.Errorf("check %s holds the token: %q", c.Name, c.Detail+c.Error)
				}
			}
			if got.Explanation.Verified != (got.Identity != nil) {
				t.Errorf("Verified = %v with identity %v", got.Explanation.Verified, got.Identity)
			}
		})
	}
}

// TestExplainDetails: the details name the token's values and the
// verifier's settings, labelled as presented when the token did not
// verify.
func TestExplainDetails(t *testing.T) {
	f := newFixture(t)
	now := time.Now()
	expired, err := f.pool.IDToken(alice, now.Add(-2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	got := decide.New(f.v).Decide(context.Background(), decide.Request{Token: "Bearer " + expired, ARN: arn(t, arnText), Explain: true})
	ex := got.Explanation
	if got.Reason != decide.ReasonExpired || ex.Verified || ex.Claims["sub"] != alice.Sub || ex.Header["alg"] != "RS256" {
		t.Fatalf("expired: %q, verified %v, claims %v, header %v", got.Reason, ex.Verified, ex.Claims, ex.Header)
	}
	if ex.Leeway != settings.DefaultLeeway.String() || ex.Now.IsZero() {
		t.Errorf("leeway %q, now %v: want the verifier's", ex.Leeway, ex.Now)
	}
	detail := map[string]string{}
	for _, c := range ex.Checks {
		detail[c.Name] = c.Detail
	}
	for name, want := range map[string]string{
		decide.CheckIssuer:     `iss "` + issuer + `" is a configured issuer`,
		decide.CheckDates:      "ago), iat ",
		decide.CheckSize:       "bytes, at most 10240",
		decide.CheckRouteRules: "an Allow covers the whole stage",
		decide.CheckRevocation: "no revocation table",
	} {
		if !strings.Contains(detail[name], want) {
			t.Errorf("%s detail = %q, want it to hold %q", name, detail[name], want)
		}
	}
	if !strings.Contains(detail[decide.CheckDates], "leeway "+settings.DefaultLeeway.String()+": The token expired.") {
		t.Errorf("dates detail = %q, want the leeway and the meaning", detail[decide.CheckDates])
	}
}

// TestExplainAlgorithms tells the three algorithm checks apart: an
// algorithm of no issuer (before the header), one of another issuer's (after
// the issuer), one the key is not for (after the key).
func TestExplainAlgorithms(t *testing.T) {
	pool, jwksURL := cognitotest.Start(t, poolID, clientID)
	idp := oidctest.Start(t)
	list, err := json.Marshal([]settings.Issuer{
		{Cognito: &settings.CognitoIssuer{UserPoolID: poolID, ClientIDs: []string{clientID}, JWKSURL: jwksURL}},
		{OIDC: &settings.OIDCIssuer{Issuer: idp.Issuer(), Audiences: []string{"api"}, Algorithms: []string{"RS256", "ES256"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{settings.EnvIssuers: string(list)}
	v := authorizertest.NewVerifier(t, func(k string) string { return vars[k] })
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	es256 := func(claims jwt.MapClaims, kid string) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodES256, claims)
		tok.Header["kid"] = kid
		s, err := tok.SignedString(ec)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	_, cognitoKid := pool.SigningKey()
	oidcClaims := jwt.MapClaims(idp.Claims("o-user", "api", nil, time.Now()))
	es384 := jwt.NewWithClaims(jwt.SigningMethodES384, pool.IDClaims(alice, time.Now()))
	es384.Header["kid"] = cognitoKid
	key384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	es384Token, err := es384.SignedString(key384)
	if err != nil {
		t.Fatal(err)
	}
	rest := " signature=not_reached issuer_rules=not_reached dates=not_reached " + offs + " route_rules=off"
	for _, tt := range []struct {
		name, token, want, detail string
	}{
		{"no issuer's", es384Token, "header=not_reached issuer=not_reached algorithm=fail(algorithm) key=not_reached" + rest, "no issuer signs with it (accepted: RS256, ES256)"},
		{"another issuer's", es256(pool.IDClaims(alice, time.Now()), cognitoKid), "algorithm=fail(algorithm) key=not_reached" + rest, "not one of the issuer's (RS256)"},
		{"not the key's", es256(oidcClaims, idp.KeyID("RS256")), "algorithm=fail(algorithm)" + rest, "is not for it"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := decide.New(v).Decide(context.Background(), decide.Request{Token: tt.token, ARN: arn(t, arnText), Explain: true})
			if r := results(got.Explanation); r != tt.want {
				t.Errorf("checks not passed = %s (%q: %v)\nwant %s", r, got.Reason, got.Err, tt.want)
			}
			for _, c := range got.Explanation.Checks {
				if c.Name == decide.CheckAlgorithm && !strings.Contains(c.Detail, tt.detail) {
					t.Errorf("algorithm detail = %q, want it to hold %q", c.Detail, tt.detail)
				}
			}
		})
	}
}

// TestExplainOnlyWhenAsked: the answer's path gets no explanation.
func TestExplainOnlyWhenAsked(t *testing.T) {
	f := newFixture(t)
	got := decide.New(f.v).Decide(context.Background(), decide.Request{Token: f.token(t, alice, time.Now()), ARN: arn(t, arnText)})
	if got.Explanation != nil || got.Trace != nil {
		t.Errorf("Decide without Explain = explanation %+v, trace %+v; want none", got.Explanation, got.Trace)
	}
}

// TestExplainPanic: a recovered panic is explained too, as a failure of
// no named check.
func TestExplainPanic(t *testing.T) {
	got := decide.New(panicVerifier{}).Decide(context.Background(), decide.Request{Token: "a.b.c", ARN: arn(t, arnText), Explain: true})
	if got.Reason != decide.ReasonPanic || got.Explanation == nil {
		t.Fatalf("Decide = %q, explanation %v", got.Reason, got.Explanation)
	}
	last := got.Explanation.Checks[len(got.Explanation.Checks)-1]
	if last.Name != decide.CheckOther || last.Result != decide.CheckFail || last.Reason != decide.ReasonPanic {
		t.Errorf("last check = %+v, want other failed with panic", last)
	}
}

// TestLookupReason finds every registered reason.
func TestLookupReason(t *testing.T) {
	for _, info := range decide.Reasons {
		if got, ok := decide.LookupReason(info.Reason); !ok || got != info {
			t.Errorf("LookupReason(%q) = %+v, %v", info.Reason, got, ok)
		}
	}
	if _, ok := decide.LookupReason("no_such_reason"); ok {
		t.Error("LookupReason(no_such_reason) found one")
	}
}

package cognito_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/cognito-authorizer/internal/cognito"
	"github.com/gatehouse-dev/cognito-authorizer/internal/jwks"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/cognitotest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/verify"
)

const (
	poolID   = "eu-west-1_AbC123xyz"
	clientID = "4fr8n6nrk1v2example1q2w3e4"
)

var (
	now   = time.Unix(1_800_000_000, 0)
	alice = cognitotest.User{Sub: "11111111-2222-3333-4444-555555555555", Username: "alice", Email: "alice@example.com", Groups: []string{"admins", "staff"}}
)

// fixture is a local pool with its JWKS served over HTTP on 127.0.0.1 and a
// Verifier reading it through a jwks.Cache and keyfunc.
type fixture struct {
	pool     *cognitotest.Pool
	verifier *verify.Verifier
}

func newFixture(t testing.TB, change func(*cognito.Pool)) *fixture {
	t.Helper()
	pool, jwksURL := cognitotest.Start(t, poolID, clientID)
	cache, err := jwks.New(jwksURL, jwks.KeyPolicy{Algorithms: []string{verify.Algorithm}}, jwks.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	cfg := cognito.Pool{
		ID:        poolID,
		ClientIDs: []string{"otherclient", clientID},
		TokenUses: []cognito.TokenUse{cognito.IDToken, cognito.AccessToken},
	}
	if change != nil {
		change(&cfg)
	}
	iss, err := cfg.Issuer(cache)
	if err != nil {
		t.Fatal(err)
	}
	v, err := verify.New([]verify.Issuer{iss}, verify.WithLeeway(5*time.Second), verify.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{pool: pool, verifier: v}
}

func (f *fixture) sign(t testing.TB, claims jwt.MapClaims) string {
	t.Helper()
	tok, err := f.pool.Sign(claims)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// signWith signs claims with method and key under the given header fields.
func signWith(t testing.TB, method jwt.SigningMethod, key any, header map[string]any, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	for k, v := range header {
		if v == nil {
			delete(tok.Header, k)
			continue
		}
		tok.Header[k] = v
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// signRaw signs a header segment and a raw payload, which need not be JSON
// claims, with RS256.
func signRaw(t testing.TB, key *rsa.PrivateKey, header, payload string) string {
	t.Helper()
	unsigned := header + "." + base64.RawURLEncoding.EncodeToString([]byte(payload))
	sig, err := jwt.SigningMethodRS256.Sign(unsigned, key)
	if err != nil {
		t.Fatal(err)
	}
	return unsigned + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func segment(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func with(c jwt.MapClaims, kv ...any) jwt.MapClaims {
	out := jwt.MapClaims{}
	for k, v := range c {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
			continue
		}
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

func TestVerify(t *testing.T) {
	f := newFixture(t, nil)
	id := f.pool.IDClaims(alice, now)
	access := f.pool.AccessClaims(alice, now)
	valid := f.sign(t, id)
	parts := strings.Split(valid, ".")
	_, kid := f.pool.SigningKey()
	signer, _ := f.pool.SigningKey()

	otherKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(&signer.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	otherPool, err := cognitotest.New("eu-west-1_Other999", clientID)
	if err != nil {
		t.Fatal(err)
	}
	otherPoolToken, err := otherPool.IDToken(alice, now)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name  string
		token string
		want  error // nil: valid
	}{
		{name: "id token", token: valid},
		{name: "access token", token: f.sign(t, access)},
		{name: "updated issuer form", token: f.sign(t, with(id, "iss", "https://issuer-cognito-idp.eu-west-1.amazonaws.com/"+poolID))},
		{name: "expired within leeway", token: f.sign(t, with(id, "exp", now.Add(-4*time.Second).Unix()))},
		{name: "issued within leeway ahead", token: f.sign(t, with(id, "iat", now.Add(4*time.Second).Unix()))},
		{name: "aud as one-element array", token: f.sign(t, with(id, "aud", []string{clientID}))},

		{name: "empty", token: "", want: verify.ErrNoToken},
		{name: "huge", token: valid + "." + strings.Repeat("A", verify.MaxTokenSize), want: verify.ErrTooLarge},
		{name: "one segment", token: "abc", want: verify.ErrMalformed},
		{name: "two segments", token: parts[0] + "." + parts[1], want: verify.ErrMalformed},
		{name: "four segments", token: valid + ".x", want: verify.ErrMalformed},
		{name: "bad base64 payload", token: parts[0] + ".!!!." + parts[2], want: verify.ErrMalformed},
		{name: "padded payload", token: parts[0] + "." + parts[1] + "==." + parts[2], want: verify.ErrMalformed},
		{name: "header not JSON", token: base64.RawURLEncoding.EncodeToString([]byte("{")) + "." + parts[1] + "." + parts[2], want: verify.ErrMalformed},
		{name: "payload array", token: parts[0] + "." + segment(t, []int{1}) + "." + parts[2], want: verify.ErrMalformed},
		{name: "payload null", token: parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte("null")) + "." + parts[2], want: verify.ErrMalformed},
		{name: "signed payload null", token: signRaw(t, signer, parts[0], "null"), want: verify.ErrMalformed},
		{name: "signed payload string", token: signRaw(t, signer, parts[0], `"x"`), want: verify.ErrMalformed},

		{name: "alg none", token: signWith(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, map[string]any{"kid": kid}, id), want: verify.ErrAlgorithm},
		{name: "alg None", token: segment(t, map[string]any{"alg": "None", "kid": kid}) + "." + parts[1] + ".", want: verify.ErrAlgorithm},
		{name: "HS256 with the public key as secret", token: signWith(t, jwt.SigningMethodHS256, pubPEM, map[string]any{"kid": kid}, id), want: verify.ErrAlgorithm},
		{name: "HS256 with the DER key as secret", token: signWith(t, jwt.SigningMethodHS256, pubDER, map[string]any{"kid": kid}, id), want: verify.ErrAlgorithm},
		{name: "RS512", token: signWith(t, jwt.SigningMethodRS512, signer, map[string]any{"kid": kid}, id), want: verify.ErrAlgorithm},
		{name: "PS256", token: signWith(t, jwt.SigningMethodPS256, signer, map[string]any{"kid": kid}, id), want: verify.ErrAlgorithm},

		{name: "no kid", token: signWith(t, jwt.SigningMethodRS256, signer, map[string]any{"kid": nil}, id), want: verify.ErrMissingKeyID},
		{name: "kid not a string", token: signWith(t, jwt.SigningMethodRS256, signer, map[string]any{"kid": 7}, id), want: verify.ErrMissingKeyID},
		{name: "unknown kid", token: signWith(t, jwt.SigningMethodRS256, otherKey, map[string]any{"kid": "not-a-pool-key"}, id), want: verify.ErrUnknownKey},
		{name: "forged signature", token: signWith(t, jwt.SigningMethodRS256, otherKey, map[string]any{"kid": kid}, id), want: verify.ErrBadSignature},
		{name: "tampered payload", token: parts[0] + "." + segment(t, with(id, "sub", "someone-else")) + "." + parts[2], want: verify.ErrBadSignature},
		{name: "tampered header", token: segment(t, map[string]any{"alg": "RS256", "kid": kid, "x": 1}) + "." + parts[1] + "." + parts[2], want: verify.ErrBadSignature},
		{name: "signature stripped", token: parts[0] + "." + parts[1] + ".", want: verify.ErrBadSignature},
		{name: "jku header", token: signWith(t, jwt.SigningMethodRS256, signer, map[string]any{"kid": kid, "jku": "https://evil.example/jwks.json"}, id), want: verify.ErrHeader},
		{name: "x5u header", token: signWith(t, jwt.SigningMethodRS256, signer, map[string]any{"kid": kid, "x5u": "https://evil.example/cert.pem"}, id), want: verify.ErrHeader},
		{name: "jwk header", token: signWith(t, jwt.SigningMethodRS256, otherKey, map[string]any{"kid": kid, "jwk": map[string]any{"kty": "RSA"}}, id), want: verify.ErrHeader},
		{name: "x5c header", token: signWith(t, jwt.SigningMethodRS256, signer, map[string]any{"kid": kid, "x5c": []string{"MIIB"}}, id), want: verify.ErrHeader},
		{name: "crit header", token: signWith(t, jwt.SigningMethodRS256, signer, map[string]any{"kid": kid, "crit": []string{"exp"}}, id), want: verify.ErrHeader},

		{name: "expired", token: f.sign(t, with(id, "exp", now.Add(-time.Minute).Unix())), want: verify.ErrExpired},
		{name: "no exp", token: f.sign(t, with(id, "exp", nil)), want: verify.ErrInvalidClaims},
		{name: "exp not a number", token: f.sign(t, with(id, "exp", "tomorrow")), want: verify.ErrInvalidClaims},
		{name: "not yet valid", token: f.sign(t, with(id, "nbf", now.Add(time.Hour).Unix())), want: verify.ErrNotYetValid},
		{name: "issued in the future", token: f.sign(t, with(id, "iat", now.Add(time.Hour).Unix())), want: verify.ErrNotYetValid},

		{name: "another pool's token", token: otherPoolToken, want: verify.ErrWrongIssuer},
		{name: "another pool's issuer", token: f.sign(t, with(id, "iss", "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other999")), want: verify.ErrWrongIssuer},
		{name: "issuer with trailing slash", token: f.sign(t, with(id, "iss", f.pool.Issuer+"/")), want: verify.ErrWrongIssuer},
		{name: "issuer over http", token: f.sign(t, with(id, "iss", strings.Replace(f.pool.Issuer, "https", "http", 1))), want: verify.ErrWrongIssuer},
		{name: "issuer in another region", token: f.sign(t, with(id, "iss", "https://cognito-idp.us-east-1.amazonaws.com/"+poolID)), want: verify.ErrWrongIssuer},
		{name: "no issuer", token: f.sign(t, with(id, "iss", nil)), want: verify.ErrWrongIssuer},
		{name: "expired and wrong issuer", token: f.sign(t, with(id, "iss", "https://evil.example", "exp", now.Add(-time.Hour).Unix())), want: verify.ErrWrongIssuer},

		{name: "id token for another client", token: f.sign(t, with(id, "aud", "someoneelse")), want: verify.ErrWrongClient},
		{name: "id token for two audiences", token: f.sign(t, with(id, "aud", []string{clientID, "someoneelse"})), want: verify.ErrWrongClient},
		{name: "id token without aud", token: f.sign(t, with(id, "aud", nil)), want: verify.ErrWrongClient},
		{name: "id token with client_id", token: f.sign(t, with(id, "client_id", clientID)), want: verify.ErrInvalidClaims},
		{name: "access token for another client", token: f.sign(t, with(access, "client_id", "someoneelse")), want: verify.ErrWrongClient},
		{name: "access token without client_id", token: f.sign(t, with(access, "client_id", nil)), want: verify.ErrWrongClient},
		{name: "access token with aud but no client_id", token: f.sign(t, with(access, "client_id", nil, "aud", clientID)), want: verify.ErrWrongClient},

		{name: "no token_use", token: f.sign(t, with(id, "token_use", nil)), want: verify.ErrWrongTokenUse},
		{name: "refresh token_use", token: f.sign(t, with(id, "token_use", "refresh")), want: verify.ErrWrongTokenUse},
		{name: "nbf overflowing", token: f.sign(t, with(id, "nbf", 1e19)), want: verify.ErrInvalidClaims},
		{name: "iat overflowing", token: f.sign(t, with(id, "iat", 1e300)), want: verify.ErrInvalidClaims},
		{name: "exp past year 9999", token: f.sign(t, with(id, "exp", 1e300)), want: verify.ErrInvalidClaims},
		{name: "negative iat", token: f.sign(t, with(id, "iat", -1)), want: verify.ErrInvalidClaims},
		{name: "no sub", token: f.sign(t, with(id, "sub", nil)), want: verify.ErrInvalidClaims},
		{name: "empty sub", token: f.sign(t, with(id, "sub", "")), want: verify.ErrInvalidClaims},
		{name: "sub not a string", token: f.sign(t, with(id, "sub", 42)), want: verify.ErrInvalidClaims},
		{name: "groups not strings", token: f.sign(t, with(id, "cognito:groups", []any{"a", 1})), want: verify.ErrInvalidClaims},
		{name: "scope not a string", token: f.sign(t, with(access, "scope", []string{"a"})), want: verify.ErrInvalidClaims},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			claims, err := f.verifier.Verify(context.Background(), tt.token)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Verify() = %v, want no error", err)
				}
				if got := claims.Subject(); got != alice.Sub {
					t.Errorf("Subject() = %q, want %q", got, alice.Sub)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify() = %v, want %v", err, tt.want)
			}
			if claims != nil {
				t.Errorf("Verify() returned claims with error %v", err)
			}
			// Exactly one of verify's errors: the reason the log gives
			// is the one meant.
			for _, other := range verify.Errors {
				if other != tt.want && errors.Is(err, other) {
					t.Errorf("Verify() = %v matches %v too", err, other)
				}
			}
		})
	}
}

func TestVerifyTokenUse(t *testing.T) {
	tests := []struct {
		uses       []cognito.TokenUse
		idOK, acOK bool
	}{
		{uses: []cognito.TokenUse{cognito.IDToken}, idOK: true},
		{uses: []cognito.TokenUse{cognito.AccessToken}, acOK: true},
		{uses: []cognito.TokenUse{cognito.AccessToken, cognito.IDToken}, idOK: true, acOK: true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.uses), func(t *testing.T) {
			f := newFixture(t, func(c *cognito.Pool) { c.TokenUses = tt.uses })
			for _, c := range []struct {
				claims jwt.MapClaims
				ok     bool
			}{{f.pool.IDClaims(alice, now), tt.idOK}, {f.pool.AccessClaims(alice, now), tt.acOK}} {
				_, err := f.verifier.Verify(context.Background(), f.sign(t, c.claims))
				if c.ok && err != nil {
					t.Errorf("Verify(%s token) = %v, want no error", c.claims["token_use"], err)
				}
				if !c.ok && !errors.Is(err, verify.ErrWrongTokenUse) {
					t.Errorf("Verify(%s token) = %v, want %v", c.claims["token_use"], err, verify.ErrWrongTokenUse)
				}
			}
		})
	}
}

func TestVerifyClaims(t *testing.T) {
	f := newFixture(t, nil)
	for _, tc := range []struct {
		name   string
		claims jwt.MapClaims
		use    cognito.TokenUse
	}{
		{"id", f.pool.IDClaims(alice, now), cognito.IDToken},
		{"access", f.pool.AccessClaims(alice, now), cognito.AccessToken},
	} {
		t.Run(tc.name, func(t *testing.T) {
			claims, err := f.verifier.Verify(context.Background(), f.sign(t, tc.claims))
			if err != nil {
				t.Fatal(err)
			}
			id := claims.Identity()
			if got := cognito.TokenUse(id.TokenUse); got != tc.use {
				t.Errorf("TokenUse = %q, want %q", got, tc.use)
			}
			if got := id.ClientID; got != clientID {
				t.Errorf("ClientID = %q, want %q", got, clientID)
			}
			if got := id.Username; got != alice.Username {
				t.Errorf("Username = %q, want %q", got, alice.Username)
			}
			if got := id.Issuer; got != f.pool.Issuer {
				t.Errorf("Issuer = %q, want %q", got, f.pool.Issuer)
			}
			if got := strings.Join(claims.Groups(), ","); got != "admins,staff" {
				t.Errorf("Groups() = %q, want admins,staff", got)
			}
			if got, want := len(claims.Map()), len(tc.claims); got != want {
				t.Errorf("len(Map()) = %d, want %d", got, want)
			}
		})
	}
}

func TestPoolIssuerRejectsBadConfig(t *testing.T) {
	keys := jwkset.NewMemoryStorage()
	good := cognito.Pool{ID: poolID, ClientIDs: []string{clientID}, TokenUses: []cognito.TokenUse{cognito.IDToken}}
	for name, change := range map[string]func(*cognito.Pool){
		"pool id":    func(p *cognito.Pool) { p.ID = "AbC123xyz" },
		"no clients": func(p *cognito.Pool) { p.ClientIDs = nil },
		"no uses":    func(p *cognito.Pool) { p.TokenUses = nil },
		"bad use":    func(p *cognito.Pool) { p.TokenUses = []cognito.TokenUse{"refresh"} },
	} {
		p := good
		change(&p)
		if _, err := p.Issuer(keys); err == nil {
			t.Errorf("Pool.Issuer(%s) = nil error, want one", name)
		}
	}
	if _, err := good.Issuer(nil); err == nil {
		t.Error("Pool.Issuer(nil keys) = nil error, want one")
	}
	if iss, err := good.Issuer(keys); err != nil {
		t.Errorf("Pool.Issuer(good) = %v", err)
	} else if _, err := verify.New([]verify.Issuer{iss}); err != nil {
		t.Errorf("verify.New(good's issuer) = %v", err)
	}
}

// TestVerifiedContactClaims: email and phone_number count only with their
// *_verified claim true in the same token, in access tokens too (a
// pre-token-generation trigger can add them there).
func TestVerifiedContactClaims(t *testing.T) {
	f := newFixture(t, nil)
	const email, phone = "boss@acme.com", "+15550100"
	tests := []struct {
		name                 string
		emailOK, phoneOK     any // the *_verified claims; nil: absent
		wantEmail, wantPhone bool
		wantUnverified       []string
	}{
		{name: "both verified", emailOK: true, phoneOK: true, wantEmail: true, wantPhone: true},
		{name: "verified as strings", emailOK: "true", phoneOK: "true", wantEmail: true, wantPhone: true},
		{name: "both false", emailOK: false, phoneOK: false, wantUnverified: []string{"email", "phone_number"}},
		{name: "no verified claims", wantUnverified: []string{"email", "phone_number"}},
		{name: "other strings", emailOK: "yes", phoneOK: "True", wantUnverified: []string{"email", "phone_number"}},
		{name: "email only", emailOK: true, phoneOK: false, wantEmail: true, wantUnverified: []string{"phone_number"}},
	}
	for _, kind := range []cognito.TokenUse{cognito.IDToken, cognito.AccessToken} {
		for _, tt := range tests {
			t.Run(string(kind)+"/"+tt.name, func(t *testing.T) {
				claims := f.pool.AccessClaims(cognitotest.User{Sub: alice.Sub, Username: alice.Username}, now)
				if kind == cognito.IDToken {
					claims = f.pool.IDClaims(cognitotest.User{Sub: alice.Sub, Username: alice.Username}, now)
				}
				claims["email"], claims["phone_number"] = email, phone
				for name, v := range map[string]any{"email_verified": tt.emailOK, "phone_number_verified": tt.phoneOK} {
					if v != nil {
						claims[name] = v
					}
				}
				got, err := f.verifier.Verify(context.Background(), f.sign(t, claims))
				if err != nil {
					t.Fatalf("Verify() = %v, want no error", err)
				}
				wantEmail := ""
				if tt.wantEmail {
					wantEmail = email
				}
				if id := got.Identity(); id.Email != wantEmail {
					t.Errorf("Identity().Email = %q, want %q", id.Email, wantEmail)
				}
				if v, ok := got.Claim("email"); ok != tt.wantEmail || (ok && v != email) {
					t.Errorf("Claim(email) = %v, %t, want %t", v, ok, tt.wantEmail)
				}
				if v, ok := got.Claim("phone_number"); ok != tt.wantPhone || (ok && v != phone) {
					t.Errorf("Claim(phone_number) = %v, %t, want %t", v, ok, tt.wantPhone)
				}
				if diff := cmp.Diff(tt.wantUnverified, got.Identity().Unverified); diff != "" {
					t.Errorf("Identity().Unverified (-want +got):\n%s", diff)
				}
			})
		}
	}
}

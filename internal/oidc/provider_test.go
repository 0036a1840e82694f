package oidc_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/MicahParks/jwkset"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/gatehouse-dev/cognito-authorizer/internal/oidc"
	"github.com/gatehouse-dev/cognito-authorizer/internal/verify"
)

// noKeys stands for a key source in tests of Check, which reads none.
type noKeys struct{ jwkset.Storage }

const testIssuer = "https://login.example.com/"

// check returns the Check of p, an issuer of testIssuer for the audience
// api unless p says otherwise.
func check(tb testing.TB, p oidc.Provider) func(map[string]any) (verify.Identity, error) {
	tb.Helper()
	if p.IssuerURL == "" {
		p.IssuerURL = testIssuer
	}
	if p.Audiences == nil {
		p.Audiences = []string{"api"}
	}
	iss, err := p.Issuer(noKeys{})
	if err != nil {
		tb.Fatal(err)
	}
	return iss.Check
}

// claims decodes JSON as jwt does, numbers as float64.
func claims(tb testing.TB, s string) map[string]any {
	tb.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		tb.Fatalf("claims %s: %v", s, err)
	}
	return m
}

func TestIssuer(t *testing.T) {
	iss, err := oidc.Provider{IssuerURL: testIssuer, Audiences: []string{"api"}}.Issuer(noKeys{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{testIssuer}, iss.Names); diff != "" {
		t.Errorf("Names (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"RS256"}, iss.Algorithms); diff != "" {
		t.Errorf("Algorithms (-want +got):\n%s", diff)
	}
	iss, err = oidc.Provider{IssuerURL: testIssuer, Audiences: []string{"api"}, Algorithms: []string{"ES256", "RS256"}}.Issuer(noKeys{})
	if err != nil || !cmp.Equal(iss.Algorithms, []string{"ES256", "RS256"}) {
		t.Errorf("Issuer(ES256, RS256) = %v, %v; want both algorithms", iss.Algorithms, err)
	}
}

func TestIssuerRefuses(t *testing.T) {
	valid := oidc.Provider{IssuerURL: testIssuer, Audiences: []string{"api"}}
	tests := []struct {
		name   string
		edit   func(*oidc.Provider)
		noKeys bool
	}{
		{name: "no issuer", edit: func(p *oidc.Provider) { p.IssuerURL = "" }},
		{name: "no audiences", edit: func(p *oidc.Provider) { p.Audiences = nil }},
		{name: "empty audience", edit: func(p *oidc.Provider) { p.Audiences = []string{"api", ""} }},
		{name: "none", edit: func(p *oidc.Provider) { p.Algorithms = []string{"none"} }},
		{name: "HMAC", edit: func(p *oidc.Provider) { p.Algorithms = []string{"RS256", "HS256"} }},
		{name: "lower case", edit: func(p *oidc.Provider) { p.Algorithms = []string{"rs256"} }},
		{name: "scope claim", edit: func(p *oidc.Provider) { p.ScopeClaim = "scopes" }},
		{name: "no keys", edit: func(*oidc.Provider) {}, noKeys: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := valid
			tt.edit(&p)
			var keys jwkset.Storage = noKeys{}
			if tt.noKeys {
				keys = nil
			}
			if _, err := p.Issuer(keys); err == nil {
				t.Errorf("Issuer(%+v) = nil error, want one", p)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	long := strings.Repeat("g", oidc.MaxNameSize+1)
	many := `["` + strings.Repeat(`g", "`, oidc.MaxListLength) + `g"]`
	tests := []struct {
		name     string
		provider oidc.Provider
		claims   string
		want     verify.Identity
		wantErr  error
	}{
		{
			name:   "minimal",
			claims: `{"sub": "u1", "aud": "api"}`,
			want:   verify.Identity{Subject: "u1", ClientID: "api"},
		},
		{
			name:     "aud array, the matched audience is the client",
			provider: oidc.Provider{Audiences: []string{"api", "api2"}},
			claims:   `{"sub": "u1", "aud": ["other", "api2", "api"]}`,
			want:     verify.Identity{Subject: "u1", ClientID: "api2"},
		},
		{
			name:   "azp is the client",
			claims: `{"sub": "u1", "aud": "api", "azp": "web", "client_id": "m2m"}`,
			want:   verify.Identity{Subject: "u1", ClientID: "web"},
		},
		{
			name:   "client_id without azp",
			claims: `{"sub": "u1", "aud": "api", "azp": 7, "client_id": "m2m"}`,
			want:   verify.Identity{Subject: "u1", ClientID: "m2m"},
		},
		{
			name:   "verified email and preferred_username",
			claims: `{"sub": "u1", "aud": "api", "preferred_username": "ann", "email": "ann@example.com", "email_verified": true, "token_use": "access"}`,
			// token_use is Cognito's: hidden, not read.
			want: verify.Identity{Subject: "u1", ClientID: "api", Username: "ann", Email: "ann@example.com", Unverified: []string{"token_use"}},
		},
		{
			name:   "unverified email and phone",
			claims: `{"sub": "u1", "aud": "api", "email": "ann@example.com", "email_verified": "true", "phone_number": "+4912345"}`,
			want:   verify.Identity{Subject: "u1", ClientID: "api", Unverified: []string{"email", "phone_number"}},
		},
		{
			name:   "verified phone",
			claims: `{"sub": "u1", "aud": "api", "phone_number": "+4912345", "phone_number_verified": true}`,
			want:   verify.Identity{Subject: "u1", ClientID: "api"},
		},
		{
			name:   "groups array",
			claims: `{"sub": "u1", "aud": "api", "groups": ["a", "b"]}`,
			want:   verify.Identity{Subject: "u1", ClientID: "api", Groups: []string{"a", "b"}},
		},
		{
			name:   "groups one string",
			claims: `{"sub": "u1", "aud": "api", "groups": "a b"}`,
			want:   verify.Identity{Subject: "u1", ClientID: "api", Groups: []string{"a b"}},
		},
		{
			name:   "groups null",
			claims: `{"sub": "u1", "aud": "api", "groups": null}`,
			want:   verify.Identity{Subject: "u1", ClientID: "api"},
		},
		{
			name:     "groups under a URL",
			provider: oidc.Provider{GroupsClaim: "https://example.com/groups"},
			claims:   `{"sub": "u1", "aud": "api", "groups": ["not", "these"], "https://example.com/groups": ["a"]}`,
			want:     verify.Identity{Subject: "u1", ClientID: "api", Groups: []string{"a"}},
		},
		{
			name:   "scope",
			claims: `{"sub": "u1", "aud": "api", "scope": " read  write ", "scp": ["no"]}`,
			want:   verify.Identity{Subject: "u1", ClientID: "api", Scopes: []string{"read", "write"}},
		},
		{
			name:     "scp array",
			provider: oidc.Provider{ScopeClaim: "scp"},
			claims:   `{"sub": "u1", "aud": "api", "scope": "no", "scp": ["read", "write"]}`,
			want:     verify.Identity{Subject: "u1", ClientID: "api", Scopes: []string{"read", "write"}},
		},
		{
			name:     "scp string",
			provider: oidc.Provider{ScopeClaim: "scp"},
			claims:   `{"sub": "u1", "aud": "api", "scp": "read write"}`,
			want:     verify.Identity{Subject: "u1", ClientID: "api", Scopes: []string{"read", "write"}},
		},
		{name: "no sub", claims: `{"aud": "api"}`, wantErr: verify.ErrInvalidClaims},
		{name: "empty sub", claims: `{"sub": "", "aud": "api"}`, wantErr: verify.ErrInvalidClaims},
		{name: "sub not a string", claims: `{"sub": 7, "aud": "api"}`, wantErr: verify.ErrInvalidClaims},
		{name: "sub too long", claims: `{"sub": "` + strings.Repeat("s", oidc.MaxSubjectSize+1) + `", "aud": "api"}`, wantErr: verify.ErrInvalidClaims},
		{name: "no aud", claims: `{"sub": "u1"}`, wantErr: verify.ErrWrongClient},
		{name: "another aud", claims: `{"sub": "u1", "aud": ["other", "API"]}`, wantErr: verify.ErrWrongClient},
		{name: "azp is not an audience", claims: `{"sub": "u1", "aud": "other", "azp": "api"}`, wantErr: verify.ErrWrongClient},
		{name: "azp too long", claims: `{"sub": "u1", "aud": "api", "azp": "` + long + `"}`, wantErr: verify.ErrInvalidClaims},
		{name: "aud a number", claims: `{"sub": "u1", "aud": 7}`, wantErr: verify.ErrInvalidClaims},
		{name: "aud null", claims: `{"sub": "u1", "aud": null}`, wantErr: verify.ErrInvalidClaims},
		{name: "aud holds a number", claims: `{"sub": "u1", "aud": ["api", 7]}`, wantErr: verify.ErrInvalidClaims},
		{name: "groups an object", claims: `{"sub": "u1", "aud": "api", "groups": {"a": true}}`, wantErr: verify.ErrInvalidClaims},
		{name: "groups a number", claims: `{"sub": "u1", "aud": "api", "groups": 7}`, wantErr: verify.ErrInvalidClaims},
		{name: "groups hold a number", claims: `{"sub": "u1", "aud": "api", "groups": ["a", 7]}`, wantErr: verify.ErrInvalidClaims},
		{name: "group empty", claims: `{"sub": "u1", "aud": "api", "groups": ["a", ""]}`, wantErr: verify.ErrInvalidClaims},
		{name: "group too long", claims: `{"sub": "u1", "aud": "api", "groups": ["` + long + `"]}`, wantErr: verify.ErrInvalidClaims},
		{name: "too many groups", claims: `{"sub": "u1", "aud": "api", "groups": ` + many + `}`, wantErr: verify.ErrInvalidClaims},
		{name: "scope an array", claims: `{"sub": "u1", "aud": "api", "scope": ["read"]}`, wantErr: verify.ErrInvalidClaims},
		{name: "scope too long", claims: `{"sub": "u1", "aud": "api", "scope": "` + long + `"}`, wantErr: verify.ErrInvalidClaims},
		{name: "scp a number", provider: oidc.Provider{ScopeClaim: "scp"}, claims: `{"sub": "u1", "aud": "api", "scp": 7}`, wantErr: verify.ErrInvalidClaims},
		{name: "too many scp", provider: oidc.Provider{ScopeClaim: "scp"}, claims: `{"sub": "u1", "aud": "api", "scp": ` + many + `}`, wantErr: verify.ErrInvalidClaims},
		{name: "too many scopes in one string", claims: `{"sub": "u1", "aud": "api", "scope": "` + strings.TrimSpace(strings.Repeat("s ", oidc.MaxListLength+1)) + `"}`, wantErr: verify.ErrInvalidClaims},
		{name: "too many audiences", claims: `{"sub": "u1", "aud": ` + many + `}`, wantErr: verify.ErrInvalidClaims},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := check(t, tt.provider)(claims(t, tt.claims))
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Check(%.100s) = %v, want %v", tt.claims, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Check(%.100s) = %v, want nil", tt.claims, err)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Check(%.100s) identity (-want +got):\n%s", tt.claims, diff)
			}
		})
	}
}

// TestCheckErrorsAreOneKind: each refusal of Check matches exactly one of
// verify's errors, as Verify promises.
func TestCheckErrorsAreOneKind(t *testing.T) {
	for _, c := range []string{`{}`, `{"sub": "u1"}`, `{"sub": "u1", "aud": 7}`, `{"sub": "u1", "aud": "api", "groups": 7}`} {
		_, err := check(t, oidc.Provider{})(claims(t, c))
		var n int
		for _, e := range verify.Errors {
			if errors.Is(err, e) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("Check(%s) = %v, matching %d of verify.Errors; want 1", c, err, n)
		}
	}
}

package oidc_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/gatehouse-dev/cognito-authorizer/internal/jwks"
	"github.com/gatehouse-dev/cognito-authorizer/internal/oidc"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/clocktest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/oidctest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/verify"
)

// both are the algorithms of oidctest's two keys.
var both = []string{oidctest.RS256, oidctest.ES256}

// env is a verifier of one OpenID issuer whose keys are discovered at op.
type env struct {
	op     *oidctest.Provider
	clock  *clocktest.Clock
	keys   *oidc.Keys
	v      *verify.Verifier
	caches atomic.Int32 // key caches made by discovery
}

// newEnv returns a verifier of p (whose IssuerURL defaults to op's issuer
// and Audiences to "api"), its keys discovered at p.IssuerURL, on a clock of
// its own that only the test moves.
func newEnv(tb testing.TB, op *oidctest.Provider, p oidc.Provider, opts ...oidc.Option) *env {
	tb.Helper()
	if p.IssuerURL == "" {
		p.IssuerURL = op.Issuer()
	}
	if p.Audiences == nil {
		p.Audiences = []string{"api"}
	}
	e := &env{op: op, clock: clocktest.New(time.Now())}
	algs := p.Algorithms
	if algs == nil {
		algs = []string{"RS256"}
	}
	newKeys := func(jwksURL string) (*jwks.Cache, error) {
		e.caches.Add(1)
		return jwks.New(jwksURL, jwks.KeyPolicy{Algorithms: algs}, jwks.WithClock(e.clock.Now))
	}
	keys, err := oidc.NewKeys(p.IssuerURL, newKeys, append([]oidc.Option{oidc.WithClock(e.clock.Now)}, opts...)...)
	if err != nil {
		tb.Fatal(err)
	}
	iss, err := p.Issuer(keys)
	if err != nil {
		tb.Fatal(err)
	}
	v, err := verify.New([]verify.Issuer{iss}, verify.WithClock(e.clock.Now))
	if err != nil {
		tb.Fatal(err)
	}
	e.keys, e.v = keys, v
	return e
}

// token returns a token of op signed with alg, for sub "user-1" and aud
// "api" issued now, edited by edit.
func (e *env) token(tb testing.TB, alg string, edit func(map[string]any)) string {
	tb.Helper()
	c := e.op.Claims("user-1", "api", nil, e.clock.Now())
	if edit != nil {
		edit(c)
	}
	tok, err := e.op.Token(c, alg)
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

func TestVerify(t *testing.T) {
	op := oidctest.Start(t)
	tests := []struct {
		name     string
		provider oidc.Provider
		alg      string
		edit     func(map[string]any)
		want     verify.Identity // Issuer is op's
		wantErr  error
	}{
		{
			name:     "RS256",
			provider: oidc.Provider{Algorithms: both},
			alg:      oidctest.RS256,
			want:     verify.Identity{Subject: "user-1", ClientID: "api"},
		},
		{
			name:     "ES256",
			provider: oidc.Provider{Algorithms: both},
			alg:      oidctest.ES256,
			want:     verify.Identity{Subject: "user-1", ClientID: "api"},
		},
		{
			name:     "ES256 only",
			provider: oidc.Provider{Algorithms: []string{oidctest.ES256}},
			alg:      oidctest.ES256,
			edit: func(c map[string]any) {
				c["azp"] = "web"
				c["preferred_username"] = "ann"
				c["email"], c["email_verified"] = "ann@example.com", true
			},
			want: verify.Identity{Subject: "user-1", ClientID: "web", Username: "ann", Email: "ann@example.com"},
		},
		{
			name:     "aud array",
			provider: oidc.Provider{Audiences: []string{"api", "api2"}},
			alg:      oidctest.RS256,
			edit:     func(c map[string]any) { c["aud"] = []string{"https://other.example.com", "api2"} },
			want:     verify.Identity{Subject: "user-1", ClientID: "api2"},
		},
		{
			name:    "aud of another audience",
			alg:     oidctest.RS256,
			edit:    func(c map[string]any) { c["aud"] = "https://other.example.com" },
			wantErr: verify.ErrWrongClient,
		},
		{
			name:    "aud array of other audiences",
			alg:     oidctest.RS256,
			edit:    func(c map[string]any) { c["aud"] = []string{"other", "API"} },
			wantErr: verify.ErrWrongClient,
		},
		{
			name:    "aud malformed",
			alg:     oidctest.RS256,
			edit:    func(c map[string]any) { c["aud"] = []any{"api", 7} },
			wantErr: verify.ErrInvalidClaims,
		},
		{
			name: "groups array",
			alg:  oidctest.RS256,
			edit: func(c map[string]any) { c["groups"] = []string{"admins", "writers"} },
			want: verify.Identity{Subject: "user-1", ClientID: "api", Groups: []string{"admins", "writers"}},
		},
		{
			name: "groups one string",
			alg:  oidctest.RS256,
			edit: func(c map[string]any) { c["groups"] = "admins" },
			want: verify.Identity{Subject: "user-1", ClientID: "api", Groups: []string{"admins"}},
		},
		{
			name:    "groups an object",
			alg:     oidctest.RS256,
			edit:    func(c map[string]any) { c["groups"] = map[string]any{"admins": true} },
			wantErr: verify.ErrInvalidClaims,
		},
		{
			name: "scope",
			alg:  oidctest.RS256,
			edit: func(c map[string]any) { c["scope"] = "orders:read orders:write"; c["scp"] = []string{"ignored"} },
			want: verify.Identity{Subject: "user-1", ClientID: "api", Scopes: []string{"orders:read", "orders:write"}},
		},
		{
			name:    "scope an array",
			alg:     oidctest.RS256,
			edit:    func(c map[string]any) { c["scope"] = []string{"orders:read"} },
			wantErr: verify.ErrInvalidClaims,
		},
		{
			name:     "scp array",
			provider: oidc.Provider{ScopeClaim: "scp"},
			alg:      oidctest.RS256,
			edit:     func(c map[string]any) { c["scp"] = []string{"orders:read", "orders:write"}; c["scope"] = "ignored" },
			want:     verify.Identity{Subject: "user-1", ClientID: "api", Scopes: []string{"orders:read", "orders:write"}},
		},
		{
			name:     "scp string",
			provider: oidc.Provider{ScopeClaim: "scp"},
			alg:      oidctest.RS256,
			edit:     func(c map[string]any) { c["scp"] = "orders:read orders:write" },
			want:     verify.Identity{Subject: "user-1", ClientID: "api", Scopes: []string{"orders:read", "orders:write"}},
		},
		{
			name:    "ES256 token, RS256 issuer",
			alg:     oidctest.ES256,
			wantErr: verify.ErrAlgorithm,
		},
		{
			name:     "RS256 token, ES256 issuer",
			provider: oidc.Provider{Algorithms: []string{oidctest.ES256}},
			alg:      oidctest.RS256,
			wantErr:  verify.ErrAlgorithm,
		},
		{
			name:    "no sub",
			alg:     oidctest.RS256,
			edit:    func(c map[string]any) { delete(c, "sub") },
			wantErr: verify.ErrInvalidClaims,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, op, tt.provider)
			tok := e.token(t, tt.alg, tt.edit)
			got, err := e.v.Verify(t.Context(), tok)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Verify() = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Verify() = %v, want nil", err)
			}
			tt.want.Issuer = op.Issuer()
			if diff := cmp.Diff(tt.want, *got.Identity(), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Verify() identity (-want +got):\n%s", diff)
			}
		})
	}
}

// TestGroupsUnderURL: the groups of a provider that names its claim by a
// URL, as Auth0's custom claims are, and of a tenant's issuer below a
// path.
func TestGroupsUnderURL(t *testing.T) {
	const claim = "https://example.com/groups"
	op := oidctest.Start(t, oidctest.WithIssuerPath("/tenant-a/"), oidctest.WithGroupsClaim(claim))
	e := newEnv(t, op, oidc.Provider{GroupsClaim: claim})
	tok, err := op.Token(op.Claims("user-1", "api", []string{"admins"}, e.clock.Now()), oidctest.RS256)
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.v.Verify(t.Context(), tok)
	if err != nil {
		t.Fatalf("Verify() = %v, want nil", err)
	}
	if id := got.Identity(); !strings.HasSuffix(id.Issuer, "/tenant-a/") || !cmp.Equal(id.Groups, []string{"admins"}) {
		t.Errorf("Verify() identity = %+v, want issuer .../tenant-a/ and groups [admins]", id)
	}
}

// TestIssuerIsExact: an issuer that differs by a trailing slash is another
// issuer, in a token as in the discovery document.
func TestIssuerIsExact(t *testing.T) {
	op := oidctest.Start(t, oidctest.WithIssuerPath("/"))
	withSlash := op.Issuer()
	withoutSlash := strings.TrimSuffix(withSlash, "/")

	e := newEnv(t, op, oidc.Provider{IssuerURL: withSlash})
	if _, err := e.v.Verify(t.Context(), e.token(t, oidctest.RS256, nil)); err != nil {
		t.Fatalf("Verify(iss %q) = %v, want nil", withSlash, err)
	}
	tok := e.token(t, oidctest.RS256, func(c map[string]any) { c["iss"] = withoutSlash })
	if _, err := e.v.Verify(t.Context(), tok); !errors.Is(err, verify.ErrWrongIssuer) {
		t.Errorf("Verify(iss %q) = %v, want %v", withoutSlash, err, verify.ErrWrongIssuer)
	}

	// Configured without the slash, the document (same URL) names the
	// issuer with it: not this issuer's document.
	e = newEnv(t, op, oidc.Provider{IssuerURL: withoutSlash})
	_, err := e.v.Verify(t.Context(), tok)
	if !errors.Is(err, verify.ErrKeysUnavailable) || !strings.Contains(err.Error(), "the document's issuer is") {
		t.Errorf("Verify() with the document's issuer %q, configured %q = %v, want %v saying why", withSlash, withoutSlash, err, verify.ErrKeysUnavailable)
	}
	if n := e.caches.Load(); n != 0 {
		t.Errorf("key caches made = %d, want 0", n)
	}
}

// TestDiscoveryOutage: while the provider is down, keys are unavailable (an
// outage, not a refused token) and discovery is retried once per retry
// interval; once it is back and the interval has passed, tokens verify.
func TestDiscoveryOutage(t *testing.T) {
	op := oidctest.Start(t)
	op.SetDown(true)
	e := newEnv(t, op, oidc.Provider{}, oidc.WithRetryInterval(10*time.Second))
	tok := e.token(t, oidctest.RS256, nil)

	for i := range 3 {
		if _, err := e.v.Verify(t.Context(), tok); !errors.Is(err, verify.ErrKeysUnavailable) {
			t.Fatalf("Verify() %d while down = %v, want %v", i, err, verify.ErrKeysUnavailable)
		}
	}
	_, err := e.keys.KeyRead(t.Context(), op.KeyID(oidctest.RS256))
	if !errors.Is(err, jwks.ErrUnavailable) || !strings.Contains(err.Error(), "status 503") {
		t.Errorf("KeyRead() while down = %v, want %v saying status 503", err, jwks.ErrUnavailable)
	}
	if n := op.DiscoveryRequests(); n != 1 {
		t.Errorf("discovery requests while down = %d, want 1 within the retry interval", n)
	}

	op.SetDown(false)
	if _, err := e.v.Verify(t.Context(), tok); !errors.Is(err, verify.ErrKeysUnavailable) {
		t.Errorf("Verify() back up, within the retry interval = %v, want %v", err, verify.ErrKeysUnavailable)
	}
	e.clock.Add(10 * time.Second)
	if _, err := e.v.Verify(t.Context(), tok); err != nil {
		t.Fatalf("Verify() back up, past the retry interval = %v, want nil", err)
	}
	if d, j := op.DiscoveryRequests(), op.JWKSRequests(); d != 2 || j != 1 {
		t.Errorf("requests = %d discovery, %d JWKS; want 2, 1", d, j)
	}
	if got := e.keys.JWKSURL(); got != op.JWKSURL() {
		t.Errorf("JWKSURL() = %q, want %q", got, op.JWKSURL())
	}

	// Discovered once: a JWKS outage now is the key cache's business.
	e.clock.Add(time.Minute)
	if _, err := e.v.Verify(t.Context(), e.token(t, oidctest.RS256, nil)); err != nil {
		t.Errorf("Verify() after discovery = %v, want nil", err)
	}
	if d := op.DiscoveryRequests(); d != 2 {
		t.Errorf("discovery requests = %d after success, want still 2", d)
	}
}

// TestDocumentRefused: a discovery document that names another issuer, or a
// jwks_uri that is not an absolute https URL (http on loopback aside), is
// refused as an outage, and no key cache is made.
func TestDocumentRefused(t *testing.T) {
	tests := []struct {
		field string
		value any
		want  string // in the error
	}{
		{field: "issuer", value: "https://login.example.com", want: `the document's issuer is "https://login.example.com"`},
		{field: "issuer", value: nil, want: `the document's issuer is ""`},
		{field: "jwks_uri", value: "http://keys.example.com/jwks", want: "plain http is allowed only for a loopback host"},
		{field: "jwks_uri", value: "/jwks", want: "jwks_uri"},
		{field: "jwks_uri", value: nil, want: "jwks_uri"},
		{field: "jwks_uri", value: "ftp://keys.example.com/jwks", want: "jwks_uri"},
		{field: "jwks_uri", value: "https://user:secret@keys.example.com/jwks", want: "jwks_uri"},
		{field: "jwks_uri", value: 42, want: "not a JSON object of strings"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s=%v", tt.field, tt.value), func(t *testing.T) {
			op := oidctest.Start(t)
			op.SetDocumentField(tt.field, tt.value)
			e := newEnv(t, op, oidc.Provider{})
			_, err := e.keys.KeyRead(t.Context(), op.KeyID(oidctest.RS256))
			if !errors.Is(err, jwks.ErrUnavailable) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("KeyRead() = %v, want %v saying %q", err, jwks.ErrUnavailable, tt.want)
			}
			if _, err := e.v.Verify(t.Context(), e.token(t, oidctest.RS256, nil)); !errors.Is(err, verify.ErrKeysUnavailable) {
				t.Errorf("Verify() = %v, want %v", err, verify.ErrKeysUnavailable)
			}
			if n := e.caches.Load(); n != 0 || op.JWKSRequests() != 0 {
				t.Errorf("key caches made = %d, JWKS requests = %d; want 0, 0", n, op.JWKSRequests())
			}
		})
	}
}

// TestBadResponses: what no provider's discovery should answer with, from a
// server that is not oidctest.
func TestBadResponses(t *testing.T) {
	doc := func(w http.ResponseWriter, r *http.Request) {
		base := "http://" + r.Host
		json.NewEncoder(w).Encode(map[string]string{"issuer": base, "jwks_uri": base + "/jwks"})
	}
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    string
	}{
		{
			name: "redirect",
			handler: func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/elsewhere" {
					doc(w, r)
					return
				}
				http.Redirect(w, r, "/elsewhere", http.StatusFound)
			},
			want: "status 302",
		},
		{
			name:    "server error",
			handler: func(w http.ResponseWriter, r *http.Request) { http.Error(w, "oops", http.StatusInternalServerError) },
			want:    "status 500",
		},
		{
			name:    "not JSON",
			handler: func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<html>")) },
			want:    "not a JSON object",
		},
		{
			name:    "array",
			handler: func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("[]")) },
			want:    "not a JSON object",
		},
		{
			name: "too large",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Write([]byte(`{"x": "` + strings.Repeat("x", oidc.MaxDocumentSize) + `"}`))
			},
			want: "larger than",
		},
		{
			name: "hangs",
			handler: func(w http.ResponseWriter, r *http.Request) {
				<-r.Context().Done()
			},
			want: "deadline exceeded",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			t.Cleanup(srv.Close)
			made := false
			keys, err := oidc.NewKeys(srv.URL, func(string) (*jwks.Cache, error) { made = true; return nil, errors.New("unreachable") },
				oidc.WithTimeout(100*time.Millisecond), oidc.WithHTTPClient(srv.Client()))
			if err != nil {
				t.Fatal(err)
			}
			_, err = keys.KeyRead(t.Context(), "kid")
			if !errors.Is(err, jwks.ErrUnavailable) || !strings.Contains(err.Error(), tt.want) || made {
				t.Errorf("KeyRead() = %v (key cache made: %v), want %v saying %q", err, made, jwks.ErrUnavailable, tt.want)
			}
		})
	}
}

// TestConcurrentKeyReads: callers that arrive while discovery runs wait for
// it rather than start their own.
func TestConcurrentKeyReads(t *testing.T) {
	op := oidctest.Start(t)
	e := newEnv(t, op, oidc.Provider{})
	release := op.Hold()
	defer release()

	const callers = 8
	errs := make(chan error, callers)
	var wg sync.WaitGroup
	for range callers {
		wg.Go(func() {
			_, err := e.keys.KeyRead(t.Context(), op.KeyID(oidctest.RS256))
			errs <- err
		})
	}
	deadline := time.Now().Add(5 * time.Second)
	for op.DiscoveryRequests() == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	// Give every caller time to reach the discovery in flight; any caller
	// that does not is served by the cache, which proves nothing but
	// fails nothing either.
	time.Sleep(50 * time.Millisecond)
	release()
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("KeyRead() = %v, want nil", err)
		}
	}
	if d, j, c := op.DiscoveryRequests(), op.JWKSRequests(), e.caches.Load(); d != 1 || j != 1 || c != 1 {
		t.Errorf("%d callers made %d discovery requests, %d JWKS requests and %d key caches; want 1 each", callers, d, j, c)
	}
}

// TestWaitBoundedByContext: a caller waiting on another's discovery gives
// up at its own deadline, as an outage.
func TestWaitBoundedByContext(t *testing.T) {
	op := oidctest.Start(t)
	e := newEnv(t, op, oidc.Provider{})
	release := op.Hold()
	defer release()
	first := make(chan error, 1)
	go func() {
		_, err := e.keys.KeyRead(t.Context(), op.KeyID(oidctest.RS256))
		first <- err
	}()
	for op.DiscoveryRequests() == 0 {
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	if _, err := e.keys.KeyRead(ctx, op.KeyID(oidctest.RS256)); !errors.Is(err, jwks.ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("KeyRead() past its deadline = %v, want %v and %v", err, jwks.ErrUnavailable, context.DeadlineExceeded)
	}
	release()
	if err := <-first; err != nil {
		t.Errorf("first KeyRead() = %v, want nil", err)
	}
}

func TestRefresh(t *testing.T) {
	op := oidctest.Start(t)
	op.SetDown(true)
	e := newEnv(t, op, oidc.Provider{}, oidc.WithRetryInterval(time.Hour))
	if err := e.keys.Refresh(t.Context()); err == nil || !strings.Contains(err.Error(), "status 503") {
		t.Errorf("Refresh() while down = %v, want status 503", err)
	}
	op.SetDown(false)
	// Refresh does not wait for the retry interval: it is called at start
	// and by hand.
	if err := e.keys.Refresh(t.Context()); err != nil {
		t.Fatalf("Refresh() = %v, want nil", err)
	}
	if d, j := op.DiscoveryRequests(), op.JWKSRequests(); d != 2 || j != 1 {
		t.Errorf("requests = %d discovery, %d JWKS; want 2, 1", d, j)
	}
	if _, err := e.keys.KeyRead(t.Context(), op.KeyID(oidctest.RS256)); err != nil {
		t.Errorf("KeyRead() after Refresh = %v, want nil", err)
	}
	if err := e.keys.Refresh(t.Context()); err != nil {
		t.Errorf("second Refresh() = %v, want nil", err)
	}
	if d, j := op.DiscoveryRequests(), op.JWKSRequests(); d != 2 || j != 2 {
		t.Errorf("after a second Refresh, requests = %d discovery, %d JWKS; want 2 (discovered once), 2", d, j)
	}
}

func TestLog(t *testing.T) {
	op := oidctest.Start(t)
	var buf bytes.Buffer
	e := newEnv(t, op, oidc.Provider{}, oidc.WithLogger(slog.New(slog.NewJSONHandler(&buf, nil))))
	op.SetDown(true)
	e.keys.KeyRead(t.Context(), op.KeyID(oidctest.RS256))
	op.SetDown(false)
	e.clock.Add(time.Second)
	e.keys.KeyRead(t.Context(), op.KeyID(oidctest.RS256))

	type line struct {
		Level      string `json:"level"`
		Issuer     string `json:"issuer"`
		JWKSURI    string `json:"jwks_uri"`
		Outcome    string `json:"outcome"`
		DurationMS *int64 `json:"duration_ms"`
		Error      string `json:"error"`
	}
	var lines []line
	for l := range strings.Lines(buf.String()) {
		var got line
		if err := json.Unmarshal([]byte(l), &got); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		if got.DurationMS == nil {
			t.Errorf("log line %q has no duration_ms", l)
		}
		got.DurationMS = nil
		lines = append(lines, got)
	}
	want := []line{
		{Level: "ERROR", Issuer: op.Issuer(), Outcome: "failed", Error: fmt.Sprintf("oidc: discovery of %q: GET %s: status 503", op.Issuer(), op.DiscoveryURL())},
		{Level: "INFO", Issuer: op.Issuer(), JWKSURI: op.JWKSURL(), Outcome: "ok"},
	}
	if diff := cmp.Diff(want, lines); diff != "" {
		t.Errorf("log (-want +got):\n%s", diff)
	}
}

func TestNewKeys(t *testing.T) {
	newKeys := func(string) (*jwks.Cache, error) { return nil, errors.New("unused") }
	for _, issuer := range []string{
		"https://login.example.com", "https://login.example.com/", "https://login.example.com/tenant-a/v2.0",
		"http://127.0.0.1:8080", "http://[::1]:8080/", "http://localhost:8080/realms/dev",
	} {
		if _, err := oidc.NewKeys(issuer, newKeys); err != nil {
			t.Errorf("NewKeys(%q) = %v, want nil", issuer, err)
		}
	}
	for _, issuer := range []string{
		"", "login.example.com", "/tenant", "http://login.example.com", "http://10.0.0.1/", "ftp://login.example.com",
		"https://login.example.com?tenant=a", "https://login.example.com#a", "https://user@login.example.com",
	} {
		if _, err := oidc.NewKeys(issuer, newKeys); err == nil {
			t.Errorf("NewKeys(%q) = nil error, want one", issuer)
		}
	}
	if _, err := oidc.NewKeys("https://login.example.com", nil); err == nil {
		t.Error("NewKeys(nil key cache constructor) = nil error, want one")
	}
}

// TestStorage: Keys is read by kid only and never written, as a
// jwks.Cache; its set is empty until discovery, then the cache's.
func TestStorage(t *testing.T) {
	op := oidctest.Start(t)
	e := newEnv(t, op, oidc.Provider{Algorithms: both})
	ctx := t.Context()
	count := func() int {
		t.Helper()
		m, err := e.keys.Marshal(ctx)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := e.keys.JSONPrivate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var set jwkset.JWKSMarshal
		if err := json.Unmarshal(raw, &set); err != nil || len(set.Keys) != len(m.Keys) {
			t.Fatalf("JSONPrivate() = %s, %v; want the keys of Marshal()", raw, err)
		}
		for _, k := range set.Keys {
			if k.D != "" {
				t.Errorf("JSONPrivate() key %s has private material", k.KID)
			}
		}
		return len(m.Keys)
	}
	if n := count(); n != 0 {
		t.Errorf("keys before discovery = %d, want 0", n)
	}
	if err := e.keys.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 2 {
		t.Errorf("keys after discovery = %d, want 2", n)
	}
	jwk, err := e.keys.KeyRead(ctx, op.KeyID(oidctest.ES256))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.keys.KeyReadAll(ctx); err == nil {
		t.Error("KeyReadAll() = nil error, want one")
	}
	if err := e.keys.KeyWrite(ctx, jwk); err == nil {
		t.Error("KeyWrite() = nil error, want one")
	}
	if err := e.keys.KeyReplaceAll(ctx, nil); err == nil {
		t.Error("KeyReplaceAll() = nil error, want one")
	}
	if ok, err := e.keys.KeyDelete(ctx, op.KeyID(oidctest.ES256)); ok || err == nil {
		t.Errorf("KeyDelete() = %v, %v; want false and an error", ok, err)
	}
	if n := count(); n != 2 {
		t.Errorf("keys after the refused writes = %d, want 2", n)
	}
	if _, err := e.keys.KeyRead(ctx, "no-such-kid"); !errors.Is(err, jwks.ErrUnknownKey) {
		t.Errorf("KeyRead(no-such-kid) = %v, want %v", err, jwks.ErrUnknownKey)
	}
}

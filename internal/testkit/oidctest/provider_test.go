package oidctest_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"

	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/oidctest"
)

// get returns the status and body of GET url.
func get(tb testing.TB, url string) (int, []byte) {
	tb.Helper()
	resp, err := http.Get(url)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return resp.StatusCode, body
}

func TestDiscoveryAndKeys(t *testing.T) {
	for _, path := range []string{"", "/", "/tenant-a/"} {
		t.Run("path="+path, func(t *testing.T) {
			p := oidctest.Start(t, oidctest.WithIssuerPath(path), oidctest.WithGroupsClaim("https://example.com/groups"))
			iss := p.Issuer()
			if !strings.HasPrefix(iss, "http://127.0.0.1:") || !strings.HasSuffix(iss, path) {
				t.Fatalf("Issuer() = %q, want http://127.0.0.1:port%s", iss, path)
			}
			status, body := get(t, strings.TrimSuffix(iss, "/")+"/.well-known/openid-configuration")
			var doc map[string]any
			if err := json.Unmarshal(body, &doc); status != http.StatusOK || err != nil {
				t.Fatalf("discovery = %d %s, %v", status, body, err)
			}
			if doc["issuer"] != iss || doc["jwks_uri"] != p.JWKSURL() {
				t.Errorf("discovery document = %v, want issuer %q and jwks_uri %q", doc, iss, p.JWKSURL())
			}

			status, body = get(t, p.JWKSURL())
			if status != http.StatusOK {
				t.Fatalf("JWKS = %d %s", status, body)
			}
			set := jwkset.NewMemoryStorage()
			var m jwkset.JWKSMarshal
			if err := json.Unmarshal(body, &m); err != nil {
				t.Fatal(err)
			}
			for _, k := range m.Keys {
				if k.D != "" || k.P != "" {
					t.Errorf("JWKS key %s has private material", k.KID)
				}
				jwk, err := jwkset.NewJWKFromMarshal(k, jwkset.JWKMarshalOptions{}, jwkset.JWKValidateOptions{})
				if err != nil {
					t.Fatalf("JWKS key %s: %v", k.KID, err)
				}
				if err := set.KeyWrite(t.Context(), jwk); err != nil {
					t.Fatal(err)
				}
			}
			if p.DiscoveryRequests() != 1 || p.JWKSRequests() != 1 {
				t.Errorf("requests = %d discovery, %d JWKS; want 1, 1", p.DiscoveryRequests(), p.JWKSRequests())
			}

			now := time.Now()
			claims := p.Claims("user-1", "api", []string{"admins"}, now)
			if got := claims["https://example.com/groups"]; len(got.([]string)) != 1 {
				t.Errorf("Claims groups = %v, want [admins] under the groups claim", claims)
			}
			for _, alg := range []string{oidctest.RS256, oidctest.ES256} {
				tok, err := p.Token(claims, alg)
				if err != nil {
					t.Fatal(err)
				}
				parsed, err := jwt.Parse(tok, func(tok *jwt.Token) (any, error) {
					jwk, err := set.KeyRead(t.Context(), tok.Header["kid"].(string))
					if err != nil {
						return nil, err
					}
					return jwk.Key(), nil
				}, jwt.WithValidMethods([]string{alg}), jwt.WithIssuer(iss), jwt.WithAudience("api"))
				if err != nil {
					t.Fatalf("%s token: %v", alg, err)
				}
				if parsed.Header["kid"] != p.KeyID(alg) {
					t.Errorf("%s token kid = %v, want %s", alg, parsed.Header["kid"], p.KeyID(alg))
				}
			}
		})
	}
}

func TestTokenUnknownAlgorithm(t *testing.T) {
	p, err := oidctest.New()
	if err != nil {
		t.Fatal(err)
	}
	if tok, err := p.Token(map[string]any{"sub": "x"}, "HS256"); err == nil {
		t.Errorf("Token(HS256) = %q, nil; want an error", tok)
	}
}

func TestDownAndOverrides(t *testing.T) {
	p := oidctest.Start(t)
	p.SetDown(true)
	for _, url := range []string{p.DiscoveryURL(), p.JWKSURL()} {
		if status, _ := get(t, url); status != http.StatusServiceUnavailable {
			t.Errorf("GET %s while down = %d, want 503", url, status)
		}
	}
	p.SetDown(false)
	p.SetDocumentField("issuer", "https://other.example.com")
	p.SetDocumentField("token_endpoint", nil)
	_, body := get(t, p.DiscoveryURL())
	var doc map[string]any
	json.Unmarshal(body, &doc)
	if _, has := doc["token_endpoint"]; doc["issuer"] != "https://other.example.com" || has {
		t.Errorf("discovery document = %s, want the issuer replaced and token_endpoint removed", body)
	}
	if p.DiscoveryRequests() != 2 || p.JWKSRequests() != 1 {
		t.Errorf("requests = %d discovery, %d JWKS; want 2, 1", p.DiscoveryRequests(), p.JWKSRequests())
	}
	if status, _ := get(t, p.Issuer()+"/elsewhere"); status != http.StatusNotFound {
		t.Errorf("GET /elsewhere = %d, want 404", status)
	}
}

func TestHold(t *testing.T) {
	p := oidctest.Start(t)
	release := p.Hold()
	got := make(chan int, 1)
	go func() {
		resp, err := http.Get(p.DiscoveryURL())
		if err != nil {
			got <- 0
			return
		}
		resp.Body.Close()
		got <- resp.StatusCode
	}()
	select {
	case s := <-got:
		t.Fatalf("GET answered %d while held", s)
	case <-time.After(50 * time.Millisecond):
	}
	release()
	release()
	if s := <-got; s != http.StatusOK {
		t.Errorf("GET after release = %d, want 200", s)
	}
}

func TestServeOnce(t *testing.T) {
	p, err := oidctest.New()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	iss, stop, err := p.Serve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if iss != p.Issuer() {
		t.Errorf("Serve = %q, Issuer() = %q; want the same", iss, p.Issuer())
	}
	if _, _, err := p.Serve(ctx); err == nil {
		t.Error("second Serve = nil error, want one")
	}
	if _, err := oidctest.New(oidctest.WithIssuerPath("tenant")); err == nil {
		t.Error(`New(WithIssuerPath("tenant")) = nil error, want one`)
	}
}

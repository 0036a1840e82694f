package jwks_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/MicahParks/jwkset"

	"github.com/gatehouse-dev/cognito-authorizer/internal/jwks"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/clocktest"
)

// ecJWK is a JWK of kid "k" of a new key on curve, with alg and use unset,
// then fields set (nil: removed); private adds d.
func ecJWK(t testing.TB, curve elliptic.Curve, private bool, fields map[string]any) map[string]any {
	t.Helper()
	k, err := ecdsa.GenerateKey(curve, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var key any = &k.PublicKey
	if private {
		key = k
	}
	return toMap(t, key, private, fields)
}

// toMap marshals key as a JWK of kid "k" with fields set (nil: removed).
func toMap(t testing.TB, key any, private bool, fields map[string]any) map[string]any {
	t.Helper()
	j, err := jwkset.NewJWKFromKey(key, jwkset.JWKOptions{
		Metadata: jwkset.JWKMetadataOptions{KID: "k"},
		Marshal:  jwkset.JWKMarshalOptions{Private: private},
	})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(j.Marshal())
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]any{}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for f, v := range fields {
		if v == nil {
			delete(m, f)
			continue
		}
		m[f] = v
	}
	return m
}

// TestKeysKeptPerPolicy: a key is kept when it can verify one of the
// policy's algorithms: RSA for RS* and PS*, P-256 for ES256, P-384 for
// ES384, and a key naming its alg for that one only.
func TestKeysKeptPerPolicy(t *testing.T) {
	edPub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p256, p384, p521 := elliptic.P256(), elliptic.P384(), elliptic.P521()
	tests := []struct {
		name   string
		algs   []string
		key    map[string]any
		usable bool
	}{
		{name: "P-256 for ES256", algs: []string{"ES256"}, key: ecJWK(t, p256, false, nil), usable: true},
		{name: "P-256 alg ES256 use sig", algs: []string{"ES256"}, key: ecJWK(t, p256, false, map[string]any{"alg": "ES256", "use": "sig"}), usable: true},
		{name: "P-256 among RSA and EC algorithms", algs: []string{"RS256", "ES256", "ES384"}, key: ecJWK(t, p256, false, nil), usable: true},
		{name: "P-384 for ES384", algs: []string{"ES256", "ES384"}, key: ecJWK(t, p384, false, nil), usable: true},
		{name: "P-384 alg ES384", algs: []string{"ES384"}, key: ecJWK(t, p384, false, map[string]any{"alg": "ES384"}), usable: true},
		{name: "RSA for PS256", algs: []string{"PS256"}, key: jwk(t, 2048, map[string]any{"alg": nil}), usable: true},
		{name: "RSA alg PS256 for PS256", algs: []string{"PS256", "ES256"}, key: jwk(t, 2048, map[string]any{"alg": "PS256"}), usable: true},
		{name: "RSA alg RS384 among RS256 and RS384", algs: []string{"RS256", "RS384"}, key: jwk(t, 2048, map[string]any{"alg": "RS384"}), usable: true},

		{name: "P-256 for RS256 only", algs: []string{"RS256"}, key: ecJWK(t, p256, false, nil)},
		{name: "P-256 for ES384 only", algs: []string{"ES384"}, key: ecJWK(t, p256, false, nil)},
		{name: "P-256 alg ES384", algs: []string{"ES256", "ES384"}, key: ecJWK(t, p256, false, map[string]any{"alg": "ES384"})},
		{name: "P-384 for ES256 only", algs: []string{"ES256"}, key: ecJWK(t, p384, false, nil)},
		{name: "P-384 alg ES256", algs: []string{"ES256", "ES384"}, key: ecJWK(t, p384, false, map[string]any{"alg": "ES256"})},
		{name: "P-521", algs: []string{"ES256", "ES384"}, key: ecJWK(t, p521, false, nil)},
		{name: "P-521 alg ES512", algs: []string{"ES256", "ES384"}, key: ecJWK(t, p521, false, map[string]any{"alg": "ES512"})},
		{name: "P-256 encryption key", algs: []string{"ES256"}, key: ecJWK(t, p256, false, map[string]any{"use": "enc"})},
		{name: "P-256 point off the curve", algs: []string{"ES256"}, key: ecJWK(t, p256, false, map[string]any{"y": "AQ"})},
		{name: "P-256 without y", algs: []string{"ES256"}, key: ecJWK(t, p256, false, map[string]any{"y": nil})},
		{name: "P-256 curve renamed P-384", algs: []string{"ES256", "ES384"}, key: ecJWK(t, p256, false, map[string]any{"crv": "P-384"})},
		{name: "RSA for ES256 only", algs: []string{"ES256"}, key: jwk(t, 2048, map[string]any{"alg": nil})},
		{name: "RSA alg RS256 for PS256 only", algs: []string{"PS256"}, key: jwk(t, 2048, nil)},
		{name: "RSA alg ES256", algs: []string{"RS256", "ES256"}, key: jwk(t, 2048, map[string]any{"alg": "ES256"})},
		{name: "1024-bit RSA among EC algorithms", algs: []string{"RS256", "ES256"}, key: jwk(t, 1024, nil)},
		{name: "Ed25519", algs: []string{"ES256", "RS256"}, key: toMap(t, edPub, false, map[string]any{"alg": nil})},
		{name: "Ed25519 alg EdDSA", algs: []string{"ES256", "RS256"}, key: toMap(t, edPub, false, map[string]any{"alg": "EdDSA"})},
		{name: "oct key", algs: []string{"RS256", "ES256"}, key: map[string]any{"kty": "oct", "kid": "k", "k": "c2VjcmV0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t)
			body := jwksDoc(t, tt.key)
			s.body.Store(&body)
			c := clocktest.New(time.Unix(1_800_000_000, 0))
			cache, err := jwks.New(s.url, jwks.KeyPolicy{Algorithms: tt.algs}, jwks.WithClock(c.Now))
			if err != nil {
				t.Fatal(err)
			}
			got, err := cache.KeyRead(context.Background(), "k")
			if !tt.usable {
				if !errors.Is(err, jwks.ErrUnavailable) {
					t.Fatalf("KeyRead() = %v, want %v: the set has no usable key", err, jwks.ErrUnavailable)
				}
				return
			}
			if err != nil {
				t.Fatalf("KeyRead() = %v, want the key", err)
			}
			if !slices.ContainsFunc(tt.algs, func(alg string) bool {
				_, err := jwks.VerificationKey(got, alg)
				return err == nil
			}) {
				t.Errorf("the key kept verifies none of %v", tt.algs)
			}
		})
	}
}

// TestPrivateECKeyKeptPublic: a JWKS that leaks d is read for its public
// key only.
func TestPrivateECKeyKeptPublic(t *testing.T) {
	s := newServer(t)
	body := jwksDoc(t, ecJWK(t, elliptic.P256(), true, nil))
	s.body.Store(&body)
	cache, err := jwks.New(s.url, jwks.KeyPolicy{Algorithms: []string{"ES256"}}, jwks.WithClock(clocktest.New(time.Unix(1_800_000_000, 0)).Now))
	if err != nil {
		t.Fatal(err)
	}
	got, err := cache.KeyRead(context.Background(), "k")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := got.Key().(*ecdsa.PublicKey); !ok || got.Marshal().D != "" {
		t.Errorf("KeyRead() = %T with d %q, want the public key alone", got.Key(), got.Marshal().D)
	}
}

func TestNoUsableKeyNamesAlgorithms(t *testing.T) {
	s := newServer(t)
	body := jwksDoc(t, jwk(t, 2048, nil))
	s.body.Store(&body)
	cache, err := jwks.New(s.url, jwks.KeyPolicy{Algorithms: []string{"ES256", "ES384"}})
	if err != nil {
		t.Fatal(err)
	}
	err = cache.Refresh(context.Background())
	if err == nil || !strings.Contains(err.Error(), "no usable signing key for ES256, ES384") {
		t.Errorf("Refresh() = %v, want the algorithms named", err)
	}
}

func TestKeyPolicyAlgorithmsChecked(t *testing.T) {
	const url = "https://example.com/jwks.json"
	for _, algs := range [][]string{nil, {}, {""}, {"HS256"}, {"none"}, {"ES512"}, {"EdDSA"}, {"rs256"}, {"RS256", "HS256"}} {
		if _, err := jwks.New(url, jwks.KeyPolicy{Algorithms: algs}); err == nil {
			t.Errorf("New(Algorithms %q) = nil error, want one", algs)
		}
	}
	if _, err := jwks.New(url, jwks.KeyPolicy{Algorithms: jwks.Algorithms()}); err != nil {
		t.Errorf("New(every algorithm) = %v", err)
	}

	// The policy's slice is the cache's own: changing the caller's later
	// changes nothing.
	s := newServer(t)
	algs := []string{"RS256"}
	cache, err := jwks.New(s.url, jwks.KeyPolicy{Algorithms: algs})
	if err != nil {
		t.Fatal(err)
	}
	algs[0] = "ES256"
	if _, err := cache.KeyRead(context.Background(), kid(s.pool)); err != nil {
		t.Errorf("KeyRead() after the caller changed its slice = %v", err)
	}

	all := jwks.Algorithms()
	all[0] = "HS256"
	if got := jwks.Algorithms(); got[0] != "RS256" {
		t.Errorf("Algorithms() shares its slice: %v", got)
	}
}

// TestVerificationKey is the rule a key is kept and used by.
func TestVerificationKey(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p256, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p521, err := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	mk := func(key any, alg string) jwkset.JWK {
		j, err := jwkset.NewJWKFromKey(key, jwkset.JWKOptions{
			Metadata: jwkset.JWKMetadataOptions{KID: "k", ALG: jwkset.ALG(alg)},
			Marshal:  jwkset.JWKMarshalOptions{Private: true}, // jwkset refuses an oct key without it
		})
		if err != nil {
			t.Fatal(err)
		}
		return j
	}
	all := append(jwks.Algorithms(), "HS256", "HS384", "none", "ES512", "EdDSA", "")
	for _, c := range []struct {
		name string
		jwk  jwkset.JWK
		pub  crypto.PublicKey
		ok   []string
	}{
		{"RSA", mk(&rsaKey.PublicKey, ""), &rsaKey.PublicKey, []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}},
		{"RSA private", mk(rsaKey, ""), &rsaKey.PublicKey, []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}},
		{"RSA alg RS384", mk(&rsaKey.PublicKey, "RS384"), &rsaKey.PublicKey, []string{"RS384"}},
		{"RSA alg HS256", mk(&rsaKey.PublicKey, "HS256"), nil, nil},
		{"P-256", mk(&p256.PublicKey, ""), &p256.PublicKey, []string{"ES256"}},
		{"P-256 private", mk(p256, ""), &p256.PublicKey, []string{"ES256"}},
		{"P-256 alg ES384", mk(&p256.PublicKey, "ES384"), nil, nil},
		{"P-384", mk(&p384.PublicKey, ""), &p384.PublicKey, []string{"ES384"}},
		{"P-521", mk(&p521.PublicKey, ""), nil, nil},
		{"oct", mk([]byte("a secret of thirty-two bytes...."), ""), nil, nil},
	} {
		for _, alg := range all {
			got, err := jwks.VerificationKey(c.jwk, alg)
			if want := slices.Contains(c.ok, alg); want != (err == nil) {
				t.Errorf("VerificationKey(%s, %q) = %v, want usable %t", c.name, alg, err, want)
				continue
			}
			if err == nil && !c.pub.(interface{ Equal(crypto.PublicKey) bool }).Equal(got) {
				t.Errorf("VerificationKey(%s, %q) = %T, want the public key", c.name, alg, got)
			}
		}
	}
}

package verify_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"

	"github.com/gatehouse-dev/cognito-authorizer/internal/jwks"
	"github.com/gatehouse-dev/cognito-authorizer/internal/verify"
)

var now = time.Unix(1_800_000_000, 0)

// The issuers of the fixture.
const (
	// issA signs with RS256 only, as a Cognito pool does (Algorithms nil).
	issA = "https://a.example.com"
	// issB signs with RS256, RS384, PS256, ES256 and ES384.
	issB = "https://b.example.com/"
	// issC signs with every algorithm of jwks.Algorithms(), and its keys
	// are a jwkset.MemoryStorage that filters nothing: verify's own
	// checks of each key, without a jwks.Cache's at fetch.
	issC = "https://c.example.com"
)

var algsB = []string{"RS256", "RS384", "PS256", "ES256", "ES384"}

// testKeys are the private keys of the fixture, generated once per test
// binary: RSA 2048, ECDSA P-256 and P-384.
type testKeys struct {
	rsaA, rsaA384, rsaB, rsaB384, rsaEnc *rsa.PrivateKey
	p256A, p256B, p384B                  *ecdsa.PrivateKey
}

var keys = sync.OnceValue(func() *testKeys {
	r := func() *rsa.PrivateKey {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		return k
	}
	ec := func(c elliptic.Curve) *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(c, rand.Reader)
		if err != nil {
			panic(err)
		}
		return k
	}
	return &testKeys{
		rsaA: r(), rsaA384: r(), rsaB: r(), rsaB384: r(), rsaEnc: r(),
		p256A: ec(elliptic.P256()), p256B: ec(elliptic.P256()), p384B: ec(elliptic.P384()),
	}
})

// jwkOf is the public JWK of key with the given kid, alg and use (empty:
// left out).
func jwkOf(t testing.TB, key crypto.Signer, kid, alg, use string) jwkset.JWK {
	t.Helper()
	jwk, err := jwkset.NewJWKFromKey(key.Public(), jwkset.JWKOptions{
		Metadata: jwkset.JWKMetadataOptions{KID: kid, ALG: jwkset.ALG(alg), USE: jwkset.USE(use)},
	})
	if err != nil {
		t.Fatal(err)
	}
	return jwk
}

// jwksServer serves a JWKS on 127.0.0.1 and counts the requests.
type jwksServer struct {
	url  string
	hits atomic.Int64
}

func serveJWKS(t testing.TB, set ...jwkset.JWK) *jwksServer {
	t.Helper()
	doc := jwkset.JWKSMarshal{}
	for _, k := range set {
		doc.Keys = append(doc.Keys, k.Marshal())
	}
	body, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	s := &jwksServer{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	s.url = srv.URL + "/.well-known/jwks.json"
	return s
}

// fixture is a Verifier of three issuers: A and B read their JWKS, each
// served over HTTP, through a jwks.Cache whose policy names the issuer's
// algorithms; C reads a MemoryStorage.
type fixture struct {
	v    *verify.Verifier
	a, b *jwksServer
	k    *testKeys
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	k := keys()
	f := &fixture{k: k}
	// A's JWKS also lists an RS384 key and an EC key, which its RS256
	// policy drops; B's an encryption key, which its policy drops.
	f.a = serveJWKS(t,
		jwkOf(t, k.rsaA, "a-rsa", "RS256", "sig"),
		jwkOf(t, k.rsaA384, "a-rs384", "RS384", "sig"),
		jwkOf(t, k.p256A, "a-p256", "", "sig"),
	)
	f.b = serveJWKS(t,
		jwkOf(t, k.rsaB, "b-rsa", "", ""),
		jwkOf(t, k.rsaB384, "b-rs384", "RS384", "sig"),
		jwkOf(t, k.p256B, "b-p256", "", "sig"),
		jwkOf(t, k.p384B, "b-p384", "ES384", ""),
		jwkOf(t, k.rsaEnc, "b-enc", "", "enc"),
	)
	cache := func(url string, algs []string) *jwks.Cache {
		c, err := jwks.New(url, jwks.KeyPolicy{Algorithms: algs}, jwks.WithClock(func() time.Time { return now }))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	memory := jwkset.NewMemoryStorage()
	for _, jwk := range []jwkset.JWK{
		jwkOf(t, k.rsaA, "c-rsa", "", ""),
		jwkOf(t, k.rsaB384, "c-rs384", "RS384", "sig"),
		jwkOf(t, k.p256B, "c-p256", "", ""),
		jwkOf(t, k.rsaEnc, "c-enc", "", "enc"),
	} {
		if err := memory.KeyWrite(context.Background(), jwk); err != nil {
			t.Fatal(err)
		}
	}
	v, err := verify.New([]verify.Issuer{
		{Names: []string{issA}, Keys: cache(f.a.url, []string{verify.Algorithm}), Check: check},
		{Names: []string{issB}, Keys: cache(f.b.url, algsB), Algorithms: algsB, Check: check},
		{Names: []string{issC}, Keys: memory, Algorithms: jwks.Algorithms(), Check: check},
	}, verify.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	f.v = v
	return f
}

func check(claims map[string]any) (verify.Identity, error) {
	sub, _ := claims["sub"].(string)
	if sub == "" {
		return verify.Identity{}, verify.ErrInvalidClaims
	}
	return verify.Identity{Subject: sub}, nil
}

func claims(iss string) jwt.MapClaims {
	return jwt.MapClaims{"iss": iss, "sub": "alice", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
}

// sign signs iss's claims with method and key under kid.
func sign(t testing.TB, method jwt.SigningMethod, key any, kid, iss string) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims(iss))
	tok.Header["kid"] = kid
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// es384WithP256 is an ES384 token signed with a P-256 key: the SHA-384
// digest, which ECDSA on P-256 truncates to 256 bits, and r and s in 48
// bytes each. jwt's ES384 accepts it with the P-256 public key (the test
// checks): only the curve check refuses it.
func es384WithP256(t testing.TB, key *ecdsa.PrivateKey, kid, iss string) string {
	t.Helper()
	seg := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	unsigned := seg(map[string]any{"alg": "ES384", "typ": "JWT", "kid": kid}) + "." + seg(claims(iss))
	sum := sha512.Sum384([]byte(unsigned))
	r, s, err := ecdsa.Sign(rand.Reader, key, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	sig := append(r.FillBytes(make([]byte, 48)), s.FillBytes(make([]byte, 48))...)
	if err := jwt.SigningMethodES384.Verify(unsigned, sig, &key.PublicKey); err != nil {
		t.Fatalf("jwt refuses ES384 with a P-256 key by itself (%v): the test shows nothing", err)
	}
	return unsigned + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// hmacSecrets are what an attacker may take an RSA public key's bytes to
// be: PEM (PKIX and PKCS #1), DER, and the JWK's n, encoded and decoded.
func hmacSecrets(t testing.TB, pub *rsa.PublicKey) map[string][]byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	pkcs1 := x509.MarshalPKCS1PublicKey(pub)
	n := base64.RawURLEncoding.EncodeToString(pub.N.Bytes())
	return map[string][]byte{
		"PEM":       pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}),
		"PKCS1 PEM": pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: pkcs1}),
		"DER":       der,
		"PKCS1 DER": pkcs1,
		"n":         []byte(n),
		"n decoded": pub.N.Bytes(),
	}
}

// wantOnly fails unless err matches want and no other of verify's errors.
func wantOnly(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("Verify() = %v, want %v", err, want)
	}
	for _, other := range verify.Errors {
		if other != want && errors.Is(err, other) {
			t.Errorf("Verify() = %v matches %v too", err, other)
		}
	}
}

func TestAlgorithmsAndKeys(t *testing.T) {
	f := newFixture(t)
	k := f.k
	type tc struct {
		name  string
		token string
		want  error // nil: valid
	}
	tests := []tc{
		{name: "A RS256", token: sign(t, jwt.SigningMethodRS256, k.rsaA, "a-rsa", issA)},
		{name: "B RS256", token: sign(t, jwt.SigningMethodRS256, k.rsaB, "b-rsa", issB)},
		{name: "B PS256", token: sign(t, jwt.SigningMethodPS256, k.rsaB, "b-rsa", issB)},
		{name: "B RS384 with its RS384 key", token: sign(t, jwt.SigningMethodRS384, k.rsaB384, "b-rs384", issB)},
		{name: "B ES256", token: sign(t, jwt.SigningMethodES256, k.p256B, "b-p256", issB)},
		{name: "B ES384", token: sign(t, jwt.SigningMethodES384, k.p384B, "b-p384", issB)},
		{name: "C RS512", token: sign(t, jwt.SigningMethodRS512, k.rsaA, "c-rsa", issC)},
		{name: "C PS512", token: sign(t, jwt.SigningMethodPS512, k.rsaA, "c-rsa", issC)},
		{name: "C ES256", token: sign(t, jwt.SigningMethodES256, k.p256B, "c-p256", issC)},

		// An algorithm the issuer does not sign with, though another does;
		// signed with the very key the kid names.
		{name: "A PS256", token: sign(t, jwt.SigningMethodPS256, k.rsaA, "a-rsa", issA), want: verify.ErrAlgorithm},
		{name: "A RS384", token: sign(t, jwt.SigningMethodRS384, k.rsaA, "a-rsa", issA), want: verify.ErrAlgorithm},
		{name: "A ES256", token: sign(t, jwt.SigningMethodES256, k.p256A, "a-p256", issA), want: verify.ErrAlgorithm},
		{name: "A ES384", token: sign(t, jwt.SigningMethodES384, k.p384B, "b-p384", issA), want: verify.ErrAlgorithm},
		{name: "B RS512", token: sign(t, jwt.SigningMethodRS512, k.rsaB, "b-rsa", issB), want: verify.ErrAlgorithm},
		{name: "B PS384", token: sign(t, jwt.SigningMethodPS384, k.rsaB, "b-rsa", issB), want: verify.ErrAlgorithm},

		// A kid of the other issuer's set.
		{name: "A token with B's kid", token: sign(t, jwt.SigningMethodRS256, k.rsaB, "b-rsa", issA), want: verify.ErrUnknownKey},
		{name: "B token with A's kid", token: sign(t, jwt.SigningMethodRS256, k.rsaA, "a-rsa", issB), want: verify.ErrUnknownKey},
		{name: "B ES256 token with C's kid", token: sign(t, jwt.SigningMethodES256, k.p256B, "c-p256", issB), want: verify.ErrUnknownKey},
		{name: "unlisted issuer", token: sign(t, jwt.SigningMethodRS256, k.rsaA, "a-rsa", "https://d.example.com"), want: verify.ErrWrongIssuer},

		// A header alg that does not fit the key the kid names.
		{name: "B ES256 header, RSA kid", token: sign(t, jwt.SigningMethodES256, k.p256B, "b-rsa", issB), want: verify.ErrAlgorithm},
		{name: "B RS256 header, EC kid", token: sign(t, jwt.SigningMethodRS256, k.rsaB, "b-p256", issB), want: verify.ErrAlgorithm},
		{name: "B PS256 header, EC kid", token: sign(t, jwt.SigningMethodPS256, k.rsaB, "b-p384", issB), want: verify.ErrAlgorithm},
		{name: "B ES384 header, P-256 kid", token: es384WithP256(t, k.p256B, "b-p256", issB), want: verify.ErrAlgorithm},
		{name: "B ES256 header, P-384 kid", token: sign(t, jwt.SigningMethodES256, k.p256B, "b-p384", issB), want: verify.ErrAlgorithm},
		{name: "B RS256 with the RS384 key", token: sign(t, jwt.SigningMethodRS256, k.rsaB384, "b-rs384", issB), want: verify.ErrAlgorithm},
		{name: "C ES384 header, P-256 kid", token: es384WithP256(t, k.p256B, "c-p256", issC), want: verify.ErrAlgorithm},
		{name: "C ES256 header, RSA kid", token: sign(t, jwt.SigningMethodES256, k.p256B, "c-rsa", issC), want: verify.ErrAlgorithm},
		{name: "C RS256 header, EC kid", token: sign(t, jwt.SigningMethodRS256, k.rsaA, "c-p256", issC), want: verify.ErrAlgorithm},
		{name: "C RS256 with the RS384 key", token: sign(t, jwt.SigningMethodRS256, k.rsaB384, "c-rs384", issC), want: verify.ErrAlgorithm},

		// Keys the policy drops at fetch (A, B) or verify refuses (C).
		{name: "A RS256 with the RS384 key", token: sign(t, jwt.SigningMethodRS256, k.rsaA384, "a-rs384", issA), want: verify.ErrUnknownKey},
		{name: "B encryption key", token: sign(t, jwt.SigningMethodRS256, k.rsaEnc, "b-enc", issB), want: verify.ErrUnknownKey},
		{name: "C encryption key", token: sign(t, jwt.SigningMethodRS256, k.rsaEnc, "c-enc", issC), want: verify.ErrAlgorithm}, // kept by a plain storage; keyfunc refuses its use

		{name: "A alg none", token: sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, "a-rsa", issA), want: verify.ErrAlgorithm},
		{name: "C alg none", token: sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, "c-rsa", issC), want: verify.ErrAlgorithm},
	}
	// HS256 with the RSA public key as the HMAC secret, for an issuer of
	// RS256 only and for one of every asymmetric algorithm.
	for _, c := range []struct {
		iss, kid string
		pub      *rsa.PublicKey
	}{{issA, "a-rsa", &k.rsaA.PublicKey}, {issB, "b-rsa", &k.rsaB.PublicKey}, {issC, "c-rsa", &k.rsaA.PublicKey}} {
		for form, secret := range hmacSecrets(t, c.pub) {
			for _, m := range []jwt.SigningMethod{jwt.SigningMethodHS256, jwt.SigningMethodHS512} {
				tests = append(tests, tc{
					name:  c.iss + " " + m.Alg() + " with the public key's " + form + " as secret",
					token: sign(t, m, secret, c.kid, c.iss),
					want:  verify.ErrAlgorithm,
				})
			}
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			claims, err := f.v.Verify(context.Background(), tt.token)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Verify() = %v, want no error", err)
				}
				if got := claims.Subject(); got != "alice" {
					t.Errorf("Subject() = %q, want alice", got)
				}
				return
			}
			if claims != nil {
				t.Errorf("Verify() returned claims with error %v", err)
			}
			wantOnly(t, err, tt.want)
		})
	}
}

// TestRefusedBeforeAnyFetch: a token of an unlisted iss, or of an algorithm
// its issuer does not sign with, costs no JWKS request.
func TestRefusedBeforeAnyFetch(t *testing.T) {
	f := newFixture(t)
	k := f.k
	for _, c := range []struct {
		token string
		want  error
	}{
		{sign(t, jwt.SigningMethodRS256, k.rsaA, "a-rsa", "https://d.example.com"), verify.ErrWrongIssuer},
		{sign(t, jwt.SigningMethodRS256, k.rsaA, "a-rsa", issA+"/"), verify.ErrWrongIssuer},
		{sign(t, jwt.SigningMethodES256, k.p256B, "b-p256", "https://d.example.com"), verify.ErrWrongIssuer},
		{sign(t, jwt.SigningMethodES256, k.p256A, "a-p256", issA), verify.ErrAlgorithm},
		{sign(t, jwt.SigningMethodPS256, k.rsaA, "a-rsa", issA), verify.ErrAlgorithm},
		{sign(t, jwt.SigningMethodRS512, k.rsaB, "b-rsa", issB), verify.ErrAlgorithm},
	} {
		_, err := f.v.Verify(context.Background(), c.token)
		wantOnly(t, err, c.want)
	}
	if a, b := f.a.hits.Load(), f.b.hits.Load(); a != 0 || b != 0 {
		t.Fatalf("JWKS requests: A %d, B %d, want none", a, b)
	}
	if _, err := f.v.Verify(context.Background(), sign(t, jwt.SigningMethodRS256, k.rsaA, "a-rsa", issA)); err != nil {
		t.Fatal(err)
	}
	if a, b := f.a.hits.Load(), f.b.hits.Load(); a != 1 || b != 0 {
		t.Errorf("JWKS requests after A's token: A %d, B %d, want 1 and 0", a, b)
	}
}

func TestNewRefusesAlgorithms(t *testing.T) {
	keys := jwkset.NewMemoryStorage()
	for _, algs := range [][]string{{"HS256"}, {"none"}, {"ES512"}, {"EdDSA"}, {"rs256"}, {""}, {"RS256", "HS384"}} {
		_, err := verify.New([]verify.Issuer{{Names: []string{issA}, Keys: keys, Algorithms: algs, Check: check}})
		if err == nil {
			t.Errorf("New(Algorithms %q) = nil error, want one", algs)
		}
	}
	for _, algs := range [][]string{nil, {}, jwks.Algorithms()} {
		if _, err := verify.New([]verify.Issuer{{Names: []string{issA}, Keys: keys, Algorithms: algs, Check: check}}); err != nil {
			t.Errorf("New(Algorithms %q) = %v", algs, err)
		}
	}
	want := []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384"}
	if !slices.Equal(jwks.Algorithms(), want) {
		t.Errorf("Algorithms = %v, want %v", jwks.Algorithms(), want)
	}
}

// TestIssuerAlgorithmsCopied: changing the slice given to New afterwards
// changes nothing.
func TestIssuerAlgorithmsCopied(t *testing.T) {
	k := keys()
	memory := jwkset.NewMemoryStorage()
	if err := memory.KeyWrite(context.Background(), jwkOf(t, k.rsaA, "k", "", "")); err != nil {
		t.Fatal(err)
	}
	algs := []string{"RS256"}
	v, err := verify.New([]verify.Issuer{{Names: []string{issA}, Keys: memory, Algorithms: algs, Check: check}},
		verify.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	algs[0] = "PS256"
	if _, err := v.Verify(context.Background(), sign(t, jwt.SigningMethodPS256, k.rsaA, "k", issA)); !errors.Is(err, verify.ErrAlgorithm) {
		t.Errorf("Verify(PS256) = %v, want %v", err, verify.ErrAlgorithm)
	}
	if _, err := v.Verify(context.Background(), sign(t, jwt.SigningMethodRS256, k.rsaA, "k", issA)); err != nil {
		t.Errorf("Verify(RS256) = %v", err)
	}
}

func benchmarkVerify(b *testing.B, token func(f *fixture) string) {
	f := newFixture(b)
	tok := token(f)
	ctx := context.Background()
	if _, err := f.v.Verify(ctx, tok); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.v.Verify(ctx, tok); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyRS256 verifies a valid RS256 token (RSA 2048), its key
// cached.
func BenchmarkVerifyRS256(b *testing.B) {
	benchmarkVerify(b, func(f *fixture) string { return sign(b, jwt.SigningMethodRS256, f.k.rsaB, "b-rsa", issB) })
}

// BenchmarkVerifyES256 verifies a valid ES256 token (P-256), its key cached.
func BenchmarkVerifyES256(b *testing.B) {
	benchmarkVerify(b, func(f *fixture) string { return sign(b, jwt.SigningMethodES256, f.k.p256B, "b-p256", issB) })
}

// BenchmarkVerifyWrongAlgorithm refuses an ES256 token of an RS256 issuer:
// before any key is read or signature checked.
func BenchmarkVerifyWrongAlgorithm(b *testing.B) {
	f := newFixture(b)
	tok := sign(b, jwt.SigningMethodES256, f.k.p256A, "a-p256", issA)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.v.Verify(ctx, tok); !errors.Is(err, verify.ErrAlgorithm) {
			b.Fatal(err)
		}
	}
}

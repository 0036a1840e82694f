package verify

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

// TestClassifyInvalidKeyType: should a key of the wrong kind reach jwt (the
// key function refuses it first), jwt's ErrInvalidKeyType, which it wraps in
// ErrTokenSignatureInvalid, is a confusion of algorithms, not a bad
// signature nor a malformed token.
func TestClassifyInvalidKeyType(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	v := &Verifier{algorithms: []string{"RS256", "PS256", "ES256"}}
	for _, c := range []struct {
		method    jwt.SigningMethod
		signer    any
		wrongType any
	}{
		{jwt.SigningMethodES256, ecKey, &rsaKey.PublicKey},
		{jwt.SigningMethodRS256, rsaKey, &ecKey.PublicKey},
		{jwt.SigningMethodPS256, rsaKey, &ecKey.PublicKey},
		{jwt.SigningMethodRS256, rsaKey, []byte("secret")},
	} {
		tok, err := jwt.NewWithClaims(c.method, jwt.MapClaims{"sub": "x"}).SignedString(c.signer)
		if err != nil {
			t.Fatal(err)
		}
		parsed, err := jwt.NewParser(jwt.WithValidMethods(v.algorithms)).Parse(tok, func(*jwt.Token) (any, error) { return c.wrongType, nil })
		if !errors.Is(err, jwt.ErrInvalidKeyType) {
			t.Fatalf("%s with a %T key: jwt says %v, want %v", c.method.Alg(), c.wrongType, err, jwt.ErrInvalidKeyType)
		}
		got := v.classify(parsed, err)
		if !errors.Is(got, ErrAlgorithm) {
			t.Errorf("%s with a %T key: classify() = %v, want %v", c.method.Alg(), c.wrongType, got, ErrAlgorithm)
		}
		for _, other := range Errors {
			if other != ErrAlgorithm && errors.Is(got, other) {
				t.Errorf("classify() = %v matches %v too", got, other)
			}
		}
	}
}

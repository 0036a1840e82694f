package jwks

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"fmt"
	"slices"
	"strings"

	"github.com/MicahParks/jwkset"
)

// algorithms are the JWS algorithms a key may be kept and used for, in the
// order Algorithms lists them: asymmetric ones only, so that a key set holds
// public keys and no token can be signed with what a verifier knows (RFC
// 8725 §3.1, §3.2). HS*, none, ES512 and EdDSA are not among them.
var algorithms = []string{
	"RS256", "RS384", "RS512",
	"PS256", "PS384", "PS512",
	"ES256", "ES384",
}

// curve returns the one curve each ECDSA algorithm's keys must be on (RFC
// 7518 §3.4): a P-256 key verifies ES256 only, a P-384 key ES384 only; nil
// for another algorithm. A function, not a map built at package
// initialisation, so that the curves are set up only when an EC key is read.
func curve(alg string) elliptic.Curve {
	switch alg {
	case "ES256":
		return elliptic.P256()
	case "ES384":
		return elliptic.P384()
	}
	return nil
}

// Algorithms returns the JWS algorithms a KeyPolicy may name, a new slice
// each call: RS256, RS384, RS512, PS256, PS384, PS512, ES256 and ES384.
func Algorithms() []string { return slices.Clone(algorithms) }

// VerificationKey returns the public key of jwk that verifies signatures
// made with alg, or says why jwk may not verify alg:
//
//   - alg must be one of Algorithms;
//   - a key whose JWK alg is set verifies exactly that algorithm;
//   - RS* and PS* need an RSA key;
//   - ES256 needs an EC key on P-256 and ES384 one on P-384.
//
// The key's use (only "sig" or none may sign) and the RSA modulus bounds are
// the caller's to check: a Cache checks both when it fetches the set.
func VerificationKey(jwk jwkset.JWK, alg string) (crypto.PublicKey, error) {
	m := jwk.Marshal()
	if !slices.Contains(algorithms, alg) {
		return nil, fmt.Errorf("key %.64q: algorithm %.32q is not one of %v", m.KID, alg, algorithms)
	}
	if m.ALG != "" && m.ALG.String() != alg {
		return nil, fmt.Errorf("key %.64q is for %.32s only, not %s", m.KID, m.ALG, alg)
	}
	key := jwk.Key()
	if k, ok := key.(interface{ Public() crypto.PublicKey }); ok {
		// A storage that holds private keys: verify with the public half.
		key = k.Public()
	}
	if err := Fits(key, alg); err != nil {
		return nil, fmt.Errorf("key %.64q: %w", m.KID, err)
	}
	return key, nil
}

// Fits says whether a public key may verify signatures made with alg: an
// RSA key RS* and PS*, an EC key on P-256 ES256 and on P-384 ES384, nothing
// else. golang-jwt checks the key's Go type only: its ES384 would accept a
// P-256 key (and a signature over a truncated hash).
func Fits(key crypto.PublicKey, alg string) error {
	switch k := key.(type) {
	case *rsa.PublicKey:
		if strings.HasPrefix(alg, "RS") || strings.HasPrefix(alg, "PS") {
			return nil
		}
	case *ecdsa.PublicKey:
		if c := curve(alg); c != nil && k.Curve == c {
			return nil
		}
	}
	return fmt.Errorf("%s cannot verify %.32s", describe(key), alg)
}

// describe names a key's type for an error: "an RSA key", "an EC P-256 key".
func describe(key any) string {
	switch k := key.(type) {
	case *rsa.PublicKey:
		return "an RSA key"
	case *ecdsa.PublicKey:
		if k.Curve == nil {
			return "an EC key"
		}
		return "an EC " + k.Curve.Params().Name + " key"
	case []byte:
		return "a symmetric key"
	default:
		return fmt.Sprintf("a %T key", key)
	}
}

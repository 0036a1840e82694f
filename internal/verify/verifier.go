// Package verify checks JSON Web Tokens signed by the issuers it is given:
// the signature against the issuer's own key set, the registered time claims,
// and the issuer's own rules.
//
// It is issuer-neutral. An Issuer names the iss values its tokens carry, the
// algorithms it signs with (RS256 unless it says otherwise), the key set (a
// jwkset.Storage, read by kid through keyfunc) and a Check that applies its rules and says
// who the caller is. The Cognito user pool profile is one such Issuer
// (package cognito); a second pool, or another OpenID Connect provider, is
// another entry in the list given to New.
//
// It is at least as strict as AWS's aws-jwt-verify and follows RFC 8725:
// only the issuer's own asymmetric algorithms, a key chosen by kid only from
// the key set of the token's issuer and used only for the algorithm its type,
// curve and alg allow, no header that points elsewhere for a key, and exact
// issuers.
//
// A token whose alg is not one of its issuer's, or does not fit the key its
// kid names (an ES256 header on an RSA key, RS256 on an EC key, ES384 on a
// P-256 key, RS256 on a key whose JWK says RS384), is refused as
// ErrAlgorithm; HS256 and none always are. A kid the issuer's key set does
// not have, or has only for a use other than sig, is ErrUnknownKey.
package verify

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"

	"github.com/gatehouse-dev/cognito-authorizer/internal/jwks"
)

// MaxTokenSize is the longest token Verify decodes, in bytes: API Gateway's
// limit on a request header's value (10,240 bytes), so that every token API
// Gateway can deliver is verified. Cognito tokens are 1 to 2 KB, more with
// many groups or custom attributes.
const MaxTokenSize = 10240

// Algorithm is the signing algorithm of an Issuer that names none:
// Cognito's.
const Algorithm = "RS256"

// Issuer is one token issuer Verify accepts.
type Issuer struct {
	// Names are the exact iss values of the issuer's tokens (a Cognito pool
	// has two).
	Names []string
	// Keys hold the issuer's public keys. Their KeyRead errors match
	// jwks.ErrUnavailable when no key set could be had and jwks.ErrUnknownKey
	// (or jwkset.ErrKeyNotFound) when the set has no such kid: a *jwks.Cache
	// does both, and keeps only keys that serve the issuer's Algorithms
	// when its KeyPolicy names the same ones.
	Keys jwkset.Storage
	// Algorithms are the JWS algorithms of the issuer's tokens, each one of
	// the package's Algorithms; nil or empty means RS256 only (Algorithm),
	// Cognito's. A token of another algorithm is refused (ErrAlgorithm)
	// even if another issuer accepts it.
	Algorithms []string
	// Check applies the issuer's own rules to the claims of a token whose
	// signature and issuer hold, and says who the caller is. Its error
	// should match ErrWrongClient, ErrWrongTokenUse or ErrInvalidClaims.
	Check func(claims map[string]any) (Identity, error)
}

// Option configures a Verifier.
type Option func(*Verifier)

// WithLeeway allows d of clock skew on exp, nbf and iat.
func WithLeeway(d time.Duration) Option { return func(v *Verifier) { v.leeway = d } }

// WithClock sets the clock; the default is time.Now.
func WithClock(now func() time.Time) Option { return func(v *Verifier) { v.now = now } }

// Verifier verifies the tokens of its issuers. It is safe for concurrent use.
type Verifier struct {
	parser     *jwt.Parser
	issuers    map[string]*issuer
	algorithms []string // every issuer's, the parser's valid methods
	leeway     time.Duration
	now        func() time.Time
}

// issuer is an Issuer ready to use.
type issuer struct {
	keys       keyfunc.Keyfunc
	algorithms []string
	check      func(map[string]any) (Identity, error)
}

// New returns a Verifier of the tokens of issuers.
func New(issuers []Issuer, opts ...Option) (*Verifier, error) {
	v := &Verifier{issuers: map[string]*issuer{}, now: time.Now}
	for _, o := range opts {
		o(v)
	}
	if len(issuers) == 0 {
		return nil, errors.New("verify: no issuers")
	}
	supported := jwks.Algorithms()
	accepted := map[string]bool{}
	for i, iss := range issuers {
		if iss.Keys == nil || iss.Check == nil || len(iss.Names) == 0 {
			return nil, fmt.Errorf("verify: issuer %d has no names, keys or check", i)
		}
		// keyfunc reads the issuer's keys by kid, each only for the alg
		// and use its JWK names.
		kf, err := keyfunc.New(keyfunc.Options{Storage: iss.Keys, UseWhitelist: []jwkset.USE{jwkset.UseSig, ""}})
		if err != nil {
			return nil, fmt.Errorf("verify: issuer %d: %w", i, err)
		}
		algs := slices.Clone(iss.Algorithms)
		if len(algs) == 0 {
			algs = []string{Algorithm}
		}
		for _, alg := range algs {
			if !slices.Contains(supported, alg) {
				return nil, fmt.Errorf("verify: issuer %d: algorithm %q is not one of %v", i, alg, supported)
			}
			accepted[alg] = true
		}
		for _, name := range iss.Names {
			if _, dup := v.issuers[name]; dup || name == "" {
				return nil, fmt.Errorf("verify: issuer %q listed twice or empty", name)
			}
			v.issuers[name] = &issuer{keys: kf, algorithms: algs, check: iss.Check}
		}
	}
	for _, alg := range supported {
		if accepted[alg] {
			v.algorithms = append(v.algorithms, alg)
		}
	}
	v.parser = jwt.NewParser(
		// Any issuer's algorithm passes the parser; the key function
		// holds each token to its own issuer's.
		jwt.WithValidMethods(v.algorithms),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(v.leeway),
		jwt.WithTimeFunc(v.now),
		jwt.WithStrictDecoding(),
	)
	return v, nil
}

// forbiddenHeaders would point the verifier at a key or a JWS extension of
// the token's choosing. Cognito sets none of them.
var forbiddenHeaders = [...]string{"jku", "x5u", "jwk", "x5c", "crit"}

// ForbiddenHeaders returns the header parameters Verify refuses a token
// for (ErrHeader).
func ForbiddenHeaders() [len(forbiddenHeaders)]string { return forbiddenHeaders }

// Verify checks token and returns its claims. Its error matches exactly one of
// the package's errors. ctx bounds any wait for keys.
func (v *Verifier) Verify(ctx context.Context, token string) (*Claims, error) {
	if token == "" {
		return nil, ErrNoToken
	}
	if len(token) > MaxTokenSize {
		return nil, fmt.Errorf("%w: %d bytes, the limit is %d", ErrTooLarge, len(token), MaxTokenSize)
	}
	claims := jwt.MapClaims{}
	var iss *issuer
	parsed, err := v.parser.ParseWithClaims(token, claims, func(t *jwt.Token) (any, error) {
		for _, h := range forbiddenHeaders {
			if _, ok := t.Header[h]; ok {
				return nil, fmt.Errorf("%w: %q", ErrHeader, h)
			}
		}
		kid, _ := t.Header["kid"].(string)
		if kid == "" || len(kid) > 256 {
			return nil, ErrMissingKeyID
		}
		if len(claims) == 0 {
			return nil, fmt.Errorf("%w: payload is empty or not a JSON object", ErrMalformed)
		}
		// The key set is chosen by the (not yet verified) iss, as
		// aws-jwt-verify does: a token naming an issuer of ours is
		// checked with that issuer's keys only.
		name, _ := claims["iss"].(string)
		if iss = v.issuers[name]; iss == nil {
			return nil, fmt.Errorf("%w: iss %.80q", ErrWrongIssuer, name)
		}
		return iss.key(ctx, t)
	})
	if err != nil && !errors.Is(err, jwt.ErrTokenInvalidClaims) {
		return nil, v.classify(parsed, err)
	}
	if iss == nil {
		// jwt checks claims only after the key function chose the issuer;
		// fail closed should that ever change.
		return nil, fmt.Errorf("%w: no issuer chosen", ErrMalformed)
	}
	if derr := checkDates(claims); derr != nil {
		return nil, derr
	}
	// The signature holds (jwt checks claims only after it). The issuer's
	// rules come before jwt's time checks: a token for another client is
	// reported as that, even when it has expired too.
	id, cerr := iss.check(claims)
	if cerr != nil {
		return nil, cerr
	}
	if err != nil {
		return nil, v.classify(parsed, err)
	}
	id.Issuer, _ = claims["iss"].(string)
	return &Claims{raw: claims, id: id}, nil
}

// key returns the public key the token's kid names in its issuer's key set,
// if it may verify a signature made with the token's alg: alg is one of the
// issuer's algorithms (checked before any key is read, so a token of
// another algorithm costs no fetch); keyfunc reads the key by kid and
// refuses one whose JWK names another alg or a use other than sig; and the
// key's type and curve must allow alg (jwks.Fits).
func (iss *issuer) key(ctx context.Context, t *jwt.Token) (any, error) {
	alg := t.Method.Alg()
	if !slices.Contains(iss.algorithms, alg) {
		return nil, fmt.Errorf("%w: %.32s, the issuer signs with %s", ErrAlgorithm, alg, strings.Join(iss.algorithms, ", "))
	}
	key, err := iss.keys.KeyfuncCtx(ctx)(t)
	switch {
	case err == nil:
	case errors.Is(err, jwks.ErrUnavailable), errors.Is(err, jwks.ErrUnknownKey), errors.Is(err, jwkset.ErrKeyNotFound):
		// classify tells an outage from an unknown kid.
		return nil, err
	default:
		// keyfunc's own refusal: the kid's key is for another alg or use.
		return nil, fmt.Errorf("%w: %w", ErrAlgorithm, err)
	}
	if err := jwks.Fits(key, alg); err != nil {
		return nil, fmt.Errorf("%w: kid %.64q: %w", ErrAlgorithm, t.Header["kid"], err)
	}
	return key, nil
}

// maxDate is 9999-12-31T23:59:59Z, the last second a numeric date may name.
const maxDate = 253402300799

// IsNumericDate reports whether v, a claim decoded from JSON, is a numeric
// date Verify accepts in exp, nbf and iat: a number from 0 (1970) to the
// last second of year 9999.
func IsNumericDate(v any) bool {
	f, isNumber := v.(float64)
	return isNumber && f >= 0 && f <= maxDate && f == f
}

// checkDates refuses exp, nbf and iat outside 0 to year 9999. jwt converts
// a numeric date from float64 to int64 without a range check: 1e19 or
// 1e300 overflow and read as far in the past, which nbf and iat would pass.
func checkDates(claims map[string]any) error {
	for _, name := range [...]string{"exp", "nbf", "iat"} {
		v, ok := claims[name]
		if !ok {
			continue
		}
		if !IsNumericDate(v) {
			return fmt.Errorf("%w: %s is not a date from 1970 to 9999", ErrInvalidClaims, name)
		}
	}
	return nil
}

// classify turns jwt's error into one of the package's. The errors of our
// key function already are; the key set's are translated; jwt's own are
// named by the first that fits in this order.
func (v *Verifier) classify(t *jwt.Token, err error) error {
	for _, ours := range []error{ErrKeysUnavailable, ErrHeader, ErrMissingKeyID, ErrWrongIssuer, ErrAlgorithm, ErrUnknownKey, ErrMalformed} {
		if errors.Is(err, ours) {
			return err
		}
	}
	switch {
	case errors.Is(err, jwks.ErrUnavailable):
		return fmt.Errorf("%w: %w", ErrKeysUnavailable, err)
	case errors.Is(err, jwks.ErrUnknownKey), errors.Is(err, jwkset.ErrKeyNotFound):
		return fmt.Errorf("%w: %w", ErrUnknownKey, err)
	}
	var alg string
	if t != nil {
		alg, _ = t.Header["alg"].(string)
	}
	var kind error
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		kind = ErrMalformed
	case t != nil && !slices.Contains(v.algorithms, alg):
		// No issuer's (HS256, none, an unknown name): the parser's
		// refusal, which reads as a bad signature, or an unknown method.
		kind = ErrAlgorithm
	case errors.Is(err, jwt.ErrInvalidKeyType):
		// The key is not of the kind the alg verifies with. The key
		// function checks that first; should a key slip past it, this is
		// a confusion of algorithms, not a bad signature.
		kind = ErrAlgorithm
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		kind = ErrBadSignature
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		// A key set's failure other than jwks's and jwkset's errors.
		kind = ErrUnknownKey
	case errors.Is(err, jwt.ErrTokenExpired):
		kind = ErrExpired
	case errors.Is(err, jwt.ErrTokenNotValidYet), errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		kind = ErrNotYetValid
	case errors.Is(err, jwt.ErrTokenInvalidClaims):
		kind = ErrInvalidClaims
	default:
		kind = ErrMalformed
	}
	return fmt.Errorf("%w: %w", kind, err)
}

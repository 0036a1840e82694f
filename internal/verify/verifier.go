// Package verify checks JSON Web Tokens signed with RS256 by the issuers it
// is given: the signature against the issuer's own key set, the registered
// time claims, and the issuer's own rules.
//
// It is issuer-neutral. An Issuer names the iss values its tokens carry, the
// key set (a jwkset.Storage, read through keyfunc) and a Check that applies
// its rules and says who the caller is. The Cognito user pool profile is one
// such Issuer (package cognito); a second pool, or another OpenID Connect
// provider, is another entry in the list given to New.
//
// It is at least as strict as AWS's aws-jwt-verify and follows RFC 8725: one
// algorithm, a key chosen by kid only from the key set of the token's
// issuer, no header that points elsewhere for a key, and exact issuers.
package verify

import (
	"context"
	"errors"
	"fmt"
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

// Algorithm is the one signing algorithm Verify accepts.
const Algorithm = "RS256"

// Issuer is one token issuer Verify accepts.
type Issuer struct {
	// Names are the exact iss values of the issuer's tokens (a Cognito pool
	// has two).
	Names []string
	// Keys hold the issuer's public keys. Their KeyRead errors match
	// jwks.ErrUnavailable when no key set could be had and jwks.ErrUnknownKey
	// (or jwkset.ErrKeyNotFound) when the set has no such kid: a *jwks.Cache
	// does both.
	Keys jwkset.Storage
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
	parser  *jwt.Parser
	issuers map[string]*issuer
	leeway  time.Duration
	now     func() time.Time
}

// issuer is an Issuer ready to use: its key set read through keyfunc.
type issuer struct {
	keys  keyfunc.Keyfunc
	check func(map[string]any) (Identity, error)
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
	for i, iss := range issuers {
		if iss.Keys == nil || iss.Check == nil || len(iss.Names) == 0 {
			return nil, fmt.Errorf("verify: issuer %d has no names, keys or check", i)
		}
		kf, err := keyfunc.New(keyfunc.Options{Storage: iss.Keys})
		if err != nil {
			return nil, fmt.Errorf("verify: issuer %d: %w", i, err)
		}
		for _, name := range iss.Names {
			if _, dup := v.issuers[name]; dup || name == "" {
				return nil, fmt.Errorf("verify: issuer %q listed twice or empty", name)
			}
			v.issuers[name] = &issuer{keys: kf, check: iss.Check}
		}
	}
	v.parser = jwt.NewParser(
		jwt.WithValidMethods([]string{Algorithm}),
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
var forbiddenHeaders = []string{"jku", "x5u", "jwk", "x5c", "crit"}

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
		return iss.keys.KeyfuncCtx(ctx)(t)
	})
	if err != nil && !errors.Is(err, jwt.ErrTokenInvalidClaims) {
		return nil, classify(parsed, err)
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
		return nil, classify(parsed, err)
	}
	id.Issuer, _ = claims["iss"].(string)
	return &Claims{raw: claims, id: id}, nil
}

// maxDate is 9999-12-31T23:59:59Z, the last second a numeric date may name.
const maxDate = 253402300799

// checkDates refuses exp, nbf and iat outside 0 to year 9999. jwt converts
// a numeric date from float64 to int64 without a range check: 1e19 or
// 1e300 overflow and read as far in the past, which nbf and iat would pass.
func checkDates(claims map[string]any) error {
	for _, name := range [...]string{"exp", "nbf", "iat"} {
		v, ok := claims[name]
		if !ok {
			continue
		}
		f, isNumber := v.(float64)
		if !isNumber || f < 0 || f > maxDate || f != f {
			return fmt.Errorf("%w: %s is not a date from 1970 to 9999", ErrInvalidClaims, name)
		}
	}
	return nil
}

// classify turns jwt's error into one of the package's. The errors of our
// key function already are; the key set's are translated; jwt's own are
// named by the first that fits in this order.
func classify(t *jwt.Token, err error) error {
	for _, ours := range []error{ErrKeysUnavailable, ErrHeader, ErrMissingKeyID, ErrWrongIssuer, ErrUnknownKey, ErrMalformed} {
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
	case t != nil && alg != Algorithm:
		kind = ErrAlgorithm
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		kind = ErrBadSignature
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		// keyfunc's own refusals: a key whose alg or use does not fit.
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

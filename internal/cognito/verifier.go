// Package cognito verifies the JSON Web Tokens an Amazon Cognito user pool
// issues: ID and access tokens signed with RS256 by one of the pool's keys.
//
// It is at least as strict as AWS's aws-jwt-verify and follows RFC 8725: one
// algorithm, a key chosen by kid only, no header that points elsewhere for a
// key, exact issuers, and the app client checked for access tokens too.
package cognito

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// MaxTokenSize is the longest token Verify decodes, in bytes. Cognito tokens
// are 1 to 2 KB, more with many groups or custom attributes; API Gateway
// refuses request headers above 10 KB.
const MaxTokenSize = 8 << 10

// Algorithm is the one signing algorithm Cognito uses and Verify accepts.
const Algorithm = "RS256"

// KeySource finds the public key a token names. keyfunc.Keyfunc is one. When
// no key can be had at all (the JWKS is unreachable), its error must match
// ErrKeysUnavailable; when the key set has no such kid, ErrUnknownKey.
type KeySource interface {
	KeyfuncCtx(ctx context.Context) jwt.Keyfunc
}

// Config says which tokens a Verifier accepts.
type Config struct {
	// UserPoolID is the pool, e.g. eu-west-1_AbC123xyz. Its issuers are the
	// only ones accepted.
	UserPoolID string
	// ClientIDs are the app clients whose tokens are accepted.
	ClientIDs []string
	// TokenUses are the kinds of token accepted.
	TokenUses []TokenUse
	// Leeway is allowed on exp, nbf and iat for clock skew.
	Leeway time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Verifier verifies a pool's tokens. It is safe for concurrent use.
type Verifier struct {
	parser *jwt.Parser
	rules  rules
	keys   KeySource
}

// NewVerifier returns a Verifier for cfg that takes keys from keys.
func NewVerifier(cfg Config, keys KeySource) (*Verifier, error) {
	issuers, err := Issuers(cfg.UserPoolID)
	if err != nil {
		return nil, err
	}
	if len(cfg.ClientIDs) == 0 {
		return nil, errors.New("no app client ids")
	}
	if len(cfg.TokenUses) == 0 {
		return nil, errors.New("no token uses")
	}
	for _, u := range cfg.TokenUses {
		if u != IDToken && u != AccessToken {
			return nil, fmt.Errorf("unknown token use %q", u)
		}
	}
	if keys == nil {
		return nil, errors.New("no key source")
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Verifier{
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{Algorithm}),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithLeeway(cfg.Leeway),
			jwt.WithTimeFunc(now),
			jwt.WithStrictDecoding(),
		),
		rules: rules{issuers: issuers, clients: cfg.ClientIDs, uses: cfg.TokenUses},
		keys:  keys,
	}, nil
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
		return v.keys.KeyfuncCtx(ctx)(t)
	})
	if err != nil && !errors.Is(err, jwt.ErrTokenInvalidClaims) {
		return nil, classify(parsed, err)
	}
	// The signature holds (jwt checks claims only after it). Cognito's rules
	// come before jwt's time checks: a token from another pool is reported
	// as that, even when it has expired too.
	c := &Claims{raw: claims}
	if rerr := c.validate(&v.rules); rerr != nil {
		return nil, rerr
	}
	if err != nil {
		return nil, classify(parsed, err)
	}
	return c, nil
}

// classify turns jwt's error into one of the package's. The errors of our
// key function (and of the KeySource behind it) already are; jwt's own are
// named by the first that fits in this order.
func classify(t *jwt.Token, err error) error {
	for _, ours := range []error{ErrKeysUnavailable, ErrHeader, ErrMissingKeyID, ErrUnknownKey} {
		if errors.Is(err, ours) {
			return err
		}
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

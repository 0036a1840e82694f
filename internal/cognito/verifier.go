package cognito

import (
	"github.com/MicahParks/jwkset"

	"github.com/gatehouse-dev/cognito-authorizer/internal/verify"
)

// NewVerifier returns a verifier of one pool's tokens, whose keys are read
// from keys (a *jwks.Cache of the pool's JWKS URL); opts are verify.New's,
// e.g. verify.WithLeeway for clock skew and verify.WithClock. Several pools
// are several Issuers given to verify.New.
func NewVerifier(pool Pool, keys jwkset.Storage, opts ...verify.Option) (*verify.Verifier, error) {
	iss, err := pool.Issuer(keys)
	if err != nil {
		return nil, err
	}
	return verify.New([]verify.Issuer{iss}, opts...)
}

package cognito

import (
	"time"

	"github.com/MicahParks/jwkset"

	"github.com/gatehouse-dev/cognito-authorizer/internal/verify"
)

// NewVerifier returns a verifier of one pool's tokens, whose keys are read
// from keys (a *jwks.Cache of the pool's JWKS URL), allowing leeway of clock
// skew; now is the clock (nil: time.Now). Several pools are several Issuers
// given to verify.New.
func NewVerifier(pool Pool, keys jwkset.Storage, leeway time.Duration, now func() time.Time) (*verify.Verifier, error) {
	iss, err := pool.Issuer(keys)
	if err != nil {
		return nil, err
	}
	opts := []verify.Option{verify.WithLeeway(leeway)}
	if now != nil {
		opts = append(opts, verify.WithClock(now))
	}
	return verify.New([]verify.Issuer{iss}, opts...)
}

// Package wire builds the authorizer from its settings, once for every
// place that runs it: cmd/authorizer for Lambda, and the test kit for the
// tests and local tools. The domain packages (decide, authorizer, cognito,
// jwks, revocation) take their own values and know nothing of the
// environment; this is where settings meet them.
package wire

import (
	"fmt"
	"log/slog"

	"github.com/gatehouse-dev/cognito-authorizer/internal/authorizer"
	"github.com/gatehouse-dev/cognito-authorizer/internal/cognito"
	"github.com/gatehouse-dev/cognito-authorizer/internal/decide"
	"github.com/gatehouse-dev/cognito-authorizer/internal/jwks"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
	"github.com/gatehouse-dev/cognito-authorizer/internal/verify"
)

// Handler returns the REST authorizer's handler the settings describe,
// logging its decisions and the key fetches to log, and the JWKS caches it
// reads (one per issuer; nothing is fetched yet). opts come after the
// settings' own decide options: decide.WithRevocations is the caller's.
func Handler(s settings.Authorizer, log *slog.Logger, opts ...decide.Option) (*authorizer.Handler, []*jwks.Cache, error) {
	d, caches, err := Decider(s, log, opts...)
	if err != nil {
		return nil, nil, err
	}
	return authorizer.New(d, log, authorizer.WithTokenHeader(s.TokenHeader)), caches, nil
}

// Decider returns the decision core the settings describe and the JWKS
// caches its verifier reads, which log their fetches to log (nil:
// discarded).
func Decider(s settings.Authorizer, log *slog.Logger, opts ...decide.Option) (*decide.Decider, []*jwks.Cache, error) {
	v, caches, err := Verifier(s, log)
	if err != nil {
		return nil, nil, err
	}
	all := []decide.Option{
		decide.WithRequiredScopes(s.RequiredScopes...),
		decide.WithRequiredGroups(s.RequiredGroups...),
		decide.WithRules(s.Rules),
		decide.WithScope(s.PolicyResource),
	}
	return decide.New(v, append(all, opts...)...), caches, nil
}

// Verifier returns a verifier of the tokens of every issuer the settings
// list and the JWKS cache of each, in the settings' order.
func Verifier(s settings.Authorizer, log *slog.Logger) (*verify.Verifier, []*jwks.Cache, error) {
	issuers := make([]verify.Issuer, 0, len(s.Issuers))
	caches := make([]*jwks.Cache, 0, len(s.Issuers))
	for i, is := range s.Issuers {
		if is.Cognito == nil {
			return nil, nil, fmt.Errorf("issuer %d: no kind set", i)
		}
		cache, err := jwks.New(is.Cognito.JWKSURL, jwks.KeyPolicy{Algorithms: []string{verify.Algorithm}},
			jwks.WithTimeout(s.JWKSTimeout),
			jwks.WithRefreshInterval(s.JWKSRefreshInterval),
			jwks.WithLogger(log),
		)
		if err != nil {
			return nil, nil, fmt.Errorf("issuer %d: %w", i, err)
		}
		iss, err := Pool(*is.Cognito).Issuer(cache)
		if err != nil {
			return nil, nil, fmt.Errorf("issuer %d: %w", i, err)
		}
		issuers, caches = append(issuers, iss), append(caches, cache)
	}
	v, err := verify.New(issuers, verify.WithLeeway(s.Leeway))
	if err != nil {
		return nil, nil, err
	}
	return v, caches, nil
}

// Pool is the user pool a Cognito issuer's settings name.
func Pool(c settings.CognitoIssuer) cognito.Pool {
	uses := make([]cognito.TokenUse, len(c.TokenUses))
	for i, u := range c.TokenUses {
		uses[i] = cognito.TokenUse(u)
	}
	return cognito.Pool{ID: c.UserPoolID, ClientIDs: c.ClientIDs, TokenUses: uses}
}

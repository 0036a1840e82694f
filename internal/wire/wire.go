// Package wire builds the authorizer's parts from its settings, once for
// every place that runs it: cmd/authorizer for Lambda, and the test kit for
// the tests and local tools. The domain packages (authorizer, cognito,
// jwks, revocation) take their own values and know nothing of the
// environment; this is where settings meet them.
package wire

import (
	"log/slog"

	"github.com/gatehouse-dev/cognito-authorizer/internal/authorizer"
	"github.com/gatehouse-dev/cognito-authorizer/internal/cognito"
	"github.com/gatehouse-dev/cognito-authorizer/internal/jwks"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
	"github.com/gatehouse-dev/cognito-authorizer/internal/verify"
)

// HandlerConfig is the handler's part of the settings; Revocations is the
// caller's to set.
func HandlerConfig(s settings.Authorizer) authorizer.Config {
	return authorizer.Config{
		TokenHeader:    s.TokenHeader,
		RequiredScopes: s.RequiredScopes,
		RequiredGroups: s.RequiredGroups,
		Rules:          s.Rules,
		Scope:          s.PolicyResource,
	}
}

// Pool is the user pool the settings name.
func Pool(s settings.Authorizer) cognito.Pool {
	uses := make([]cognito.TokenUse, len(s.TokenUses))
	for i, u := range s.TokenUses {
		uses[i] = cognito.TokenUse(u)
	}
	return cognito.Pool{ID: s.UserPoolID, ClientIDs: s.ClientIDs, TokenUses: uses}
}

// Verifier returns the pool's verifier and the JWKS cache it reads, which
// logs to log (nil: discarded). Nothing is fetched yet.
func Verifier(s settings.Authorizer, log *slog.Logger) (*verify.Verifier, *jwks.Cache, error) {
	cache, err := jwks.New(s.JWKSURL, jwks.KeyPolicy{Algorithm: verify.Algorithm},
		jwks.WithTimeout(s.JWKSTimeout),
		jwks.WithRefreshInterval(s.JWKSRefreshInterval),
		jwks.WithLogger(log),
	)
	if err != nil {
		return nil, nil, err
	}
	v, err := cognito.NewVerifier(Pool(s), cache, verify.WithLeeway(s.Leeway))
	if err != nil {
		return nil, nil, err
	}
	return v, cache, nil
}

// Package wire builds the authorizer from its settings, once for every
// place that runs it: cmd/authorizer for Lambda, and the test kit for the
// tests and local tools. The domain packages (decide, authorizer, cognito,
// oidc, jwks, revocation) take their own values and know nothing of the
// environment; this package, under cmd/ with the mains, is where settings
// meet them.
package wire

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/MicahParks/jwkset"

	"github.com/gatehouse-dev/cognito-authorizer/internal/authorizer"
	"github.com/gatehouse-dev/cognito-authorizer/internal/cognito"
	"github.com/gatehouse-dev/cognito-authorizer/internal/decide"
	"github.com/gatehouse-dev/cognito-authorizer/internal/jwks"
	"github.com/gatehouse-dev/cognito-authorizer/internal/oidc"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
	"github.com/gatehouse-dev/cognito-authorizer/internal/verify"
)

// Handler returns the authorizer's handler the settings describe,
// logging its decisions and the key fetches to log, and the key sources it
// reads (one per issuer; nothing is fetched yet). opts come after the
// settings' own decide options: decide.WithRevocations is the caller's.
func Handler(s settings.Authorizer, log *slog.Logger, opts ...decide.Option) (*authorizer.Handler, []Keys, error) {
	d, keys, err := Decider(s, log, opts...)
	if err != nil {
		return nil, nil, err
	}
	return authorizer.New(d, log, HandlerOptions(s)...), keys, nil
}

// HandlerOptions are the handler's options the settings give: the token's
// header, the answer to HTTP APIs' payload 2.0 events and the metrics'
// namespace (empty: no metrics).
func HandlerOptions(s settings.Authorizer) []authorizer.Option {
	response := authorizer.HTTPAPIResponse(s.HTTPAPIResponse)
	if response == "" {
		response = authorizer.HTTPAPISimple // a settings.Authorizer not from LoadAuthorizer
	}
	return []authorizer.Option{
		authorizer.WithTokenHeader(s.TokenHeader),
		authorizer.WithHTTPAPIResponse(response),
		authorizer.WithMetrics(s.MetricsNamespace),
	}
}

// Decider returns the decision core the settings describe and the key
// sources its verifier reads, which log their fetches to log (nil:
// discarded).
func Decider(s settings.Authorizer, log *slog.Logger, opts ...decide.Option) (*decide.Decider, []Keys, error) {
	v, keys, err := Verifier(s, log)
	if err != nil {
		return nil, nil, err
	}
	all := []decide.Option{
		decide.WithRequiredScopes(s.RequiredScopes...),
		decide.WithRequiredGroups(s.RequiredGroups...),
		decide.WithRules(s.Rules),
		decide.WithScope(s.PolicyResource),
		decide.WithUsageIdentifier(s.Usage.Claim, s.Usage.Required),
	}
	return decide.New(v, append(all, opts...)...), keys, nil
}

// Keys is an issuer's key source as wire builds it: a JWKS cache, or an
// OpenID provider's keys found by discovery. Refresh fetches them now
// (cmd/authorizer does at start, so the first invocation finds them).
type Keys interface {
	jwkset.Storage
	Refresh(ctx context.Context) error
}

// Verifier returns a verifier of the tokens of every issuer the settings
// list and the key source of each, in the settings' order. Nothing is
// fetched yet.
func Verifier(s settings.Authorizer, log *slog.Logger) (*verify.Verifier, []Keys, error) {
	issuers := make([]verify.Issuer, 0, len(s.Issuers))
	keys := make([]Keys, 0, len(s.Issuers))
	for i, is := range s.Issuers {
		iss, k, err := issuer(s, is, log)
		if err != nil {
			return nil, nil, fmt.Errorf("issuer %d: %w", i, err)
		}
		issuers, keys = append(issuers, iss), append(keys, k)
	}
	v, err := verify.New(issuers, verify.WithLeeway(s.Leeway))
	if err != nil {
		return nil, nil, err
	}
	return v, keys, nil
}

// issuer builds one issuer of the settings and its key source.
func issuer(s settings.Authorizer, is settings.Issuer, log *slog.Logger) (verify.Issuer, Keys, error) {
	cache := func(algorithms []string) func(url string) (*jwks.Cache, error) {
		return func(url string) (*jwks.Cache, error) {
			return jwks.New(url, jwks.KeyPolicy{Algorithms: algorithms},
				jwks.WithTimeout(s.JWKSTimeout),
				jwks.WithRefreshInterval(s.JWKSRefreshInterval),
				jwks.WithLogger(log),
			)
		}
	}
	switch {
	case is.Cognito != nil:
		c, err := cache([]string{verify.Algorithm})(is.Cognito.JWKSURL)
		if err != nil {
			return verify.Issuer{}, nil, err
		}
		iss, err := Pool(*is.Cognito).Issuer(c)
		return iss, c, err
	case is.OIDC != nil:
		o := is.OIDC
		var keys Keys
		if o.JWKSURL != "" {
			c, err := cache(o.Algorithms)(o.JWKSURL)
			if err != nil {
				return verify.Issuer{}, nil, err
			}
			keys = c
		} else {
			k, err := oidc.NewKeys(o.Issuer, cache(o.Algorithms), oidc.WithTimeout(s.JWKSTimeout), oidc.WithLogger(log))
			if err != nil {
				return verify.Issuer{}, nil, err
			}
			keys = k
		}
		iss, err := Provider(*o).Issuer(keys)
		return iss, keys, err
	}
	return verify.Issuer{}, nil, fmt.Errorf("no kind set")
}

// Provider is the OpenID provider an oidc issuer's settings name.
func Provider(o settings.OIDCIssuer) oidc.Provider {
	return oidc.Provider{IssuerURL: o.Issuer, Audiences: o.Audiences, Algorithms: o.Algorithms, GroupsClaim: o.GroupsClaim, ScopeClaim: o.ScopeClaim}
}

// Pool is the user pool a Cognito issuer's settings name.
func Pool(c settings.CognitoIssuer) cognito.Pool {
	uses := make([]cognito.TokenUse, len(c.TokenUses))
	for i, u := range c.TokenUses {
		uses[i] = cognito.TokenUse(u)
	}
	return cognito.Pool{ID: c.UserPoolID, ClientIDs: c.ClientIDs, TokenUses: uses}
}

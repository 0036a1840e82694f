package cognitoauth

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
)

// maxInlineRules bounds ROUTE_RULES: Lambda's environment holds 4 KB in
// all, names and the other variables included.
const maxInlineRules = 3 << 10

// Check reports every problem New would panic on, each starting with the
// variable or the field at fault.
func (props *Props) Check() error {
	return props.withDefaults().check()
}

// check runs the environment through the function's own validation
// (settings.LoadAuthorizer and LoadRevocation) and checks what only the
// construct knows.
func (p Props) check() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if len(p.Issuers) == 0 {
		if p.UserPool == nil {
			add("UserPool: required (or Issuers)")
		}
		if len(p.ClientIDs) == 0 {
			add("ClientIDs: required: the app client ids (not the pool id)")
		}
	} else {
		p.checkIssuers(add)
	}
	for i, id := range p.ClientIDs {
		if id == nil {
			add("ClientIDs[%d]: nil", i)
		}
	}
	if p.CodeDir == "" {
		add("CodeDir: required: the directory holding bootstrap (make build writes bin/authorizer)")
	}
	switch p.Type {
	case Token, Request:
	default:
		add("Type: %q: want %s or %s", p.Type, Token, Request)
	}
	// A TOKEN authorizer reads the header as its identity source, so it
	// must be a header name whichever the type.
	if p.Type != Request && !settings.IsHeaderName(p.TokenHeader) {
		add("%s: %q is not an HTTP header name", settings.EnvTokenHeader, p.TokenHeader)
	}
	if p.RouteRules != "" && p.RouteRulesFile != "" {
		add("RouteRules, RouteRulesFile: set one, not both")
	}
	if len(p.RouteRules) > maxInlineRules {
		add("%s: %d bytes: Lambda's environment holds 4 KB in all; ship the rules in a file (RouteRulesFile)", settings.EnvRouteRules, len(p.RouteRules))
	}
	if p.RouteRulesFile != "" && (filepath.Base(p.RouteRulesFile) != p.RouteRulesFile || strings.HasPrefix(p.RouteRulesFile, ".")) {
		add("RouteRulesFile: %q: want the name of a file in CodeDir", p.RouteRulesFile)
	}

	p.checkCacheTTL(p.CacheTTL, add)
	if p.RevocationCacheTTL != nil && p.RevocationTable == nil {
		add("RevocationCacheTTL: set without a RevocationTable")
	}
	p.checkUsage(add)

	env := p.environment(forCheck)
	getenv := func(name string) string {
		if v := env[name]; v != nil {
			return *v
		}
		return ""
	}
	if _, err := settings.LoadAuthorizer(getenv); err != nil {
		errs = append(errs, err)
	}
	if _, err := settings.LoadRevocation(getenv); err != nil {
		errs = append(errs, err)
	}
	return joinUnique(errs)
}

// checkIssuers checks what settings cannot see of Issuers: that the one
// pool's props are not set as well, that each entry is one issuer with a
// pool and clients, and that a list too large for the environment can go
// to a file.
func (p Props) checkIssuers(add func(format string, args ...any)) {
	var both []string
	if p.UserPool != nil {
		both = append(both, "UserPool")
	}
	if len(p.ClientIDs) > 0 {
		both = append(both, "ClientIDs")
	}
	if len(p.TokenUses) > 0 {
		both = append(both, "TokenUses")
	}
	if len(both) > 0 {
		add("%s, Issuers: set one pool's UserPool and ClientIDs, or Issuers (each with its own client ids and token uses), not both",
			strings.Join(both, ", "))
	}
	for i, is := range p.Issuers {
		switch {
		case is.Cognito == nil && is.OIDC == nil:
			add("Issuers[%d]: empty: set Cognito or OIDC", i)
		case is.Cognito != nil && is.OIDC != nil:
			add("Issuers[%d]: set Cognito or OIDC, not both", i)
		case is.Cognito != nil:
			if is.Cognito.UserPool == nil {
				add("Issuers[%d].Cognito.UserPool: required", i)
			}
			if len(is.Cognito.ClientIDs) == 0 {
				add("Issuers[%d].Cognito.ClientIDs: required: the app client ids (not the pool id)", i)
			}
			for j, id := range is.Cognito.ClientIDs {
				if id == nil {
					add("Issuers[%d].Cognito.ClientIDs[%d]: nil", i, j)
				}
			}
		case len(is.OIDC.Audiences) == 0:
			add("Issuers[%d].OIDC.Audiences: required: a token's aud must hold one of them", i)
		}
	}
	if !p.issuersInFile() {
		return
	}
	size := environmentSize(p.environment(forMeasure))
	if p.issuersHaveTokens() {
		add("Issuers: the environment with %s could reach %d bytes, more than Lambda's 4 KB, and the issuers hold ids known only at deploy time "+
			"(a pool or client of the stack), so they cannot be shipped in %s either: name those pools and clients by their ids "+
			"(awscognito.UserPool_FromUserPoolId, literal ClientIDs), or accept fewer issuers", settings.EnvIssuers, size, IssuersFileName)
	}
	if p.RouteRulesFile == IssuersFileName {
		add("RouteRulesFile: %q is the file the issuers are shipped in (they do not fit in the environment): rename it", p.RouteRulesFile)
	}
}

// checkCacheTTL checks an authorizer's cache TTL: API Gateway's range, and
// no longer than the tokens are valid.
func (p Props) checkCacheTTL(cacheTTL awscdk.Duration, add func(format string, args ...any)) {
	ttl := *cacheTTL.ToSeconds(nil)
	if ttl < 0 || ttl > MaxCacheTTLSeconds {
		add("CacheTTL: %v s: want 0 to %d", ttl, MaxCacheTTLSeconds)
	}
	if p.TokenValidity != nil {
		if v := *p.TokenValidity.ToSeconds(nil); ttl > v {
			add("CacheTTL: %v s is longer than the tokens' validity (%v s): API Gateway would keep allowing a token after it expires", ttl, v)
		}
	}
}

package cognitoauth

import (
	"fmt"
	"path/filepath"
	"strings"

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
	if p.UserPool == nil {
		add("UserPool: required")
	}
	if len(p.ClientIDs) == 0 {
		add("ClientIDs: required: the app client ids (not the pool id)")
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

	ttl := *p.CacheTTL.ToSeconds(nil)
	if ttl < 0 || ttl > MaxCacheTTLSeconds {
		add("CacheTTL: %v s: want 0 to %d", ttl, MaxCacheTTLSeconds)
	}
	if p.TokenValidity != nil {
		if v := *p.TokenValidity.ToSeconds(nil); ttl > v {
			add("CacheTTL: %v s is longer than the tokens' validity (%v s): API Gateway would keep allowing a token after it expires", ttl, v)
		}
	}
	if p.RevocationCacheTTL != nil && p.RevocationTable == nil {
		add("RevocationCacheTTL: set without a RevocationTable")
	}

	env := p.environment(true)
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

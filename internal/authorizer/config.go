package authorizer

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/MicahParks/keyfunc/v3"

	"github.com/gatehouse-dev/cognito-authorizer/internal/cognito"
	"github.com/gatehouse-dev/cognito-authorizer/internal/jwks"
	"github.com/gatehouse-dev/cognito-authorizer/internal/lambdainit"
)

// Environment variables the authorizer reads. Deploy templates use these
// names through Settings; nothing else spells them.
const (
	EnvUserPoolID          = "COGNITO_USER_POOL_ID"
	EnvClientIDs           = "COGNITO_CLIENT_IDS"
	EnvTokenUse            = "COGNITO_TOKEN_USE"
	EnvJWKSURL             = "COGNITO_JWKS_URL"
	EnvTokenHeader         = "TOKEN_HEADER"
	EnvRequiredScopes      = "REQUIRED_SCOPES"
	EnvRequiredGroups      = "REQUIRED_GROUPS"
	EnvLeeway              = "JWT_LEEWAY"
	EnvJWKSTimeout         = "JWKS_TIMEOUT"
	EnvJWKSRefreshInterval = "JWKS_REFRESH_INTERVAL"
	EnvPolicyResource      = "POLICY_RESOURCE"
	EnvLogLevel            = lambdainit.EnvLogLevel
)

// Settings lists every variable the authorizer reads, in the order the README
// documents them.
var Settings = []lambdainit.Setting{
	{Name: EnvUserPoolID, Required: true, Doc: "The user pool id, e.g. `eu-west-1_AbC123xyz`; its region is the part before `_`."},
	{Name: EnvClientIDs, Required: true, Doc: "Comma-separated app client ids. An ID token's `aud` or an access token's `client_id` must be one of them."},
	{Name: EnvTokenUse, Default: "id,access", Doc: "Which tokens are accepted: `id`, `access` or `id,access`."},
	{Name: EnvJWKSURL, Default: "the pool's JWKS", Doc: "Where the JWKS is fetched from (https; http only for loopback or `host.docker.internal`), for local emulators and tests. The issuers accepted stay the pool's own."},
	{Name: EnvTokenHeader, Default: "Authorization", Doc: "REQUEST events: the header holding the token, looked up case-insensitively."},
	{Name: EnvRequiredScopes, Doc: "Space- or comma-separated scopes that must all be in the token's `scope` (ID tokens have none): otherwise Deny (403)."},
	{Name: EnvRequiredGroups, Doc: "Comma-separated groups that must all be in the token's `cognito:groups`: otherwise Deny (403)."},
	{Name: EnvLeeway, Default: "5s", Doc: "Clock leeway for `exp`, `nbf` and `iat`, a Go duration from 0s to 5m."},
	{Name: EnvJWKSTimeout, Default: "3s", Doc: "Timeout of one JWKS fetch, 100ms to 9s; a fetch also ends with the invocation's deadline, so keep it under the function's timeout (5 s in the templates)."},
	{Name: EnvJWKSRefreshInterval, Default: "1h", Doc: "Age after which the cached JWKS is fetched again (so removed keys stop being trusted), 1m to 24h."},
	{Name: EnvPolicyResource, Default: "stage", Doc: "Resource of the Allow policy: `stage` (every method of the stage: right with API Gateway's policy cache) or `method` (the methodArn only; set the cache TTL to 0)."},
	{Name: EnvLogLevel, Default: "info", Doc: "`debug`, `info`, `warn` or `error`."},
}

// PolicyResource says what an Allow policy covers.
type PolicyResource string

// The resources an Allow policy can cover.
const (
	PolicyStage  PolicyResource = "stage"
	PolicyMethod PolicyResource = "method"
)

// Config is the authorizer's validated configuration.
type Config struct {
	UserPoolID          string
	ClientIDs           []string
	TokenUses           []cognito.TokenUse
	JWKSURL             string
	TokenHeader         string
	RequiredScopes      []string
	RequiredGroups      []string
	Leeway              time.Duration
	JWKSTimeout         time.Duration
	JWKSRefreshInterval time.Duration
	PolicyResource      PolicyResource
}

var (
	clientIDPattern = regexp.MustCompile(`^[\w+]{1,128}$`)
	// headerPattern is RFC 9110's token, the characters of a field name.
	headerPattern = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$")
)

// IsHeaderName reports whether s can name an HTTP header (RFC 9110's token,
// at most 128 characters), as TOKEN_HEADER must.
func IsHeaderName(s string) bool { return headerPattern.MatchString(s) }

// LoadConfig reads and validates the configuration. Each problem is reported
// with the variable's name and what it expects, all of them at once.
func LoadConfig(getenv func(string) string) (Config, error) {
	var errs []error
	bad := func(name, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: "+format, append([]any{name}, args...)...))
	}
	get := func(name string) string { return strings.TrimSpace(getenv(name)) }

	cfg := Config{
		UserPoolID:  get(EnvUserPoolID),
		TokenHeader: "Authorization",
	}
	switch {
	case cfg.UserPoolID == "":
		bad(EnvUserPoolID, "required: the user pool id, e.g. eu-west-1_AbC123xyz")
	default:
		if _, err := cognito.ParseUserPoolID(cfg.UserPoolID); err != nil {
			bad(EnvUserPoolID, "%v", err)
		}
	}

	if v := get(EnvClientIDs); v == "" {
		bad(EnvClientIDs, "required: comma-separated app client ids")
	} else {
		for _, id := range strings.Split(v, ",") {
			id = strings.TrimSpace(id)
			if !clientIDPattern.MatchString(id) {
				bad(EnvClientIDs, "%q is not an app client id (1 to 128 letters, digits, _ or +)", id)
				continue
			}
			cfg.ClientIDs = appendUnique(cfg.ClientIDs, id)
		}
	}

	if v := get(EnvTokenUse); v == "" {
		cfg.TokenUses = []cognito.TokenUse{cognito.IDToken, cognito.AccessToken}
	} else {
		for _, u := range strings.Split(v, ",") {
			switch tu := cognito.TokenUse(strings.TrimSpace(u)); tu {
			case cognito.IDToken, cognito.AccessToken:
				cfg.TokenUses = appendUnique(cfg.TokenUses, tu)
			default:
				bad(EnvTokenUse, "%q is not a token use: want id, access or id,access", u)
			}
		}
	}

	if v := get(EnvJWKSURL); v != "" {
		if err := checkJWKSURL(v); err != nil {
			bad(EnvJWKSURL, "%v", err)
		}
		cfg.JWKSURL = v
	} else if u, err := cognito.JWKSURL(cfg.UserPoolID); err == nil {
		cfg.JWKSURL = u // an invalid pool id is reported above
	}

	if v := get(EnvTokenHeader); v != "" {
		if !IsHeaderName(v) {
			bad(EnvTokenHeader, "%q is not an HTTP header name", v)
		}
		cfg.TokenHeader = v
	}

	cfg.RequiredScopes = fields(get(EnvRequiredScopes), " ,")
	for _, s := range cfg.RequiredScopes {
		if len(s) > 256 {
			bad(EnvRequiredScopes, "scope %.20q... is longer than 256 bytes", s)
		}
	}
	cfg.RequiredGroups = fields(get(EnvRequiredGroups), ",")
	for _, g := range cfg.RequiredGroups {
		if len(g) > 128 {
			bad(EnvRequiredGroups, "group %.20q... is longer than 128 bytes", g)
		}
	}

	durations := []struct {
		name     string
		dst      *time.Duration
		def      time.Duration
		min, max time.Duration
	}{
		{EnvLeeway, &cfg.Leeway, 5 * time.Second, 0, 5 * time.Minute},
		{EnvJWKSTimeout, &cfg.JWKSTimeout, 3 * time.Second, 100 * time.Millisecond, 9 * time.Second},
		{EnvJWKSRefreshInterval, &cfg.JWKSRefreshInterval, time.Hour, time.Minute, 24 * time.Hour},
	}
	for _, d := range durations {
		*d.dst = d.def
		v := get(d.name)
		if v == "" {
			continue
		}
		parsed, err := time.ParseDuration(v)
		if err != nil || parsed < d.min || parsed > d.max {
			bad(d.name, "%q is not a duration from %v to %v (e.g. %v)", v, d.min, d.max, d.def)
			continue
		}
		*d.dst = parsed
	}

	switch v := PolicyResource(strings.ToLower(get(EnvPolicyResource))); v {
	case "":
		cfg.PolicyResource = PolicyStage
	case PolicyStage, PolicyMethod:
		cfg.PolicyResource = v
	default:
		bad(EnvPolicyResource, "%q is not a policy resource: want stage or method", v)
	}

	if err := errors.Join(errs...); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// checkJWKSURL accepts https anywhere and plain http only where no network
// sits between the function and the key server: loopback, and the Docker
// host that sam local invoke reaches as host.docker.internal.
func checkJWKSURL(v string) error {
	u, err := url.Parse(v)
	if err != nil || u.Host == "" || u.User != nil || u.Fragment != "" {
		return fmt.Errorf("%q is not an absolute http(s) URL", v)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		host := u.Hostname()
		if host == "localhost" || host == "host.docker.internal" {
			return nil
		}
		if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
			return nil
		}
		return fmt.Errorf("%q: plain http is allowed only for loopback or host.docker.internal; use https", v)
	default:
		return fmt.Errorf("%q is not an absolute http(s) URL", v)
	}
}

func fields(s, seps string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(seps, r) }) {
		if f = strings.TrimSpace(f); f != "" {
			out = appendUnique(out, f)
		}
	}
	return out
}

func appendUnique[T comparable](list []T, v T) []T {
	if slices.Contains(list, v) {
		return list
	}
	return append(list, v)
}

// NewVerifier wires what cfg describes: a JWKS cache for the pool's keys,
// read through keyfunc, and a Verifier of the pool's tokens. It fetches
// nothing; call the cache's Refresh to fetch the keys ahead of the first
// token. The cache logs its fetches to log.
func NewVerifier(cfg Config, log *slog.Logger) (*cognito.Verifier, *jwks.Cache, error) {
	cache, err := jwks.New(jwks.Options{
		URL:             cfg.JWKSURL,
		Timeout:         cfg.JWKSTimeout,
		RefreshInterval: cfg.JWKSRefreshInterval,
		Logger:          log,
	})
	if err != nil {
		return nil, nil, err
	}
	keys, err := keyfunc.New(keyfunc.Options{Storage: cache})
	if err != nil {
		return nil, nil, err
	}
	v, err := cognito.NewVerifier(cognito.Config{
		UserPoolID: cfg.UserPoolID,
		ClientIDs:  cfg.ClientIDs,
		TokenUses:  cfg.TokenUses,
		Leeway:     cfg.Leeway,
	}, keys)
	if err != nil {
		return nil, nil, err
	}
	return v, cache, nil
}

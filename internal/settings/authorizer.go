package settings

import (
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/gatehouse-dev/cognito-authorizer/internal/policy"
)

// Environment variables the authorizer reads. Deploy templates use these
// names; nothing else spells them.
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
	EnvFunctionTimeout     = "FUNCTION_TIMEOUT"
	EnvRouteRules          = "ROUTE_RULES"
	EnvRouteRulesFile      = "ROUTE_RULES_FILE"
	EnvIssuers             = "ISSUERS"
	EnvIssuersFile         = "ISSUERS_FILE"
	EnvHTTPAPIResponse     = "HTTP_API_RESPONSE"
)

// The answers to an HTTP API's payload 2.0 events (HTTP_API_RESPONSE).
const (
	// HTTPAPISimple answers {"isAuthorized": bool, "context": {...}}:
	// per request, so cached rightly only with the route key, the method
	// and the path among the identity sources.
	HTTPAPISimple = "simple"
	// HTTPAPIIAM answers an IAM policy over every rule's route, as for
	// REST: a function of the token alone.
	HTTPAPIIAM = "iam"
)

// Defaults of the authorizer's settings.
const (
	DefaultTokenHeader         = "Authorization"
	DefaultLeeway              = 5 * time.Second
	DefaultJWKSTimeout         = 3 * time.Second
	DefaultJWKSRefreshInterval = time.Hour
	DefaultPolicyResource      = policy.ScopeStage
)

// AnswerMargin is how long before Lambda's deadline the authorizer stops
// waiting (for keys, for stores) and answers: enough to write the answer and
// the log line, so that API Gateway gets our answer rather than Lambda's
// timeout.
const AnswerMargin = 150 * time.Millisecond

// The token uses a Cognito user pool issues to a signed-in user.
const (
	TokenUseID     = "id"
	TokenUseAccess = "access"
)

// AuthorizerSettings lists every variable the authorizer reads, in the order
// docs/configuration.md documents them.
var AuthorizerSettings = []Setting{
	{Name: EnvUserPoolID, Doc: "Required unless `ISSUERS` is set. The user pool id, e.g. `eu-west-1_AbC123xyz`; its region is the part before `_`."},
	{Name: EnvClientIDs, Doc: "Required unless `ISSUERS` is set. Comma-separated app client ids. An ID token's `aud` or an access token's `client_id` must be one of them."},
	{Name: EnvTokenUse, Default: "id,access", Doc: "Which tokens are accepted: `id`, `access` or `id,access`."},
	{Name: EnvJWKSURL, Default: "the pool's JWKS", Doc: "Where the JWKS is fetched from (https; http only for loopback or `host.docker.internal`), for local emulators and tests. The issuers accepted stay the pool's own."},
	{Name: EnvIssuers, Doc: "The issuers accepted, instead of `COGNITO_USER_POOL_ID` and its companions: a JSON array of 1 to 32 entries, each `{\"cognito\": {...}}` (a user pool) or `{\"oidc\": {...}}` (any OpenID Connect provider). Strict: unknown keys, nulls and an issuer listed twice are errors."},
	{Name: EnvIssuersFile, Doc: "The path of a file holding the issuers' JSON (at most 64 KiB), e.g. `issuers.json` shipped beside `bootstrap`. Not with `ISSUERS`."},
	{Name: EnvTokenHeader, Default: DefaultTokenHeader, Doc: "REQUEST events and HTTP API events (payload 1.0 and 2.0): the header holding the token, looked up case-insensitively."},
	{Name: EnvRequiredScopes, Doc: "Space- or comma-separated scopes that must all be among the caller's scopes (`scope`, or an `oidc` entry's `scopeClaim`; Cognito ID tokens have none): otherwise Deny (403)."},
	{Name: EnvRequiredGroups, Doc: "Comma-separated groups that must all be among the caller's groups (`cognito:groups`, or an `oidc` entry's `groupsClaim`): otherwise Deny (403)."},
	{Name: EnvLeeway, Default: "5s", Doc: "Clock leeway for `exp`, `nbf` and `iat`, a Go duration from 0s to 5m."},
	{Name: EnvJWKSTimeout, Default: "3s", Doc: "Timeout of one JWKS fetch, 100ms to 9s; a fetch also ends with the invocation's deadline, so keep it under the function's timeout (5 s in the templates)."},
	{Name: EnvJWKSRefreshInterval, Default: "1h", Doc: "Age after which the cached JWKS is fetched again (so removed keys stop being trusted), 1m to 24h."},
	{Name: EnvFunctionTimeout, Doc: "The function's timeout as deployed (a Go duration; the CDK stack and the SAM template set it). When set, `JWKS_TIMEOUT` plus the 150 ms answer margin must fit in it."},
	{Name: EnvPolicyResource, Default: DefaultPolicyResource.String(), Doc: "Resource of the Allow policy: `stage` (every method of the stage: right with API Gateway's policy cache) or `method` (the methodArn only; set the cache TTL to 0). Without route rules only."},
	{Name: EnvRouteRules, Doc: "Route rules: a JSON array of `{\"route\": \"METHOD /path\", ...conditions}` (see Route rules). Unset: every verified caller who passes `REQUIRED_GROUPS`/`REQUIRED_SCOPES` is allowed on the whole stage."},
	{Name: EnvRouteRulesFile, Doc: "The path of a file holding the route rules' JSON (Lambda's environment holds 4 KB in all), e.g. `rules.json` shipped beside `bootstrap`. Not with `ROUTE_RULES`."},
	{Name: EnvHTTPAPIResponse, Default: HTTPAPISimple, Doc: "HTTP APIs' payload 2.0 events: the answer, as the API's authorizer expects it (`enableSimpleResponses`): `simple` (`{\"isAuthorized\": true|false, \"context\": {...}}`, for the request's route) or `iam` (the policy a REST API gets, a function of the token alone). REST events and payload 1.0 events get a policy either way."},
	usageIdentifierClaimSetting,
	usageIdentifierRequiredSetting,
	metricsNamespaceSetting,
	logLevelSetting,
}

// Authorizer is the authorizer's validated configuration.
type Authorizer struct {
	// Issuers are the token issuers accepted: those ISSUERS or
	// ISSUERS_FILE lists or, with neither set, one Cognito user pool read
	// from COGNITO_USER_POOL_ID and its companions. Defaults are filled
	// in.
	Issuers             []Issuer
	TokenHeader         string
	RequiredScopes      []string
	RequiredGroups      []string
	Leeway              time.Duration
	JWKSTimeout         time.Duration
	JWKSRefreshInterval time.Duration
	// PolicyResource is what a policy covers without Rules.
	PolicyResource policy.Scope
	// Rules are the route rules, nil when none are configured.
	Rules *policy.Rules
	// HTTPAPIResponse is the answer to an HTTP API's payload 2.0 events:
	// HTTPAPISimple or HTTPAPIIAM.
	HTTPAPIResponse string
	// Usage is the usage identifier claim (REST APIs' usage plans).
	Usage Usage
	// MetricsNamespace is the CloudWatch namespace of the metrics each
	// decision's log line carries; empty: none (LookupAuthorizer only).
	MetricsNamespace string
	LogLevel         slog.Level
}

// Issuer is one token issuer the authorizer accepts: one entry of ISSUERS,
// whose JSON it is. Exactly one of its kinds is set.
type Issuer struct {
	Cognito *CognitoIssuer `json:"cognito,omitempty"`
	OIDC    *OIDCIssuer    `json:"oidc,omitempty"`
}

// CognitoIssuer is a Cognito user pool and which of its tokens are
// accepted.
type CognitoIssuer struct {
	UserPoolID string   `json:"userPoolId"`
	ClientIDs  []string `json:"clientIds"`
	TokenUses  []string `json:"tokenUse,omitempty"` // TokenUseID and/or TokenUseAccess
	// JWKSURL is where the pool's keys are fetched: once loaded, the
	// pool's own JWKS unless the setting names another (local emulators,
	// tests).
	JWKSURL string `json:"jwksUrl,omitempty"`
}

// OIDCIssuer is any OpenID Connect provider's issuer (Okta, Entra ID,
// Auth0, Google, ...).
type OIDCIssuer struct {
	// Issuer is compared with the token's iss exactly, a trailing slash
	// included.
	Issuer string `json:"issuer"`
	// Audiences: the token's aud (a string or an array) must hold one.
	Audiences []string `json:"audiences"`
	// JWKSURL is where the keys are fetched; empty: read from the
	// issuer's discovery document (<issuer>/.well-known/openid-configuration,
	// its jwks_uri).
	JWKSURL string `json:"jwksUrl,omitempty"`
	// Algorithms are the signing algorithms accepted (default RS256).
	Algorithms []string `json:"algorithms,omitempty"`
	// GroupsClaim names the claim holding the caller's groups (default
	// groups): an array of strings, or one string.
	GroupsClaim string `json:"groupsClaim,omitempty"`
	// ScopeClaim names the claim holding the scopes: scope (default; a
	// space-separated string) or scp (an array, or a space-separated
	// string).
	ScopeClaim string `json:"scopeClaim,omitempty"`
}

var (
	leewaySetting              = duration{EnvLeeway, DefaultLeeway, 0, 5 * time.Minute}
	jwksTimeoutSetting         = duration{EnvJWKSTimeout, DefaultJWKSTimeout, 100 * time.Millisecond, 9 * time.Second}
	jwksRefreshIntervalSetting = duration{EnvJWKSRefreshInterval, DefaultJWKSRefreshInterval, time.Minute, 24 * time.Hour}
	// functionTimeoutSetting is Lambda's range; unset (0) skips the check.
	functionTimeoutSetting = duration{EnvFunctionTimeout, 0, time.Second, 15 * time.Minute}
)

// UserPoolRegion checks a user pool id and returns its region.
func UserPoolRegion(id string) (string, error) {
	region, ok := userPoolParts(id)
	if !ok {
		return "", fmt.Errorf("%q is not a user pool id: want <region>_<id>, e.g. eu-west-1_AbC123xyz", id)
	}
	return region, nil
}

// IsHeaderName reports whether s can name an HTTP header (RFC 9110's token,
// at most 128 characters), as TOKEN_HEADER must.
func IsHeaderName(s string) bool { return isHeaderToken(s) }

// LoadAuthorizer reads and validates the authorizer's configuration. Each
// problem is reported with the variable's name and what it expects, all of
// them at once. getenv cannot tell a variable set to the empty string from
// an unset one, and both read as unset: LookupAuthorizer tells them apart.
func LoadAuthorizer(getenv func(string) string) (Authorizer, error) {
	var p problems
	get := func(name string) string { return strings.TrimSpace(getenv(name)) }

	cfg := Authorizer{TokenHeader: DefaultTokenHeader}
	cfg.Issuers = loadIssuers(&p, get)

	if v := get(EnvTokenHeader); v != "" {
		if !IsHeaderName(v) {
			p.add(EnvTokenHeader, "%q is not an HTTP header name", v)
		}
		cfg.TokenHeader = v
	}

	cfg.RequiredScopes = fields(get(EnvRequiredScopes), " ,")
	for _, s := range cfg.RequiredScopes {
		if len(s) > 256 {
			p.add(EnvRequiredScopes, "scope %.20q... is longer than 256 bytes", s)
		}
	}
	cfg.RequiredGroups = fields(get(EnvRequiredGroups), ",")
	for _, g := range cfg.RequiredGroups {
		if len(g) > 128 {
			p.add(EnvRequiredGroups, "group %.20q... is longer than 128 bytes", g)
		}
	}

	cfg.Leeway = leewaySetting.load(&p, get(EnvLeeway))
	cfg.JWKSTimeout = jwksTimeoutSetting.load(&p, get(EnvJWKSTimeout))
	cfg.JWKSRefreshInterval = jwksRefreshIntervalSetting.load(&p, get(EnvJWKSRefreshInterval))
	// One fetch must fit. An OpenID provider's keys found by discovery
	// may take two (the document, then the keys) when the start-up fetch
	// failed: the second is then cut at the deadline, an outage answer
	// (503) the client retries, never an Allow.
	if timeout := functionTimeoutSetting.load(&p, get(EnvFunctionTimeout)); timeout > 0 && cfg.JWKSTimeout+AnswerMargin > timeout {
		p.add(EnvJWKSTimeout, "%v and the %v answer margin do not fit in %s=%v: lower %s or raise the function's timeout",
			cfg.JWKSTimeout, AnswerMargin, EnvFunctionTimeout, timeout, EnvJWKSTimeout)
	}

	cfg.PolicyResource = DefaultPolicyResource
	if v := get(EnvPolicyResource); v != "" {
		s, err := policy.ParseScope(strings.ToLower(v))
		if err != nil {
			p.add(EnvPolicyResource, "%v", err)
		}
		cfg.PolicyResource = s
	}

	cfg.Rules = loadRules(&p, get(EnvRouteRules), get(EnvRouteRulesFile))

	cfg.HTTPAPIResponse = HTTPAPISimple
	if v := get(EnvHTTPAPIResponse); v != "" {
		switch lower := strings.ToLower(v); lower {
		case HTTPAPISimple, HTTPAPIIAM:
			cfg.HTTPAPIResponse = lower
		default:
			p.add(EnvHTTPAPIResponse, "%q is not an answer: want %s or %s", v, HTTPAPISimple, HTTPAPIIAM)
		}
	}

	cfg.Usage = loadUsage(&p, get)
	cfg.MetricsNamespace = loadMetricsNamespace(&p, get)

	level, err := ParseLogLevel(getenv(EnvLogLevel))
	if err != nil {
		p = append(p, err)
	}
	cfg.LogLevel = level

	if err := p.err(); err != nil {
		return Authorizer{}, err
	}
	return cfg, nil
}

// loadCognito reads the one user pool of COGNITO_USER_POOL_ID,
// COGNITO_CLIENT_IDS, COGNITO_TOKEN_USE and COGNITO_JWKS_URL, which ISSUERS
// replaces.
func loadCognito(p *problems, get func(string) string) *CognitoIssuer {
	c := &CognitoIssuer{UserPoolID: get(EnvUserPoolID)}
	var region string
	if c.UserPoolID == "" {
		p.add(EnvUserPoolID, "required: the user pool id, e.g. eu-west-1_AbC123xyz (or list the issuers in %s or %s instead)", EnvIssuers, EnvIssuersFile)
	} else if r, err := UserPoolRegion(c.UserPoolID); err != nil {
		p.add(EnvUserPoolID, "%v", err)
	} else {
		region = r
	}

	if v := get(EnvClientIDs); v == "" {
		p.add(EnvClientIDs, "required: comma-separated app client ids (or list the issuers in %s or %s instead)", EnvIssuers, EnvIssuersFile)
	} else {
		for _, id := range strings.Split(v, ",") {
			id = strings.TrimSpace(id)
			if !isClientID(id) {
				p.add(EnvClientIDs, "%q is not an app client id (1 to 128 letters, digits, _ or +)", id)
				continue
			}
			c.ClientIDs = appendUnique(c.ClientIDs, id)
		}
	}

	if v := get(EnvTokenUse); v == "" {
		c.TokenUses = []string{TokenUseID, TokenUseAccess}
	} else {
		for _, u := range strings.Split(v, ",") {
			switch u = strings.TrimSpace(u); u {
			case TokenUseID, TokenUseAccess:
				c.TokenUses = appendUnique(c.TokenUses, u)
			default:
				p.add(EnvTokenUse, "%q is not a token use: want id, access or id,access", u)
			}
		}
	}

	if v := get(EnvJWKSURL); v != "" {
		if err := checkJWKSURL(v); err != nil {
			p.add(EnvJWKSURL, "%v", err)
		}
		c.JWKSURL = v
	} else if region != "" {
		c.JWKSURL = cognitoJWKSURL(region, c.UserPoolID)
	}
	return c
}

// loadRules parses the route rules of ROUTE_RULES or of the file named by
// ROUTE_RULES_FILE; an error names the variable and the rule's index.
func loadRules(p *problems, inline, file string) *policy.Rules {
	var (
		name string
		data []byte
	)
	switch {
	case inline != "" && file != "":
		p.add(EnvRouteRules, "set %s or %s, not both", EnvRouteRules, EnvRouteRulesFile)
		return nil
	case inline != "":
		name, data = EnvRouteRules, []byte(inline)
	case file != "":
		name = EnvRouteRulesFile
		f, err := os.Open(file)
		if err != nil {
			p.add(name, "%v", err)
			return nil
		}
		defer f.Close()
		data, err = io.ReadAll(io.LimitReader(f, policy.MaxRulesSize+1))
		if err != nil {
			p.add(name, "reading %s: %v", file, err)
			return nil
		}
	default:
		return nil
	}
	rules, err := policy.ParseRules(data)
	if err != nil {
		p.add(name, "%v", err)
		return nil
	}
	return rules
}

// checkJWKSURL accepts https anywhere and plain http only where no network
// sits between the function and the key server: loopback, and the Docker
// host that sam local invoke reaches as host.docker.internal.
func checkJWKSURL(v string) error { return checkKeysURL(v, true) }

// checkKeysURL accepts https anywhere and plain http on loopback, and on
// host.docker.internal where dockerHost (COGNITO_JWKS_URL, for sam local
// invoke; not ISSUERS' entries, whose lists reach deployed functions).
func checkKeysURL(v string, dockerHost bool) error {
	u, err := url.Parse(v)
	if err != nil || u.Host == "" || u.User != nil || u.Fragment != "" {
		return fmt.Errorf("%q is not an absolute http(s) URL", v)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		host := u.Hostname()
		if isLoopbackHost(host) || dockerHost && host == "host.docker.internal" {
			return nil
		}
		if !dockerHost {
			return fmt.Errorf("%q: plain http is allowed only for a loopback host (127.0.0.0/8, ::1, localhost); use https", v)
		}
		return fmt.Errorf("%q: plain http is allowed only for loopback or host.docker.internal; use https", v)
	default:
		return fmt.Errorf("%q is not an absolute http(s) URL", v)
	}
}

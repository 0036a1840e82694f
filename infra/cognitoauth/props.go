package cognitoauth

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"

	"github.com/gatehouse-dev/cognito-authorizer/internal/apispec"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
)

// Defaults: what Props' zero values stand for.
const (
	DefaultCacheTTLSeconds = apispec.DefaultCacheTTLSeconds
	DefaultTimeoutSeconds  = 5
	DefaultLogLevel        = "info"
	DefaultLogRetention    = awslogs.RetentionDays_ONE_MONTH
	// MaxCacheTTLSeconds is the longest authorizer cache API Gateway
	// offers (an hour).
	MaxCacheTTLSeconds = apispec.MaxCacheTTLSeconds
)

// Props configures an Authorizer. CodeDir is required, and either UserPool
// and ClientIDs (one user pool, the COGNITO_* variables) or Issuers
// (ISSUERS); zero values of the others mean the documented defaults.
type Props struct {
	// UserPool is the pool whose tokens are accepted: a UserPool of the
	// stack or one imported with awscognito.UserPool_FromUserPoolId. Not
	// with Issuers.
	UserPool awscognito.IUserPool
	// ClientIDs are the app client ids an ID token's aud or an access
	// token's client_id must be one of (UserPoolClient.UserPoolClientId()
	// or literal ids), never the pool id.
	ClientIDs []*string
	// TokenUses are the tokens accepted: settings.TokenUseID and/or
	// settings.TokenUseAccess (default both). Not with Issuers, whose
	// Cognito entries have their own.
	TokenUses []string
	// Issuers, instead of UserPool and ClientIDs, are the issuers whose
	// tokens are accepted: Cognito user pools and OpenID Connect
	// providers. The function gets them as ISSUERS, or, when they do not
	// fit in Lambda's 4 KB environment, as a file shipped beside
	// bootstrap (IssuersFileName, ISSUERS_FILE).
	Issuers []Issuer
	// RequiredGroups and RequiredScopes must all be in every token, on
	// every route, or the authorizer denies (403).
	RequiredGroups []string
	RequiredScopes []string
	// RouteRules is the route rules' JSON (ROUTE_RULES), or RouteRulesFile
	// the name of a file holding it inside CodeDir, shipped beside
	// bootstrap (ROUTE_RULES_FILE; for rule sets too large for Lambda's
	// 4 KB environment). Not both; neither: every verified caller is
	// allowed on the whole stage.
	RouteRules     string
	RouteRulesFile string

	// Type is Token (the default) or Request.
	Type Type
	// TokenHeader is the header holding the token (default Authorization).
	TokenHeader string
	// CacheTTL is how long API Gateway reuses a decision per token
	// (default 5 minutes, at most an hour; awscdk.Duration_Seconds(0)
	// turns the cache off). A cached Allow outlives the token's exp and a
	// sign-out by up to this long.
	CacheTTL awscdk.Duration
	// TokenValidity, when set, is the shortest ID or access token validity
	// of the app clients; a CacheTTL longer than it is refused.
	TokenValidity awscdk.Duration

	// CodeDir is the directory holding the bootstrap binary (linux/arm64),
	// as make build writes it to bin/authorizer.
	CodeDir string
	// Timeout is the function's timeout (default 5 seconds); the function
	// gets it as FUNCTION_TIMEOUT, to check that its JWKS fetches fit.
	Timeout awscdk.Duration
	// LogLevel is the function's LOG_LEVEL (default info); Lambda's
	// application log filter follows it.
	LogLevel string
	// LogRetention is the retention of the function's log group (default
	// a month).
	LogRetention awslogs.RetentionDays

	// MetricsNamespace is the CloudWatch namespace of the function's
	// metrics (METRICS_NAMESPACE, default
	// settings.DefaultMetricsNamespace), which the dashboard and the alarm
	// read. Two authorizers of one account and region with the same
	// namespace add up on each other's dashboards and alarms.
	MetricsNamespace string
	// NoDashboard leaves out the CloudWatch dashboard
	// (Authorizer.Dashboard): decisions by outcome and by reason, latency,
	// JWKS fetches.
	NoDashboard bool
	// NoAlarms leaves out the alarm on Unavailable decisions
	// (Authorizer.UnavailableAlarm).
	NoAlarms bool

	// RevocationTable, when set, is the table of revoked sessions the
	// authorizer reads (REVOCATION_TABLE): its role may BatchGetItem (the
	// one call the revocation check makes) on that table and nothing else.
	RevocationTable awsdynamodb.ITable
	// RevocationCacheTTL is REVOCATION_CACHE_TTL (unset: the function's
	// default, 10 seconds).
	RevocationCacheTTL awscdk.Duration

	// RestApi, when set, gets the gateway responses: 401 with
	// WWW-Authenticate, 403, and 503 with Retry-After for authorizer
	// failures. They apply to the whole API.
	RestApi awsapigateway.IRestApi

	// UsageIdentifierClaim, when set, names the claim whose value the
	// function answers as usageIdentifierKey, the API key of the caller's
	// usage plan (USAGE_IDENTIFIER_CLAIM; REST APIs only): a RestApi of
	// the stack gets the API key source AUTHORIZER (UsageKeySource; an
	// imported one must be set by hand, and synthesis warns), and the
	// methods must require an API key (MethodOptions). Name only a claim
	// users cannot write.
	UsageIdentifierClaim string
	// UsageIdentifierRequired refuses tokens without the claim
	// (USAGE_IDENTIFIER_REQUIRED=true, reason no_usage_key).
	UsageIdentifierRequired bool
}

func (props *Props) withDefaults() Props {
	var p Props
	if props != nil {
		p = *props
	}
	if p.Type == "" {
		p.Type = Token
	}
	if p.TokenHeader == "" {
		p.TokenHeader = settings.DefaultTokenHeader
	}
	if len(p.TokenUses) == 0 && len(p.Issuers) == 0 {
		p.TokenUses = []string{settings.TokenUseID, settings.TokenUseAccess}
	}
	if p.CacheTTL == nil {
		p.CacheTTL = awscdk.Duration_Seconds(jsii.Number(DefaultCacheTTLSeconds))
	}
	if p.Timeout == nil {
		p.Timeout = awscdk.Duration_Seconds(jsii.Number(DefaultTimeoutSeconds))
	}
	if p.LogLevel == "" {
		p.LogLevel = DefaultLogLevel
	}
	if p.LogRetention == "" {
		p.LogRetention = DefaultLogRetention
	}
	if p.MetricsNamespace == "" {
		p.MetricsNamespace = settings.DefaultMetricsNamespace
	}
	return p
}

// Issuer is one issuer whose tokens are accepted: set Cognito or OIDC.
type Issuer struct {
	Cognito *CognitoIssuer
	// OIDC is any OpenID Connect provider (Okta, Entra ID, Auth0, ...),
	// written to ISSUERS as it is.
	OIDC *OIDCIssuer
}

// OIDCIssuer is an OpenID Connect provider's entry of ISSUERS (see the
// README's "Several issuers"): the authorizer's own settings type, which a
// module outside this repository cannot import, field for field.
type OIDCIssuer struct {
	// Issuer is compared with the tokens' iss exactly, trailing slash
	// included.
	Issuer string
	// Audiences: a token's aud must hold one.
	Audiences []string
	// JWKSURL is where the keys are; empty: the discovery document's
	// jwks_uri.
	JWKSURL string
	// Algorithms default to RS256; from RS256-512, PS256-512, ES256, ES384.
	Algorithms []string
	// GroupsClaim names the groups claim (default groups).
	GroupsClaim string
	// ScopeClaim is scope (default) or scp.
	ScopeClaim string
}

// CognitoIssuer is a user pool and which of its tokens are accepted.
type CognitoIssuer struct {
	// UserPool is a UserPool of the stack or one imported with
	// awscognito.UserPool_FromUserPoolId.
	UserPool awscognito.IUserPool
	// ClientIDs are the app client ids an ID token's aud or an access
	// token's client_id must be one of (UserPoolClient.UserPoolClientId()
	// or literal ids).
	ClientIDs []*string
	// TokenUses are settings.TokenUseID and/or settings.TokenUseAccess
	// (default both).
	TokenUses []string
	// JWKSURL, for local emulators and tests, is where the pool's keys
	// are fetched (default the pool's own JWKS).
	JWKSURL string
}

package settings

import (
	"log/slog"
	"strconv"
	"strings"
	"time"
)

// Environment variables of the sign-out function, beyond EnvRevocationTable
// and EnvUserPoolID, which it shares with the authorizer.
const (
	EnvTokenMaxValidity     = "TOKEN_MAX_VALIDITY"
	EnvRefreshMaxValidity   = "REFRESH_TOKEN_MAX_VALIDITY"
	EnvFlushAuthorizerCache = "FLUSH_AUTHORIZER_CACHE_ON_SIGN_OUT"
)

// DefaultTokenMaxValidity is Cognito's longest ID and access token validity
// (24 hours): a revocation is kept that long, so it outlives every token it
// refuses whatever the app client's settings.
const DefaultTokenMaxValidity = 24 * time.Hour

var tokenMaxValiditySetting = duration{EnvTokenMaxValidity, DefaultTokenMaxValidity, 5 * time.Minute, 24 * time.Hour}

// DefaultRefreshMaxValidity is Cognito's default refresh token validity of
// an app client (30 days); it can be set from 1 hour to 10 years.
const DefaultRefreshMaxValidity = 30 * 24 * time.Hour

var refreshMaxValiditySetting = duration{EnvRefreshMaxValidity, DefaultRefreshMaxValidity, time.Hour, 3650 * 24 * time.Hour}

// SignOutSettings lists every variable the sign-out function reads, in the
// order docs/signing-out.md documents them.
var SignOutSettings = []Setting{
	{
		Name:     EnvRevocationTable,
		Required: true,
		Doc:      "Name or ARN of the revocation table the sign-outs are written to (the authorizer's `" + EnvRevocationTable + "`).",
	},
	{
		Name:     EnvUserPoolID,
		Required: true,
		Doc:      "The user pool whose `AdminUserGlobalSignOut` a sign-out everywhere calls, e.g. `eu-west-1_AbC123xyz`.",
	},
	{
		Name:    EnvTokenMaxValidity,
		Default: "24h",
		Doc:     "The longest ID or access token validity of the pool's app clients, 5m to 24h: a revocation's `" + RevocationTTLAttribute + "` is this (plus 5 minutes of clock leeway) after the sign-out, so it outlives every token it refuses.",
	},
	{
		Name:    EnvRefreshMaxValidity,
		Default: "720h",
		Doc:     "The longest refresh token validity of the pool's app clients, 1h to 87600h: a session's `jti#` item lives this long, since the session's refresh token can mint new tokens of that `origin_jti` until then.",
	},
	{
		Name:    EnvFlushAuthorizerCache,
		Default: "false",
		Doc:     "`true`: a sign-out also flushes API Gateway's authorizer cache of the stage it came through (every user's cached decisions), so no cached Allow outlives it.",
	},
	logLevelSetting,
	{
		Name:    EnvEndpointDynamoDB,
		Default: "the regional endpoint",
		Doc:     "Read by the AWS SDK: the DynamoDB endpoint, for moto_server or a local DynamoDB. `AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER` does the same for Cognito. Leave them unset in AWS.",
	},
}

// SignOut is the sign-out function's validated configuration.
type SignOut struct {
	Table      string
	UserPoolID string
	// Region is the user pool's region, from its id.
	Region               string
	TokenMaxValidity     time.Duration
	RefreshMaxValidity   time.Duration
	FlushAuthorizerCache bool
	LogLevel             slog.Level
}

// LoadSignOut reads and validates the sign-out function's configuration,
// reporting every problem at once, each starting with the variable's name.
func LoadSignOut(getenv func(string) string) (SignOut, error) {
	var p problems
	get := func(name string) string { return strings.TrimSpace(getenv(name)) }
	cfg := SignOut{
		Table:      loadRevocationTable(&p, getenv, true),
		UserPoolID: get(EnvUserPoolID),
	}
	if cfg.UserPoolID == "" {
		p.add(EnvUserPoolID, "required: the user pool id, e.g. eu-west-1_AbC123xyz")
	} else if r, err := UserPoolRegion(cfg.UserPoolID); err != nil {
		p.add(EnvUserPoolID, "%v", err)
	} else {
		cfg.Region = r
	}
	cfg.TokenMaxValidity = tokenMaxValiditySetting.load(&p, get(EnvTokenMaxValidity))
	cfg.RefreshMaxValidity = refreshMaxValiditySetting.load(&p, get(EnvRefreshMaxValidity))
	if v := get(EnvFlushAuthorizerCache); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			p.add(EnvFlushAuthorizerCache, "%q is not a boolean: want true or false", v)
		}
		cfg.FlushAuthorizerCache = b
	}
	level, err := ParseLogLevel(getenv(EnvLogLevel))
	if err != nil {
		p = append(p, err)
	}
	cfg.LogLevel = level
	if err := p.err(); err != nil {
		return SignOut{}, err
	}
	return cfg, nil
}

// MetricSignOutFlushErrors is the metric the deploy templates make of the
// sign-out function's log: a metric filter on its log group counts the
// lines matching SignOutFlushErrorPattern, in the authorizer's metrics
// namespace, and an alarm watches it.
const MetricSignOutFlushErrors = "SignOutFlushErrors"

// SignOutFlushErrorPattern is the CloudWatch Logs filter pattern of a
// sign-out's log line whose flush of the authorizer cache failed: the
// JSON line has a flush_error
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html;
// the CDK's FilterPattern.exists writes the same, and cmd/sign-out's
// tests match it against the function's real log lines).
const SignOutFlushErrorPattern = `{ $.flush_error = "*" }`

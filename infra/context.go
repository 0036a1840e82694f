package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
)

// Context keys read by the app, from cdk.json's context or -c key=value.
const (
	ctxAuthorizerCodeDir  = "authorizerCodeDir"
	ctxAddNoteCodeDir     = "addNoteCodeDir"
	ctxListNotesCodeDir   = "listNotesCodeDir"
	ctxSignOutCodeDir     = "signOutCodeDir"
	ctxAuthorizerType     = "authorizerType"
	ctxTokenHeader        = "tokenHeader"
	ctxCacheTTLSeconds    = "cacheTtlSeconds"
	ctxTokenUse           = "tokenUse"
	ctxRequiredGroups     = "requiredGroups"
	ctxRequiredScopes     = "requiredScopes"
	ctxGroups             = "groups"
	ctxLogLevel           = "logLevel"
	ctxSelfSignUp         = "selfSignUp"
	ctxDeletionProtection = "deletionProtection"
	ctxTableRemovalPolicy = "tableRemovalPolicy"
	ctxLogRetentionDays   = "logRetentionDays"
	ctxThrottleRate       = "throttleRate"
	ctxThrottleBurst      = "throttleBurst"
	ctxCloudWatchRole     = "apiGatewayCloudWatchRole"
	ctxTokenValidity      = "tokenValidityMinutes"
	ctxRevocationCacheTTL = "revocationCacheTtlSeconds"
	ctxFlushOnSignOut     = "flushAuthorizerCacheOnSignOut"
	ctxDashboard          = "dashboard"
	ctxAlarms             = "alarms"
)

// contextOfEnv names the context key behind each environment variable (or
// cognitoauth.Props or NotesStackProps field) the app sets from context,
// so that a problem the functions' own validation finds is reported under
// the key, or keys, the user wrote.
var contextOfEnv = map[string]string{
	settings.EnvTokenUse:           ctxTokenUse,
	settings.EnvTokenHeader:        ctxTokenHeader,
	settings.EnvRequiredGroups:     ctxRequiredGroups,
	settings.EnvRequiredScopes:     ctxRequiredScopes,
	settings.EnvLogLevel:           ctxLogLevel,
	settings.EnvRevocationCacheTTL: ctxRevocationCacheTTL,
	settings.EnvTokenMaxValidity:   ctxTokenValidity,
	"CacheTTL":                     ctxCacheTTLSeconds,
	flushAndRevocationTTL:          ctxRevocationCacheTTL + ", " + ctxFlushOnSignOut,
}

// propsFromContext reads the stack's props from the CDK context, through
// get, which returns nil for a key that is not set. Values from cdk.json
// keep their JSON types; values given with -c are strings: both are
// accepted. Every problem is reported, naming its key.
func propsFromContext(get func(key string) any) (NotesStackProps, error) {
	r := contextReader{get: get}
	p := NotesStackProps{
		AuthorizerCodeDir:             r.str(ctxAuthorizerCodeDir, filepath.Join("..", "bin", "authorizer")),
		AddNoteCodeDir:                r.str(ctxAddNoteCodeDir, filepath.Join("..", "bin", "add-note")),
		ListNotesCodeDir:              r.str(ctxListNotesCodeDir, filepath.Join("..", "bin", "list-notes")),
		SignOutCodeDir:                r.str(ctxSignOutCodeDir, filepath.Join("..", "bin", "sign-out")),
		TokenHeader:                   r.str(ctxTokenHeader, DefaultTokenHeader),
		TokenUse:                      r.str(ctxTokenUse, DefaultTokenUse),
		RequiredGroups:                r.list(ctxRequiredGroups),
		RequiredScopes:                r.list(ctxRequiredScopes),
		Groups:                        r.list(ctxGroups),
		LogLevel:                      strings.ToLower(r.str(ctxLogLevel, DefaultLogLevel)),
		NoSelfSignUp:                  !r.boolean(ctxSelfSignUp, true),
		DeletionProtection:            r.boolean(ctxDeletionProtection, false),
		NoCloudWatchRole:              !r.boolean(ctxCloudWatchRole, true),
		FlushAuthorizerCacheOnSignOut: r.boolean(ctxFlushOnSignOut, false),
		NoDashboard:                   !r.boolean(ctxDashboard, true),
		NoAlarms:                      !r.boolean(ctxAlarms, true),
		ThrottleRate:                  r.number(ctxThrottleRate, DefaultThrottleRate, 1, 10000),
		ThrottleBurst:                 r.number(ctxThrottleBurst, DefaultThrottleBurst, 1, 5000),
	}

	switch t := AuthorizerType(strings.ToUpper(r.str(ctxAuthorizerType, string(TokenAuthorizer)))); t {
	case TokenAuthorizer, RequestAuthorizer:
		p.AuthorizerType = t
	default:
		r.bad(ctxAuthorizerType, t, "TOKEN or REQUEST")
		p.AuthorizerType = TokenAuthorizer // for the checks below
	}
	// API Gateway caches authorizer results for at most an hour.
	p.CacheTTL = awscdk.Duration_Seconds(jsii.Number(r.number(ctxCacheTTLSeconds, DefaultCacheTTLSeconds, 0, 3600)))
	// Cognito's ID and access tokens live 5 minutes to a day.
	p.TokenValidity = awscdk.Duration_Minutes(jsii.Number(r.number(ctxTokenValidity, DefaultTokenValidityMinutes, 5, 1440)))
	// Unset: the authorizer's own default.
	if r.get(ctxRevocationCacheTTL) != nil {
		p.RevocationCacheTTL = awscdk.Duration_Seconds(jsii.Number(r.number(ctxRevocationCacheTTL, 0, 0, 60)))
	}

	// DynamoDB tables take Retain or Delete: CloudFormation's Snapshot
	// policy covers a few other services only, and the CDK refuses it here.
	switch v := strings.ToLower(r.str(ctxTableRemovalPolicy, "retain")); v {
	case "retain":
		p.TableRemovalPolicy = awscdk.RemovalPolicy_RETAIN
	case "destroy":
		p.TableRemovalPolicy = awscdk.RemovalPolicy_DESTROY
	default:
		r.bad(ctxTableRemovalPolicy, v, "retain or destroy")
	}
	retention := retentionByDays()
	days := r.number(ctxLogRetentionDays, DefaultLogRetentionDays, 1, 1e6)
	if rd, ok := retention[days]; ok {
		p.LogRetention = rd
	} else {
		r.bad(ctxLogRetentionDays, days, "a retention CloudWatch Logs offers: "+retentionList(retention))
	}

	// The functions' settings are checked with the functions' own rules:
	// env maps like the ones the stack writes, run through LoadAuthorizer,
	// LoadRevocation, LoadNotes and LoadSignOut.
	// A key already reported holds its default here, so each problem is
	// reported once.
	for _, err := range unjoin(p.check()) {
		key := "props"
		for name, ctx := range contextOfEnv {
			if strings.HasPrefix(err.Error(), name+": ") {
				key = ctx
			}
		}
		r.errs = append(r.errs, fmt.Errorf("context %s: %w", key, err))
	}
	if err := errors.Join(r.errs...); err != nil {
		return NotesStackProps{}, err
	}
	return p, nil
}

// unjoin returns the errors joined in err, or err alone.
func unjoin(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// contextReader reads typed values from the context and collects every
// problem.
type contextReader struct {
	get  func(key string) any
	errs []error
}

func (r *contextReader) bad(key string, v any, want string) {
	r.errs = append(r.errs, fmt.Errorf("context %s: %v: want %s", key, v, want))
}

func (r *contextReader) str(key, def string) string {
	switch v := r.get(key).(type) {
	case nil:
		return def
	case string:
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
		return def
	default:
		r.bad(key, v, "a string")
		return def
	}
}

// list reads a JSON list of strings or a comma-separated string.
func (r *contextReader) list(key string) []string {
	var items []string
	switch v := r.get(key).(type) {
	case nil:
	case string:
		items = strings.Split(v, ",")
	case []any:
		for _, item := range v {
			s, ok := item.(string)
			if !ok {
				r.bad(key, v, "a list of strings or a comma-separated string")
				return nil
			}
			items = append(items, s)
		}
	default:
		r.bad(key, v, "a list of strings or a comma-separated string")
	}
	var out []string
	for _, s := range items {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func (r *contextReader) boolean(key string, def bool) bool {
	switch v := r.get(key).(type) {
	case nil:
		return def
	case bool:
		return v
	case string:
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			r.bad(key, v, "true or false")
			return def
		}
		return b
	default:
		r.bad(key, v, "true or false")
		return def
	}
}

func (r *contextReader) number(key string, def, min, max float64) float64 {
	want := fmt.Sprintf("a number from %v to %v", min, max)
	var n float64
	switch v := r.get(key).(type) {
	case nil:
		return def
	case float64:
		n = v
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			r.bad(key, v, want)
			return def
		}
		n = f
	default:
		r.bad(key, v, want)
		return def
	}
	if n < min || n > max {
		r.bad(key, n, want)
		return def
	}
	return n
}

package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"

	"github.com/gatehouse-dev/cognito-authorizer/internal/authorizer"
)

// Context keys read by the app, from cdk.json's context or -c key=value.
const (
	ctxAuthorizerCodeDir  = "authorizerCodeDir"
	ctxAddNoteCodeDir     = "addNoteCodeDir"
	ctxAuthorizerType     = "authorizerType"
	ctxTokenHeader        = "tokenHeader"
	ctxCacheTTLSeconds    = "cacheTtlSeconds"
	ctxTokenUse           = "tokenUse"
	ctxRequiredGroups     = "requiredGroups"
	ctxRequiredScopes     = "requiredScopes"
	ctxGroups             = "groups"
	ctxLogLevel           = "logLevel"
	ctxDeletionProtection = "deletionProtection"
	ctxTableRemovalPolicy = "tableRemovalPolicy"
	ctxLogRetentionDays   = "logRetentionDays"
	ctxThrottleRate       = "throttleRate"
	ctxThrottleBurst      = "throttleBurst"
	ctxCloudWatchRole     = "apiGatewayCloudWatchRole"
)

// propsFromContext reads the stack's props from the CDK context, through
// get, which returns nil for a key that is not set. Values from cdk.json
// keep their JSON types; values given with -c are strings: both are
// accepted. Every problem is reported, naming its key.
func propsFromContext(get func(key string) any) (NotesStackProps, error) {
	var errs []error
	bad := func(key string, v any, want string) {
		errs = append(errs, fmt.Errorf("context %s: %v: want %s", key, v, want))
	}
	str := func(key, def string) string {
		switch v := get(key).(type) {
		case nil:
			return def
		case string:
			if v = strings.TrimSpace(v); v != "" {
				return v
			}
			return def
		default:
			bad(key, v, "a string")
			return def
		}
	}
	list := func(key string) []string {
		var items []string
		switch v := get(key).(type) {
		case nil:
		case string:
			items = strings.Split(v, ",")
		case []any:
			for _, item := range v {
				s, ok := item.(string)
				if !ok {
					bad(key, v, "a list of strings or a comma-separated string")
					return nil
				}
				items = append(items, s)
			}
		default:
			bad(key, v, "a list of strings or a comma-separated string")
		}
		var out []string
		for _, s := range items {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
		return out
	}
	boolean := func(key string, def bool) bool {
		switch v := get(key).(type) {
		case nil:
			return def
		case bool:
			return v
		case string:
			b, err := strconv.ParseBool(strings.TrimSpace(v))
			if err != nil {
				bad(key, v, "true or false")
				return def
			}
			return b
		default:
			bad(key, v, "true or false")
			return def
		}
	}
	number := func(key string, def, min, max float64) float64 {
		var n float64
		switch v := get(key).(type) {
		case nil:
			return def
		case float64:
			n = v
		case string:
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				bad(key, v, fmt.Sprintf("a number from %v to %v", min, max))
				return def
			}
			n = f
		default:
			bad(key, v, fmt.Sprintf("a number from %v to %v", min, max))
			return def
		}
		if n < min || n > max {
			bad(key, n, fmt.Sprintf("a number from %v to %v", min, max))
			return def
		}
		return n
	}

	p := NotesStackProps{
		AuthorizerCodeDir:  str(ctxAuthorizerCodeDir, filepath.Join("..", "bin", "authorizer")),
		AddNoteCodeDir:     str(ctxAddNoteCodeDir, filepath.Join("..", "bin", "add-note")),
		TokenHeader:        str(ctxTokenHeader, DefaultTokenHeader),
		TokenUse:           str(ctxTokenUse, DefaultTokenUse),
		RequiredGroups:     list(ctxRequiredGroups),
		RequiredScopes:     list(ctxRequiredScopes),
		Groups:             list(ctxGroups),
		LogLevel:           strings.ToLower(str(ctxLogLevel, DefaultLogLevel)),
		DeletionProtection: boolean(ctxDeletionProtection, false),
		NoCloudWatchRole:   !boolean(ctxCloudWatchRole, true),
		ThrottleRate:       number(ctxThrottleRate, DefaultThrottleRate, 1, 10000),
		ThrottleBurst:      number(ctxThrottleBurst, DefaultThrottleBurst, 1, 5000),
	}

	switch t := AuthorizerType(strings.ToUpper(str(ctxAuthorizerType, string(TokenAuthorizer)))); t {
	case TokenAuthorizer, RequestAuthorizer:
		p.AuthorizerType = t
	default:
		bad(ctxAuthorizerType, t, "TOKEN or REQUEST")
	}
	if !authorizer.IsHeaderName(p.TokenHeader) {
		bad(ctxTokenHeader, p.TokenHeader, "an HTTP header name")
	}
	// API Gateway caches authorizer results for at most an hour.
	p.CacheTTL = awscdk.Duration_Seconds(jsii.Number(number(ctxCacheTTLSeconds, DefaultCacheTTLSeconds, 0, 3600)))

	switch p.TokenUse {
	case "id", "access", "id,access", "access,id":
	default:
		bad(ctxTokenUse, p.TokenUse, "id, access or id,access")
	}
	switch p.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad(ctxLogLevel, p.LogLevel, "debug, info, warn or error")
	}
	switch v := strings.ToLower(str(ctxTableRemovalPolicy, "retain")); v {
	case "retain":
		p.TableRemovalPolicy = awscdk.RemovalPolicy_RETAIN
	case "destroy":
		p.TableRemovalPolicy = awscdk.RemovalPolicy_DESTROY
	case "snapshot":
		p.TableRemovalPolicy = awscdk.RemovalPolicy_SNAPSHOT
	default:
		bad(ctxTableRemovalPolicy, v, "retain, destroy or snapshot")
	}
	days := number(ctxLogRetentionDays, 30, 1, 3653)
	if r, ok := retentionDays[days]; ok {
		p.LogRetention = r
	} else {
		bad(ctxLogRetentionDays, days, "a retention CloudWatch Logs offers: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, ...")
	}

	if err := errors.Join(errs...); err != nil {
		return NotesStackProps{}, err
	}
	return p, nil
}

// retentionDays maps the day counts CloudWatch Logs accepts to CDK's names.
var retentionDays = map[float64]awslogs.RetentionDays{
	1: awslogs.RetentionDays_ONE_DAY, 3: awslogs.RetentionDays_THREE_DAYS,
	5: awslogs.RetentionDays_FIVE_DAYS, 7: awslogs.RetentionDays_ONE_WEEK,
	14: awslogs.RetentionDays_TWO_WEEKS, 30: awslogs.RetentionDays_ONE_MONTH,
	60: awslogs.RetentionDays_TWO_MONTHS, 90: awslogs.RetentionDays_THREE_MONTHS,
	120: awslogs.RetentionDays_FOUR_MONTHS, 150: awslogs.RetentionDays_FIVE_MONTHS,
	180: awslogs.RetentionDays_SIX_MONTHS, 365: awslogs.RetentionDays_ONE_YEAR,
	400: awslogs.RetentionDays_THIRTEEN_MONTHS, 545: awslogs.RetentionDays_EIGHTEEN_MONTHS,
	731: awslogs.RetentionDays_TWO_YEARS, 1096: awslogs.RetentionDays_THREE_YEARS,
	1827: awslogs.RetentionDays_FIVE_YEARS, 2557: awslogs.RetentionDays_SEVEN_YEARS,
	3653: awslogs.RetentionDays_TEN_YEARS,
}

// checkCode reports a code directory without a bootstrap binary, which
// make build writes; without this check the CDK fails later, less clearly.
func checkCode(dirs ...string) error {
	var errs []error
	for _, dir := range dirs {
		if _, err := os.Stat(filepath.Join(dir, "bootstrap")); err != nil {
			errs = append(errs, fmt.Errorf("%s/bootstrap: %w (run make build at the repository root)", dir, err))
		}
	}
	return errors.Join(errs...)
}

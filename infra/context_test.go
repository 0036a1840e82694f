package main

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/testenv"
)

// TestPropsFromContext checks that cdk.json and the code agree on the
// defaults, and how context values are read.
func TestPropsFromContext(t *testing.T) {
	testenv.LookPath(t, "node", "install Node.js 22+ (https://nodejs.org)")
	cdkContext := readCDKContext(t)

	// summary flattens the props for comparison; jsii values are not
	// comparable with cmp.
	type summary struct {
		AuthorizerCodeDir, AddNoteCodeDir string
		ListNotesCodeDir, SignOutCodeDir  string
		AuthorizerType                    AuthorizerType
		TokenHeader                       string
		CacheTTLSeconds                   float64
		TokenValidityMinutes              float64
		RevocationCacheTTLSeconds         float64 // -1: unset
		TokenUse                          string
		RequiredGroups, RequiredScopes    []string
		Groups                            []string
		LogLevel                          string
		DeletionProtection                bool
		TableRemovalPolicy                awscdk.RemovalPolicy
		LogRetention                      awslogs.RetentionDays
		ThrottleRate, ThrottleBurst       float64
		NoCloudWatchRole                  bool
		FlushAuthorizerCacheOnSignOut     bool
		NoDashboard, NoAlarms             bool
	}
	summarize := func(p NotesStackProps) summary {
		revocationTTL := -1.0
		if p.RevocationCacheTTL != nil {
			revocationTTL = *p.RevocationCacheTTL.ToSeconds(nil)
		}
		return summary{
			p.AuthorizerCodeDir, p.AddNoteCodeDir, p.ListNotesCodeDir, p.SignOutCodeDir, p.AuthorizerType, p.TokenHeader,
			*p.CacheTTL.ToSeconds(nil), *p.TokenValidity.ToMinutes(nil), revocationTTL,
			p.TokenUse, p.RequiredGroups, p.RequiredScopes, p.Groups,
			p.LogLevel, p.DeletionProtection, p.TableRemovalPolicy, p.LogRetention,
			p.ThrottleRate, p.ThrottleBurst, p.NoCloudWatchRole, p.FlushAuthorizerCacheOnSignOut,
			p.NoDashboard, p.NoAlarms,
		}
	}
	defaults := summary{
		AuthorizerCodeDir:         "../bin/authorizer",
		AddNoteCodeDir:            "../bin/add-note",
		ListNotesCodeDir:          "../bin/list-notes",
		SignOutCodeDir:            "../bin/sign-out",
		AuthorizerType:            TokenAuthorizer,
		TokenHeader:               "Authorization",
		CacheTTLSeconds:           300,
		TokenValidityMinutes:      60,
		RevocationCacheTTLSeconds: -1,
		TokenUse:                  "id,access",
		LogLevel:                  "info",
		TableRemovalPolicy:        awscdk.RemovalPolicy_RETAIN,
		LogRetention:              awslogs.RetentionDays_ONE_MONTH,
		ThrottleRate:              50,
		ThrottleBurst:             100,
	}
	cmpOpts := cmp.Options{cmp.Transformer("nilEmpty", func(s []string) []string {
		if len(s) == 0 {
			return nil
		}
		return s
	})}

	tests := []struct {
		name    string
		context map[string]any
		want    summary
	}{
		{"empty", nil, defaults},
		{"cdk.json", cdkContext, defaults},
		{"-c flags", map[string]any{
			ctxAuthorizerType:     "request",
			ctxTokenHeader:        "token",
			ctxCacheTTLSeconds:    "0",
			ctxTokenUse:           "access",
			ctxRequiredGroups:     "writers, admins",
			ctxRequiredScopes:     "notes/write",
			ctxGroups:             "writers,admins,",
			ctxLogLevel:           "DEBUG",
			ctxDeletionProtection: "true",
			ctxTableRemovalPolicy: "destroy",
			ctxLogRetentionDays:   "7",
			ctxThrottleRate:       "5",
			ctxThrottleBurst:      "10",
			ctxCloudWatchRole:     "false",
			ctxTokenValidity:      "5",
			ctxRevocationCacheTTL: "0",
			ctxFlushOnSignOut:     "true",
			ctxDashboard:          "false",
			ctxAlarms:             "false",
		}, summary{
			AuthorizerCodeDir:             "../bin/authorizer",
			AddNoteCodeDir:                "../bin/add-note",
			ListNotesCodeDir:              "../bin/list-notes",
			SignOutCodeDir:                "../bin/sign-out",
			AuthorizerType:                RequestAuthorizer,
			TokenHeader:                   "token",
			CacheTTLSeconds:               0,
			TokenValidityMinutes:          5,
			RevocationCacheTTLSeconds:     0,
			FlushAuthorizerCacheOnSignOut: true,
			TokenUse:                      "access",
			RequiredGroups:                []string{"writers", "admins"},
			RequiredScopes:                []string{"notes/write"},
			Groups:                        []string{"writers", "admins"},
			LogLevel:                      "debug",
			DeletionProtection:            true,
			TableRemovalPolicy:            awscdk.RemovalPolicy_DESTROY,
			LogRetention:                  awslogs.RetentionDays_ONE_WEEK,
			ThrottleRate:                  5,
			ThrottleBurst:                 10,
			NoCloudWatchRole:              true,
			NoDashboard:                   true,
			NoAlarms:                      true,
		}},
		{"JSON values", map[string]any{
			ctxGroups:             []any{"a", "b"},
			ctxDeletionProtection: true,
			ctxCacheTTLSeconds:    float64(60),
			ctxRevocationCacheTTL: float64(30),
			ctxAlarms:             false,
		}, func() summary {
			s := defaults
			s.Groups = []string{"a", "b"}
			s.DeletionProtection = true
			s.CacheTTLSeconds = 60
			s.RevocationCacheTTLSeconds = 30
			s.NoAlarms = true
			return s
		}()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := propsFromContext(func(key string) any { return tt.context[key] })
			if err != nil {
				t.Fatalf("propsFromContext: %v", err)
			}
			if diff := cmp.Diff(tt.want, summarize(p), cmpOpts); diff != "" {
				t.Errorf("propsFromContext (-want +got):\n%s", diff)
			}
		})
	}
}

// TestPropsFromContextInvalid checks that every bad value is reported,
// naming its key.
func TestPropsFromContextInvalid(t *testing.T) {
	testenv.LookPath(t, "node", "install Node.js 22+ (https://nodejs.org)")
	bad := map[string]any{
		ctxAuthorizerType:     "COGNITO",
		ctxTokenHeader:        "bad header",
		ctxCacheTTLSeconds:    "3601",
		ctxTokenUse:           "refresh",
		ctxLogLevel:           "loud",
		ctxDeletionProtection: "maybe",
		ctxTableRemovalPolicy: "keep",
		ctxLogRetentionDays:   "31",
		ctxThrottleRate:       "fast",
		ctxGroups:             []any{"a", 1.0},
		ctxTokenValidity:      "2000",
		ctxRevocationCacheTTL: "61",
		ctxFlushOnSignOut:     "sometimes",
		ctxDashboard:          "on",
	}
	_, err := propsFromContext(func(key string) any { return bad[key] })
	if err == nil {
		t.Fatal("propsFromContext: no error")
	}
	for key := range bad {
		if !strings.Contains(err.Error(), "context "+key+":") {
			t.Errorf("propsFromContext error does not name %s:\n%v", key, err)
		}
	}
}

// TestCacheTTLWithinTokenValidity checks that the app refuses a decision
// cache that would outlive the tokens (issue 9), naming the key.
func TestCacheTTLWithinTokenValidity(t *testing.T) {
	testenv.LookPath(t, "node", "install Node.js 22+ (https://nodejs.org)")
	for _, tt := range []struct {
		ttl, validity string
		ok            bool
	}{
		{"300", "5", true},
		{"301", "5", false},
		{"3600", "60", true},
		{"600", "", true},
		{"0", "5", true},
	} {
		ctx := map[string]any{ctxCacheTTLSeconds: tt.ttl}
		if tt.validity != "" {
			ctx[ctxTokenValidity] = tt.validity
		}
		_, err := propsFromContext(func(key string) any { return ctx[key] })
		switch {
		case tt.ok && err != nil:
			t.Errorf("cacheTtlSeconds=%s tokenValidityMinutes=%s: %v, want no error", tt.ttl, tt.validity, err)
		case !tt.ok && (err == nil || !strings.Contains(err.Error(), "context "+ctxCacheTTLSeconds+": CacheTTL: ")):
			t.Errorf("cacheTtlSeconds=%s tokenValidityMinutes=%s: %v, want an error naming %s", tt.ttl, tt.validity, err, ctxCacheTTLSeconds)
		}
	}
}

// TestRevocationCacheWithFlush checks that the app refuses a revocation
// cache beside the flush, naming both keys.
func TestRevocationCacheWithFlush(t *testing.T) {
	testenv.LookPath(t, "node", "install Node.js 22+ (https://nodejs.org)")
	for _, tt := range []struct {
		flush, ttl string // "": unset
		ok         bool
	}{
		{"true", "", true},
		{"true", "0", true},
		{"true", "10", false},
		{"false", "10", true},
		{"", "60", true},
	} {
		ctx := map[string]any{}
		if tt.flush != "" {
			ctx[ctxFlushOnSignOut] = tt.flush
		}
		if tt.ttl != "" {
			ctx[ctxRevocationCacheTTL] = tt.ttl
		}
		_, err := propsFromContext(func(key string) any { return ctx[key] })
		want := "context " + ctxRevocationCacheTTL + ", " + ctxFlushOnSignOut + ": "
		switch {
		case tt.ok && err != nil:
			t.Errorf("flushAuthorizerCacheOnSignOut=%q revocationCacheTtlSeconds=%q: %v, want no error", tt.flush, tt.ttl, err)
		case !tt.ok && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("flushAuthorizerCacheOnSignOut=%q revocationCacheTtlSeconds=%q: %v, want an error starting %q", tt.flush, tt.ttl, err, want)
		}
	}
}

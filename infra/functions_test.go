package main

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
)

func TestFunctions(t *testing.T) {
	s := defaultStack(t)
	assert(t, func() { s.template.ResourceCountIs(jsii.String("AWS::Lambda::Function"), jsii.Number(4)) })
	for _, fn := range []struct {
		id, logsID string
		timeout    int
	}{
		{s.id(t, "Authorizer", "Function"), s.id(t, "Authorizer", "Logs"), 5},
		{s.id(t, "AddNoteFunction"), s.id(t, "AddNoteLogs"), 10},
		{s.id(t, "ListNotesFunction"), s.id(t, "ListNotesLogs"), 10},
		{s.id(t, "SignOutFunction"), s.id(t, "SignOutLogs"), 10},
	} {
		r := s.resource(t, fn.id, "AWS::Lambda::Function")
		want := map[string]any{
			"Runtime":       "provided.al2023",
			"Architectures": []any{"arm64"},
			"Handler":       "bootstrap",
			"MemorySize":    float64(128),
			"Timeout":       float64(fn.timeout),
			"LoggingConfig": map[string]any{
				"LogFormat":           "JSON",
				"LogGroup":            ref(fn.logsID),
				"ApplicationLogLevel": "INFO",
				"SystemLogLevel":      "INFO",
			},
		}
		got := map[string]any{}
		for k := range want {
			got[k] = r.Properties[k]
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s properties (-want +got):\n%s", fn.id, diff)
		}
		logs := s.resource(t, fn.logsID, "AWS::Logs::LogGroup")
		if got := logs.Properties["RetentionInDays"]; got != float64(30) {
			t.Errorf("%s RetentionInDays = %v, want 30", fn.logsID, got)
		}
	}
}

func TestAuthorizerEnvironment(t *testing.T) {
	t.Run("default", func(t *testing.T) {
		s := defaultStack(t)
		want := map[string]any{
			settings.EnvUserPoolID: ref(s.id(t, "UserPool")),
			// The app client, not the pool (AWS's examples set the
			// audience to the pool id).
			settings.EnvClientIDs:       ref(s.id(t, "UserPool", "ApiClient")),
			settings.EnvTokenUse:        "id,access",
			settings.EnvLogLevel:        "info",
			settings.EnvFunctionTimeout: "5s",
			settings.EnvRouteRules:      RouteRules(Routes),
			settings.EnvRevocationTable: ref(s.id(t, "RevocationTable")),
		}
		if diff := cmp.Diff(want, envOf(t, s, s.id(t, "Authorizer", "Function"))); diff != "" {
			t.Errorf("authorizer environment (-want +got):\n%s", diff)
		}
	})
	t.Run("request", func(t *testing.T) {
		s := requestStack(t)
		// REVOCATION_CACHE_TTL comes from the flush, not from the props:
		// nothing read of the table is reused after a sign-out's flush.
		want := map[string]any{
			settings.EnvUserPoolID:         ref(s.id(t, "UserPool")),
			settings.EnvClientIDs:          ref(s.id(t, "UserPool", "ApiClient")),
			settings.EnvTokenUse:           "access",
			settings.EnvTokenHeader:        "token",
			settings.EnvRequiredGroups:     "writers",
			settings.EnvRequiredScopes:     "notes/write openid",
			settings.EnvLogLevel:           "debug",
			settings.EnvFunctionTimeout:    "5s",
			settings.EnvRouteRules:         RouteRules(Routes),
			settings.EnvRevocationTable:    ref(s.id(t, "RevocationTable")),
			settings.EnvRevocationCacheTTL: "0s",
		}
		if diff := cmp.Diff(want, envOf(t, s, s.id(t, "Authorizer", "Function"))); diff != "" {
			t.Errorf("authorizer environment (-want +got):\n%s", diff)
		}
		assert(t, func() {
			s.template.AllResourcesProperties(jsii.String("AWS::Lambda::Function"), map[string]any{
				"LoggingConfig": map[string]any{"ApplicationLogLevel": "DEBUG"},
			})
		})
	})
}

func TestNoteFunctionsEnvironment(t *testing.T) {
	s := defaultStack(t)
	want := map[string]any{
		settings.EnvNotesTable: ref(s.id(t, "NotesTable")),
		settings.EnvLogLevel:   "info",
	}
	for _, fn := range []string{"AddNoteFunction", "ListNotesFunction"} {
		if diff := cmp.Diff(want, envOf(t, s, s.id(t, fn))); diff != "" {
			t.Errorf("%s environment (-want +got):\n%s", fn, diff)
		}
	}
}

func TestSignOutEnvironment(t *testing.T) {
	s := defaultStack(t)
	want := map[string]any{
		settings.EnvRevocationTable: ref(s.id(t, "RevocationTable")),
		settings.EnvUserPoolID:      ref(s.id(t, "UserPool")),
		// The app client's token validity: revocations outlive every
		// token they refuse.
		settings.EnvTokenMaxValidity: "1h0m0s",
		// The refresh token's validity: a session's revocation outlives
		// the refresh token that could mint its tokens again.
		settings.EnvRefreshMaxValidity: "720h0m0s",
		settings.EnvLogLevel:           "info",
	}
	if diff := cmp.Diff(want, envOf(t, s, s.id(t, "SignOutFunction"))); diff != "" {
		t.Errorf("sign-out environment (-want +got):\n%s", diff)
	}
	s = requestStack(t)
	want[settings.EnvRevocationTable] = ref(s.id(t, "RevocationTable"))
	want[settings.EnvUserPoolID] = ref(s.id(t, "UserPool"))
	want[settings.EnvTokenMaxValidity] = "15m0s"
	want[settings.EnvLogLevel] = "debug"
	want[settings.EnvFlushAuthorizerCache] = "true"
	if diff := cmp.Diff(want, envOf(t, s, s.id(t, "SignOutFunction"))); diff != "" {
		t.Errorf("sign-out environment, flush on (-want +got):\n%s", diff)
	}
}

// TestEnvironmentNames checks the names against the functions' settings
// lists: nothing set that a function does not read, nothing required
// missing.
func TestEnvironmentNames(t *testing.T) {
	authorizer := append(append([]settings.Setting{}, settings.AuthorizerSettings...), settings.RevocationSettings...)
	for _, s := range []*synthesized{defaultStack(t), requestStack(t)} {
		checkEnvNames(t, "AuthorizerFunction", keys(envOf(t, s, s.id(t, "Authorizer", "Function"))), authorizer)
		checkEnvNames(t, "AddNoteFunction", keys(envOf(t, s, s.id(t, "AddNoteFunction"))), settings.NotesSettings)
		checkEnvNames(t, "ListNotesFunction", keys(envOf(t, s, s.id(t, "ListNotesFunction"))), settings.NotesSettings)
		checkEnvNames(t, "SignOutFunction", keys(envOf(t, s, s.id(t, "SignOutFunction"))), settings.SignOutSettings)
	}
}

// TestFunctionPolicies checks that each role may do what its function
// needs, on its own resources, and nothing else.
func TestFunctionPolicies(t *testing.T) {
	s := defaultStack(t)
	logs := func(group ...string) map[string]any {
		return map[string]any{
			"Effect":   "Allow",
			"Action":   []any{"logs:CreateLogStream", "logs:PutLogEvents"},
			"Resource": getAtt(s.id(t, group...), "Arn"),
		}
	}
	on := func(action any, resource any) map[string]any {
		return map[string]any{"Effect": "Allow", "Action": action, "Resource": resource}
	}
	notes := getAtt(s.id(t, "NotesTable"), "Arn")
	revocations := getAtt(s.id(t, "RevocationTable"), "Arn")
	checkRole(t, s, s.id(t, "AddNoteRole"), []any{logs("AddNoteLogs"), on("dynamodb:PutItem", notes)})
	checkRole(t, s, s.id(t, "ListNotesRole"), []any{logs("ListNotesLogs"), on("dynamodb:Query", notes)})
	checkRole(t, s, s.id(t, "SignOutRole"), []any{
		logs("SignOutLogs"),
		on("dynamodb:PutItem", revocations),
		on("cognito-idp:AdminUserGlobalSignOut", getAtt(s.id(t, "UserPool"), "Arn")),
	})
	checkRole(t, s, s.id(t, "Authorizer", "Role"), []any{
		logs("Authorizer", "Logs"),
		on("dynamodb:BatchGetItem", revocations),
	})

	// With the flush on, the sign-out may also flush the stage's
	// authorizer cache (an HTTP DELETE), and nothing else of API Gateway.
	r := requestStack(t)
	flush := map[string]any{"Fn::Join": []any{"", []any{
		"arn:", ref("AWS::Partition"), ":apigateway:", ref("AWS::Region"), "::/restapis/",
		ref(r.id(t, "NotesApi")), "/stages/" + DefaultStageName + "/cache/authorizers",
	}}}
	checkRole(t, r, r.id(t, "SignOutRole"), []any{
		map[string]any{
			"Effect":   "Allow",
			"Action":   []any{"logs:CreateLogStream", "logs:PutLogEvents"},
			"Resource": getAtt(r.id(t, "SignOutLogs"), "Arn"),
		},
		on("dynamodb:PutItem", getAtt(r.id(t, "RevocationTable"), "Arn")),
		on("cognito-idp:AdminUserGlobalSignOut", getAtt(r.id(t, "UserPool"), "Arn")),
		on("apigateway:DELETE", flush),
	})
}

// TestCheckUsesTheFunctionsRules checks props with the functions' own
// validation: what LoadAuthorizer and LoadNotes accept deploys, what they
// refuse does not, named by its variable.
func TestCheckUsesTheFunctionsRules(t *testing.T) {
	base := NotesStackProps{AuthorizerCodeDir: "a", AddNoteCodeDir: "b", ListNotesCodeDir: "c", SignOutCodeDir: "d"}
	tests := []struct {
		name    string
		change  func(p *NotesStackProps)
		wantErr string // the variable named; "" for no error
	}{
		{"defaults", func(*NotesStackProps) {}, ""},
		{"token use with a space", func(p *NotesStackProps) { p.TokenUse = "id, access" }, ""},
		{"log level warning", func(p *NotesStackProps) { p.LogLevel = "warning" }, ""},
		{"log level TRACE", func(p *NotesStackProps) { p.LogLevel = "TRACE" }, ""},
		{"token use refresh", func(p *NotesStackProps) { p.TokenUse = "refresh" }, settings.EnvTokenUse},
		{"log level loud", func(p *NotesStackProps) { p.LogLevel = "loud" }, settings.EnvLogLevel},
		{"long group", func(p *NotesStackProps) { p.RequiredGroups = []string{strings.Repeat("g", 129)} }, settings.EnvRequiredGroups},
		{"bad header, TOKEN", func(p *NotesStackProps) { p.TokenHeader = "bad header" }, settings.EnvTokenHeader},
		{"bad header, REQUEST", func(p *NotesStackProps) {
			p.AuthorizerType, p.TokenHeader = RequestAuthorizer, "bad header"
		}, settings.EnvTokenHeader},
		{"cache TTL as long as the tokens", func(p *NotesStackProps) {
			p.CacheTTL, p.TokenValidity = awscdk.Duration_Minutes(jsii.Number(5)), awscdk.Duration_Minutes(jsii.Number(5))
		}, ""},
		{"cache TTL longer than the tokens", func(p *NotesStackProps) {
			p.CacheTTL, p.TokenValidity = awscdk.Duration_Minutes(jsii.Number(10)), awscdk.Duration_Minutes(jsii.Number(5))
		}, "CacheTTL"},
		{"revocation cache TTL", func(p *NotesStackProps) { p.RevocationCacheTTL = awscdk.Duration_Seconds(jsii.Number(61)) }, settings.EnvRevocationCacheTTL},
		{"token validity of a day", func(p *NotesStackProps) { p.TokenValidity = awscdk.Duration_Days(jsii.Number(1)) }, ""},
		{"token validity over a day", func(p *NotesStackProps) { p.TokenValidity = awscdk.Duration_Days(jsii.Number(2)) }, settings.EnvTokenMaxValidity},
		{"flush", func(p *NotesStackProps) { p.FlushAuthorizerCacheOnSignOut = true }, ""},
		{"flush, no revocation cache", func(p *NotesStackProps) {
			p.FlushAuthorizerCacheOnSignOut, p.RevocationCacheTTL = true, awscdk.Duration_Seconds(jsii.Number(0))
		}, ""},
		{"flush and a revocation cache", func(p *NotesStackProps) {
			p.FlushAuthorizerCacheOnSignOut, p.RevocationCacheTTL = true, awscdk.Duration_Seconds(jsii.Number(10))
		}, flushAndRevocationTTL},
		{"revocation cache, no flush", func(p *NotesStackProps) { p.RevocationCacheTTL = awscdk.Duration_Seconds(jsii.Number(10)) }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := base
			tt.change(&p)
			p = p.withDefaults()
			err := p.check()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("check() = %v, want nil", err)
			case tt.wantErr != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.wantErr+": ")):
				t.Errorf("check() = %v, want an error about %s", err, tt.wantErr)
			}
		})
	}
}

// TestFlushRevocationCacheTTL checks that the flush turns the authorizer's
// revocation cache off unless the props set it, and that it may only be
// set to 0 then.
func TestFlushRevocationCacheTTL(t *testing.T) {
	base := NotesStackProps{AuthorizerCodeDir: "a", AddNoteCodeDir: "b", ListNotesCodeDir: "c", SignOutCodeDir: "d"}
	for _, tt := range []struct {
		name  string
		flush bool
		ttl   awscdk.Duration
		want  float64 // -1: unset, the function's default
	}{
		{"no flush", false, nil, -1},
		{"no flush, 10 s", false, awscdk.Duration_Seconds(jsii.Number(10)), 10},
		{"flush", true, nil, 0},
		{"flush, 0 s", true, awscdk.Duration_Seconds(jsii.Number(0)), 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := base
			p.FlushAuthorizerCacheOnSignOut, p.RevocationCacheTTL = tt.flush, tt.ttl
			p = p.withDefaults()
			got := -1.0
			if p.RevocationCacheTTL != nil {
				got = *p.RevocationCacheTTL.ToSeconds(nil)
			}
			if got != tt.want {
				t.Errorf("withDefaults().RevocationCacheTTL = %v s, want %v s", got, tt.want)
			}
		})
	}
}

// TestFlushPermissionNamesTheStage checks that the sign-out may flush the
// authorizer cache of the stage the API deploys, and of no other.
func TestFlushPermissionNamesTheStage(t *testing.T) {
	s := requestStack(t)
	stages := stageNames(t, s.parsed)
	if len(stages) == 0 {
		t.Fatal("no AWS::ApiGateway::Stage in the template")
	}
	if diff := cmp.Diff(stages, flushStages(t, s.parsed)); diff != "" {
		t.Errorf("stages the sign-out may flush (-deployed +allowed):\n%s", diff)
	}
	if got := flushStages(t, defaultStack(t).parsed); len(got) > 0 {
		t.Errorf("flush off: the sign-out may flush %v, want none", got)
	}
}

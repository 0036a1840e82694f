package main

import (
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"
	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
)

func TestFunctions(t *testing.T) {
	s := defaultStack(t)
	assert(t, func() { s.template.ResourceCountIs(jsii.String("AWS::Lambda::Function"), jsii.Number(2)) })
	for _, fn := range []struct {
		id, logsID string
		timeout    int
	}{
		{s.id(t, "AuthorizerFunction"), s.id(t, "AuthorizerLogs"), 5},
		{s.id(t, "AddNoteFunction"), s.id(t, "AddNoteLogs"), 10},
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
			settings.EnvClientIDs: ref(s.id(t, "UserPool", "ApiClient")),
			settings.EnvTokenUse:  "id,access",
			settings.EnvLogLevel:  "info",
		}
		if diff := cmp.Diff(want, envOf(t, s, s.id(t, "AuthorizerFunction"))); diff != "" {
			t.Errorf("authorizer environment (-want +got):\n%s", diff)
		}
	})
	t.Run("request", func(t *testing.T) {
		s := requestStack(t)
		want := map[string]any{
			settings.EnvUserPoolID:     ref(s.id(t, "UserPool")),
			settings.EnvClientIDs:      ref(s.id(t, "UserPool", "ApiClient")),
			settings.EnvTokenUse:       "access",
			settings.EnvTokenHeader:    "token",
			settings.EnvRequiredGroups: "writers",
			settings.EnvRequiredScopes: "notes/write openid",
			settings.EnvLogLevel:       "debug",
		}
		if diff := cmp.Diff(want, envOf(t, s, s.id(t, "AuthorizerFunction"))); diff != "" {
			t.Errorf("authorizer environment (-want +got):\n%s", diff)
		}
		assert(t, func() {
			s.template.AllResourcesProperties(jsii.String("AWS::Lambda::Function"), map[string]any{
				"LoggingConfig": map[string]any{"ApplicationLogLevel": "DEBUG"},
			})
		})
	})
}

func TestAddNoteEnvironment(t *testing.T) {
	s := defaultStack(t)
	want := map[string]any{
		settings.EnvNotesTable: ref(s.id(t, "NotesTable")),
		settings.EnvLogLevel:   "info",
	}
	if diff := cmp.Diff(want, envOf(t, s, s.id(t, "AddNoteFunction"))); diff != "" {
		t.Errorf("add-note environment (-want +got):\n%s", diff)
	}
}

// TestEnvironmentNames checks the names against the functions' settings
// lists: nothing set that a function does not read, nothing required
// missing.
func TestEnvironmentNames(t *testing.T) {
	for _, s := range []*synthesized{defaultStack(t), requestStack(t)} {
		checkEnvNames(t, "AuthorizerFunction", keys(envOf(t, s, s.id(t, "AuthorizerFunction"))), settings.AuthorizerSettings)
		checkEnvNames(t, "AddNoteFunction", keys(envOf(t, s, s.id(t, "AddNoteFunction"))), settings.NotesSettings)
	}
}

func TestFunctionPolicies(t *testing.T) {
	s := defaultStack(t)
	checkRole(t, s, s.id(t, "AddNoteRole"), []any{
		map[string]any{
			"Effect":   "Allow",
			"Action":   []any{"logs:CreateLogStream", "logs:PutLogEvents"},
			"Resource": getAtt(s.id(t, "AddNoteLogs"), "Arn"),
		},
		// PutItem on the table, nothing more.
		map[string]any{
			"Effect":   "Allow",
			"Action":   "dynamodb:PutItem",
			"Resource": getAtt(s.id(t, "NotesTable"), "Arn"),
		},
	})
	checkRole(t, s, s.id(t, "AuthorizerRole"), []any{
		map[string]any{
			"Effect":   "Allow",
			"Action":   []any{"logs:CreateLogStream", "logs:PutLogEvents"},
			"Resource": getAtt(s.id(t, "AuthorizerLogs"), "Arn"),
		},
	})
}

// TestCheckUsesTheFunctionsRules checks props with the functions' own
// validation: what LoadAuthorizer and LoadNotes accept deploys, what they
// refuse does not, named by its variable.
func TestCheckUsesTheFunctionsRules(t *testing.T) {
	base := NotesStackProps{AuthorizerCodeDir: "a", AddNoteCodeDir: "b"}
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

func TestApplicationLogLevel(t *testing.T) {
	for level, want := range map[string]string{
		"trace": "DEBUG", "debug": "DEBUG", "info": "INFO", "INFO": "INFO",
		"warn": "WARN", "warning": "WARN", "error": "ERROR", "fatal": "ERROR",
	} {
		if got := string(applicationLogLevel(level)); got != want {
			t.Errorf("applicationLogLevel(%q) = %s, want %s", level, got, want)
		}
	}
}

package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/testenv"
)

// acceptedValues lists, for every context key, each value the app accepts
// (for free-form keys, representative ones), as -c would pass them.
var acceptedValues = map[string][]any{
	ctxAuthorizerType:     {"TOKEN", "REQUEST", "request"},
	ctxTokenHeader:        {"Authorization", "token", "X-Id-Token"},
	ctxCacheTTLSeconds:    {"0", "300", "3600", float64(60)},
	ctxTokenUse:           {"id,access", "id", "access", "access,id", "id, access"},
	ctxRequiredGroups:     {"", "writers", "writers,admins", []any{"writers"}},
	ctxRequiredScopes:     {"", "notes/write", "notes/write,openid"},
	ctxGroups:             {"", "writers", "writers,readers", []any{"a/b", "c"}},
	ctxLogLevel:           {"info", "debug", "warn", "error", "trace", "warning", "fatal", "INFO"},
	ctxDeletionProtection: {"false", "true", true},
	ctxTableRemovalPolicy: {"retain", "destroy", "DESTROY"},
	ctxLogRetentionDays:   retentionValues(),
	ctxThrottleRate:       {"50", "1", "10000", "0.5e1"},
	ctxThrottleBurst:      {"100", "1", "5000"},
	ctxCloudWatchRole:     {"true", "false", false},
	ctxSelfSignUp:         {"true", "false", false},
	// As long as ctxCacheTTLSeconds' list, so that each TTL meets a
	// validity at least as long.
	ctxTokenValidity:  {"5", "60", "1440", float64(60)},
	ctxFlushOnSignOut: {"false", "true", true},
	ctxDashboard:      {"true", "false", false, true},
	ctxAlarms:         {"true", "true", "false", false, true},
}

// TestAcceptedValuesCoverCDKJSON keeps acceptedValues complete: every key
// of cdk.json's context that the app reads has its values there.
func TestAcceptedValuesCoverCDKJSON(t *testing.T) {
	var want []string
	for key := range readCDKContext(t) {
		if strings.Contains(key, ":") || key == "cli-telemetry" ||
			key == ctxAuthorizerCodeDir || key == ctxAddNoteCodeDir ||
			key == ctxListNotesCodeDir || key == ctxSignOutCodeDir {
			continue // CDK's own settings; paths
		}
		want = append(want, key)
	}
	slices.Sort(want)
	if diff := cmp.Diff(want, keys(acceptedValues)); diff != "" {
		t.Errorf("acceptedValues keys (-cdk.json +test):\n%s", diff)
	}
}

// TestSynthEveryAcceptedValue synthesizes the stack with every accepted
// value of every context key, so that no documented setting fails at
// synth time. One synthesis sets every key at once, the i-th value of
// each (cycling through the shorter lists), which takes as many
// syntheses as the longest list rather than one per value.
func TestSynthEveryAcceptedValue(t *testing.T) {
	testenv.LookPath(t, "node", "install Node.js 22+ (https://nodejs.org)")
	n := 0
	for _, values := range acceptedValues {
		n = max(n, len(values))
	}
	for i := range n {
		ctx := map[string]any{}
		var names []string
		for _, key := range keys(acceptedValues) {
			values := acceptedValues[key]
			ctx[key] = values[i%len(values)]
			names = append(names, fmt.Sprintf("%s=%v", key, ctx[key]))
		}
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			p, err := propsFromContext(func(key string) any { return ctx[key] })
			if err != nil {
				t.Fatalf("propsFromContext(%s): %v", strings.Join(names, " "), err)
			}
			s, err := trySynth(t, p)
			if err != nil {
				t.Fatalf("synth with %s: %v", strings.Join(names, " "), err)
			}
			days := fmt.Sprint(ctx[ctxLogRetentionDays])
			for _, id := range s.ofType("AWS::Logs::LogGroup") {
				if got := fmt.Sprint(s.parsed.Resources[id].Properties["RetentionInDays"]); got != days {
					t.Errorf("%s RetentionInDays = %s, want %s", id, got, days)
				}
			}
		})
	}
}

// trySynth is synth that returns a panic of the CDK (a construct refusing
// its props) as an error.
func trySynth(t *testing.T, p NotesStackProps) (s *synthesized, err error) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return synth(t, p), nil
}

// retentionValues is every day count CloudWatch Logs offers, as strings.
func retentionValues() []any {
	var v []any
	for _, d := range cloudWatchRetentions {
		v = append(v, fmt.Sprint(d))
	}
	return v
}

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/cognito-authorizer/internal/lambdainit"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
	"github.com/gatehouse-dev/cognito-authorizer/internal/signout"
)

// fakeAWS stands in for the revocation table, the pool and API Gateway's
// flush, each failing with its error.
type fakeAWS struct{ storeErr, flushErr error }

func (f fakeAWS) RevokeSession(context.Context, string, time.Time) error { return f.storeErr }

func (f fakeAWS) RevokeUser(context.Context, string, time.Time, time.Time) error { return f.storeErr }

func (f fakeAWS) SignOutEverywhere(context.Context, string) error { return nil }

func (f fakeAWS) FlushAuthorizerCache(context.Context, string, string) error { return f.flushErr }

// TestFlushErrorFilterPattern checks the deploy templates' metric filter
// (settings.SignOutFlushErrorPattern) against the function's own log
// lines: the sample sign-out event through the function's handler and
// logger, with a flush that fails, one that works, none, and a sign-out
// that fails. Only the failed flush may count.
func TestFlushErrorFilterPattern(t *testing.T) {
	event, err := os.ReadFile("../../events/sign-out.json")
	if err != nil {
		t.Fatal(err)
	}
	match, err := jsonFilter(settings.SignOutFlushErrorPattern)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name  string
		aws   fakeAWS
		flush bool
		want  bool
	}{
		{name: "flush fails", aws: fakeAWS{flushErr: errors.New("operation error API Gateway: FlushStageAuthorizersCache, TooManyRequestsException")}, flush: true, want: true},
		{name: "flush works", flush: true},
		{name: "no flush"},
		{name: "sign-out fails", aws: fakeAWS{storeErr: errors.New("ProvisionedThroughputExceededException")}, flush: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			var opts []signout.Option
			if tt.flush {
				opts = append(opts, signout.WithFlusher(tt.aws))
			}
			h := signout.NewHandler(tt.aws, tt.aws, lambdainit.Logger(&logs, slog.LevelInfo), opts...)
			if _, err := handler(h)(t.Context(), event); err != nil {
				t.Fatalf("handler() = %v", err)
			}
			lines := 0
			sc := bufio.NewScanner(&logs)
			for sc.Scan() {
				lines++
				got, err := match(sc.Text())
				if err != nil {
					t.Fatalf("%s: %v", sc.Text(), err)
				}
				if got != tt.want {
					t.Errorf("%s on %s = %v, want %v", settings.SignOutFlushErrorPattern, sc.Text(), got, tt.want)
				}
			}
			if lines != 1 {
				t.Errorf("%d log lines, want 1:\n%s", lines, logs.String())
			}
		})
	}
}

// jsonFilterPattern is the one form of CloudWatch Logs' JSON filter
// patterns jsonFilter reads: { $.field = "value" }, the field a path of
// property names, the value a string in which * matches any text
// ("Using filter patterns to match terms in JSON log events":
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html).
var jsonFilterPattern = regexp.MustCompile(`^\{\s*\$\.([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*=\s*"([^"]*)"\s*\}$`)

// jsonFilter returns what CloudWatch Logs does with pattern on a log
// event: whether the event, a JSON object, has the field with a string
// value the value matches. Other forms of pattern are refused.
func jsonFilter(pattern string) (func(event string) (bool, error), error) {
	m := jsonFilterPattern.FindStringSubmatch(pattern)
	if m == nil {
		return nil, fmt.Errorf("filter pattern %s: want the form { $.field = \"value\" }", pattern)
	}
	path := strings.Split(m[1], ".")
	parts := strings.Split(m[2], "*")
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	value := regexp.MustCompile("^" + strings.Join(parts, ".*") + "$")
	return func(event string) (bool, error) {
		var v any
		if err := json.Unmarshal([]byte(event), &v); err != nil {
			return false, fmt.Errorf("not a JSON log event: %w", err)
		}
		for _, name := range path {
			obj, ok := v.(map[string]any)
			if !ok {
				return false, nil
			}
			if v, ok = obj[name]; !ok {
				return false, nil
			}
		}
		s, ok := v.(string)
		return ok && value.MatchString(s), nil
	}, nil
}

func TestJSONFilter(t *testing.T) {
	for _, tt := range []struct {
		pattern, event string
		want           bool
	}{
		{`{ $.a = "*" }`, `{"a":"x"}`, true},
		{`{ $.a = "*" }`, `{"b":"x"}`, false},
		{`{ $.a = "x*z" }`, `{"a":"xyz"}`, true},
		{`{ $.a = "x*z" }`, `{"a":"xy"}`, false},
		{`{ $.a.b = "1" }`, `{"a":{"b":"1"}}`, true},
		{`{ $.a = "1" }`, `{"a":1}`, false},
	} {
		match, err := jsonFilter(tt.pattern)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := match(tt.event); err != nil || got != tt.want {
			t.Errorf("%s on %s = %v, %v; want %v", tt.pattern, tt.event, got, err, tt.want)
		}
	}
	if _, err := jsonFilter(`{ $.a != "x" }`); err == nil {
		t.Errorf(`jsonFilter({ $.a != "x" }) = nil error, want the form refused`)
	}
}

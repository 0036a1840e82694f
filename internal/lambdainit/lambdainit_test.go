package lambdainit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/cognito-authorizer/internal/lambdainit"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/lambdatest"
)

func TestLogger(t *testing.T) {
	var buf bytes.Buffer
	log := lambdainit.Logger(&buf, slog.LevelInfo)
	log.Debug("d")
	log.Info("i <region> & more")
	log.Warn("w")
	log.Error("e")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("Logger(info) wrote %d lines, want 3:\n%s", len(lines), buf.String())
	}
	for i, want := range []string{"INFO", "WARN", "ERROR"} {
		checkLambdaLine(t, lines[i], want)
	}
}

// checkLambdaLine checks that line is what Lambda's JSON log format filters
// on: a level from Lambda's set and an RFC 3339 timestamp.
func checkLambdaLine(t *testing.T, line, wantLevel string) {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(line), &m); err != nil {
		t.Fatalf("log line %q is not JSON: %v", line, err)
	}
	if m["level"] != wantLevel {
		t.Errorf("level = %v, want %s", m["level"], wantLevel)
	}
	ts, _ := m["timestamp"].(string)
	if _, err := time.Parse(time.RFC3339, ts); err != nil || !strings.HasSuffix(ts, "Z") || len(ts) != len("2006-01-02T15:04:05.000Z") {
		t.Errorf("timestamp = %q, want RFC 3339 UTC with milliseconds", ts)
	}
	if _, ok := m["time"]; ok {
		t.Errorf("line %s has a time key beside timestamp", line)
	}
}

func TestFailReportsToRuntimeAPI(t *testing.T) {
	srv, err := lambdatest.NewServer()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	var out bytes.Buffer
	lambdainit.Fail(&out, func(k string) string {
		if k == "AWS_LAMBDA_RUNTIME_API" {
			return srv.Addr()
		}
		return ""
	}, errors.New("COGNITO_USER_POOL_ID: required"))

	var line map[string]any
	if err := json.Unmarshal(out.Bytes(), &line); err != nil {
		t.Fatalf("Fail wrote %q, want one JSON line: %v", out.String(), err)
	}
	if line["level"] != "ERROR" || line["error"] != "COGNITO_USER_POOL_ID: required" {
		t.Errorf("Fail wrote %v", line)
	}
	checkLambdaLine(t, strings.TrimSpace(out.String()), "ERROR")
	got := srv.InitError()
	if got == nil || got.Message != "COGNITO_USER_POOL_ID: required" || got.Type != "Runtime.ConfigurationError" {
		t.Errorf("InitError() = %+v, want the configuration error", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := srv.Invoke(ctx, []byte(`{}`)); !errors.Is(err, lambdatest.ErrInitFailed) {
		t.Errorf("Invoke() after init error = %v, want %v", err, lambdatest.ErrInitFailed)
	}
}

func TestFailWithoutRuntimeAPI(t *testing.T) {
	var out bytes.Buffer
	lambdainit.Fail(&out, func(string) string { return "" }, errors.New("X: bad"))
	if !strings.Contains(out.String(), `"error":"X: bad"`) {
		t.Errorf("Fail wrote %q", out.String())
	}
}

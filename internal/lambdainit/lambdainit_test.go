package lambdainit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/cognito-authorizer/internal/lambdainit"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/lambdatest"
)

func TestLogger(t *testing.T) {
	tests := []struct {
		value     string
		debug     bool
		info      bool
		wantError bool
	}{
		{value: "", info: true},
		{value: "info", info: true},
		{value: "DEBUG", debug: true, info: true},
		{value: "warn"},
		{value: "error"},
		{value: "verbose", wantError: true},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		log, err := lambdainit.Logger(&buf, func(string) string { return tt.value })
		if tt.wantError {
			if err == nil || !strings.HasPrefix(err.Error(), lambdainit.EnvLogLevel+": ") {
				t.Errorf("Logger(%q) error = %v, want one naming %s", tt.value, err, lambdainit.EnvLogLevel)
			}
			continue
		}
		if err != nil {
			t.Fatalf("Logger(%q) = %v", tt.value, err)
		}
		log.Debug("d")
		log.Info("i")
		log.Error("e")
		lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
		want := 1
		if tt.info {
			want++
		}
		if tt.debug {
			want++
		}
		if len(lines) != want {
			t.Errorf("Logger(%q) wrote %d lines, want %d", tt.value, len(lines), want)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(lines[len(lines)-1]), &m); err != nil || m["level"] != "ERROR" {
			t.Errorf("Logger(%q) line = %s, want JSON at level ERROR", tt.value, lines[len(lines)-1])
		}
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

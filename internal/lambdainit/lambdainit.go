// Package lambdainit holds what every function of this project does before it
// serves its first event: build its JSON logger and, when its configuration is
// wrong, stop with one clear message.
package lambdainit

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// EnvLogLevel names the variable that sets the log level of every function.
const EnvLogLevel = "LOG_LEVEL"

// Setting documents one environment variable of a function. Each function's
// package lists its own in a Settings variable, which the README and the
// deploy templates are checked against.
type Setting struct {
	Name     string
	Required bool
	Default  string
	Doc      string
}

// Logger returns a JSON logger writing to w at the level named by LOG_LEVEL
// (debug, info, warn or error; default info).
func Logger(w io.Writer, getenv func(string) string) (*slog.Logger, error) {
	var level slog.Level
	switch v := strings.ToLower(strings.TrimSpace(getenv(EnvLogLevel))); v {
	case "", "info":
		level = slog.LevelInfo
	case "debug":
		level = slog.LevelDebug
	case "warn", "warning":
		level = slog.LevelWarn
	case "error":
		level = slog.LevelError
	default:
		return nil, fmt.Errorf("%s: %q is not a log level: want debug, info, warn or error", EnvLogLevel, v)
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level})), nil
}

// Fail reports an initialisation error: one JSON line on w and, when the
// process runs under a Lambda Runtime API (AWS_LAMBDA_RUNTIME_API is set), the
// runtime's init/error call, so that the invoke that started this environment
// answers with the message instead of a bare exit status. The caller then
// exits non-zero.
func Fail(w io.Writer, getenv func(string) string, err error) {
	line, _ := json.Marshal(map[string]string{
		"time":  time.Now().UTC().Format(time.RFC3339Nano),
		"level": "ERROR",
		"msg":   "configuration error: function not started",
		"error": err.Error(),
	})
	fmt.Fprintf(w, "%s\n", line)

	api := getenv("AWS_LAMBDA_RUNTIME_API")
	if api == "" {
		return
	}
	body, _ := json.Marshal(map[string]any{
		"errorMessage": err.Error(),
		"errorType":    "Runtime.ConfigurationError",
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	req, rerr := http.NewRequestWithContext(ctx, http.MethodPost,
		"http://"+api+"/2018-06-01/runtime/init/error", bytes.NewReader(body))
	if rerr != nil {
		return
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Lambda-Runtime-Function-Error-Type", "Runtime.ConfigurationError")
	if resp, rerr := http.DefaultClient.Do(req); rerr == nil {
		resp.Body.Close()
	}
}

// Package lambdainit holds what every function of this project does before it
// serves its first event: build its JSON logger and, when its configuration is
// wrong, stop with one clear message in the same JSON shape.
package lambdainit

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"time"
)

// TimestampKey and TimestampLayout are how each log line gives its time:
// Lambda's JSON log format reads the level from "level" and the time from
// an RFC 3339 "timestamp" when it filters by application log level.
const (
	TimestampKey    = "timestamp"
	TimestampLayout = "2006-01-02T15:04:05.000Z07:00"
)

// Logger returns a JSON logger writing to w at level: one object per line
// with timestamp, level (DEBUG, INFO, WARN or ERROR, names Lambda's log
// level filter reads) and msg first.
func Logger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(unescapeHTML{w}, &slog.HandlerOptions{Level: level, ReplaceAttr: lambdaTime}))
}

// lambdaTime writes slog's time as Lambda's timestamp, in UTC with
// milliseconds.
func lambdaTime(groups []string, a slog.Attr) slog.Attr {
	if a.Key == slog.TimeKey && len(groups) == 0 {
		return slog.String(TimestampKey, a.Value.Time().UTC().Format(TimestampLayout))
	}
	return a
}

// Fail reports an initialisation error: one JSON line on w and, when the
// process runs under a Lambda Runtime API (AWS_LAMBDA_RUNTIME_API is set), the
// runtime's init/error call, so that the invoke that started this environment
// answers with the message instead of a bare exit status. The caller then
// exits non-zero.
func Fail(w io.Writer, getenv func(string) string, err error) {
	Logger(w, slog.LevelError).LogAttrs(context.Background(), slog.LevelError,
		"configuration error: function not started", slog.String("error", err.Error()))

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

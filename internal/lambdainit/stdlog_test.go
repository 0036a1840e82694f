package lambdainit_test

import (
	"bytes"
	"encoding/json"
	"log"
	"log/slog"
	"strings"
	"testing"

	"github.com/gatehouse-dev/cognito-authorizer/internal/lambdainit"
)

func TestLoggerWritesHTMLAsIs(t *testing.T) {
	var buf bytes.Buffer
	l := lambdainit.Logger(&buf, slog.LevelInfo)
	msgs := []string{`want <region>_<id> & more`, `a literal \u003c stays`, `quote " and backslash \ stay`}
	for _, m := range msgs {
		buf.Reset()
		l.Info(m)
		var line map[string]any
		if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
			t.Fatalf("Info(%q) wrote %q: not JSON: %v", m, buf.String(), err)
		}
		if line["msg"] != m {
			t.Errorf("Info(%q) logged msg %q", m, line["msg"])
		}
		if strings.Contains(m, "<") && strings.Contains(buf.String(), `\u003c`) {
			t.Errorf("Info(%q) wrote %s, want < as is", m, buf.String())
		}
	}
}

func TestRouteStdLog(t *testing.T) {
	var buf bytes.Buffer
	defer log.SetOutput(log.Writer())
	lambdainit.RouteStdLog(lambdainit.Logger(&buf, slog.LevelInfo))
	log.Printf("%s", `{"errorMessage":"Unauthorized","errorType":"errorString"}`)
	if buf.Len() != 0 {
		t.Errorf("the handler's returned error was logged again: %s", buf.String())
	}
	log.Print("runtime API client failed to close")
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil || line["level"] != "WARN" || line["detail"] != "runtime API client failed to close" {
		t.Errorf("aws-lambda-go's line became %s, want a WARN JSON line", buf.String())
	}
}

func TestNotInLambda(t *testing.T) {
	var buf bytes.Buffer
	if lambdainit.NotInLambda(&buf, func(string) string { return "127.0.0.1:9001" }, "authorizer") || buf.Len() != 0 {
		t.Errorf("NotInLambda() under a Runtime API = true or wrote %q", buf.String())
	}
	if !lambdainit.NotInLambda(&buf, func(string) string { return "" }, "authorizer") {
		t.Fatal("NotInLambda() without a Runtime API = false")
	}
	if got := buf.String(); strings.Count(got, "\n") != 1 || !strings.Contains(got, "make demo") {
		t.Errorf("NotInLambda() wrote %q, want one line naming make demo", got)
	}
}

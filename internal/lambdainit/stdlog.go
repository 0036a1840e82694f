package lambdainit

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	"strings"
)

// RouteStdLog sends what aws-lambda-go writes through the standard log
// package to l, as WARN lines of the same JSON shape, except its copy of
// each error a handler returns ({"errorMessage":...}): the handler has
// already written the invocation's one log line, which names the error.
func RouteStdLog(l *slog.Logger) {
	log.SetFlags(0)
	log.SetPrefix("")
	log.SetOutput(stdLog{l})
}

type stdLog struct{ l *slog.Logger }

func (s stdLog) Write(p []byte) (int, error) {
	line := strings.TrimSpace(string(p))
	if strings.HasPrefix(line, `{"errorMessage":`) {
		return len(p), nil
	}
	s.l.LogAttrs(context.Background(), slog.LevelWarn, "aws-lambda-go", slog.String("detail", line))
	return len(p), nil
}

// NotInLambda reports whether the process runs outside Lambda (no Runtime
// API to serve) and, if so, writes one line to w saying what the binary is
// and how to run it locally. The caller then exits.
func NotInLambda(w io.Writer, getenv func(string) string, name string) bool {
	if getenv("AWS_LAMBDA_RUNTIME_API") != "" {
		return false
	}
	fmt.Fprintf(w, "%s: an AWS Lambda function (bootstrap for provided.al2023), not a command: try it locally with `make demo`, `make invoke EVENT=events/token.json` or `sam local invoke`\n", name)
	return true
}

// unescapeHTML undoes slog's escaping of <, > and & (as \u003c, \u003e and
// \u0026) in JSON log lines, so that a message reads as written. It reads
// escape sequences as JSON does: a backslash always starts one, so an
// escaped backslash followed by "u003c" is left alone.
type unescapeHTML struct{ w io.Writer }

var htmlEscapes = map[string]byte{`\u003c`: '<', `\u003e`: '>', `\u0026`: '&'}

func (u unescapeHTML) Write(p []byte) (int, error) {
	if !bytes.Contains(p, []byte(`\u00`)) {
		return u.w.Write(p)
	}
	out := make([]byte, 0, len(p))
	for i := 0; i < len(p); i++ {
		if p[i] != '\\' || i+1 >= len(p) {
			out = append(out, p[i])
			continue
		}
		if i+6 <= len(p) {
			if c, ok := htmlEscapes[string(p[i:i+6])]; ok {
				out = append(out, c)
				i += 5
				continue
			}
		}
		out = append(out, p[i], p[i+1])
		i++
	}
	if _, err := u.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Main is the whole main of a function: outside Lambda it says how to run
// the function locally and exits 2; an error from run (the configuration)
// is reported with Fail and exits 1; otherwise serve starts the Lambda loop
// with the handler run returned.
func Main[H any](name string, run func(context.Context, func(string) string, io.Writer) (H, error), serve func(H)) {
	if NotInLambda(os.Stderr, os.Getenv, name) {
		os.Exit(2)
	}
	h, err := run(context.Background(), os.Getenv, os.Stdout)
	if err != nil {
		Fail(os.Stdout, os.Getenv, err)
		os.Exit(1)
	}
	serve(h)
}

// Package settings is the one place that names the environment variables of
// the project's functions, gives their typed defaults and validates them.
//
// It imports only the standard library and the route rules' parser
// (internal/policy, itself standard library only), so that the CDK app in
// infra/ checks the settings it writes with the functions' own rules without
// linking the functions' dependencies. Each Load function reports every problem at once,
// each one starting with the variable's name.
package settings

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
)

// Setting documents one environment variable of a function. The docs'
// configuration tables and the deploy templates are checked against these
// lists.
type Setting struct {
	Name     string
	Required bool
	// Default is the value used when the variable is unset, as the docs
	// shows it.
	Default string
	Doc     string
}

// EnvLogLevel names the variable that sets the log level of every function.
const EnvLogLevel = "LOG_LEVEL"

// DefaultLogLevel is the level of a function whose LOG_LEVEL is unset.
const DefaultLogLevel = slog.LevelInfo

var logLevelSetting = Setting{
	Name:    EnvLogLevel,
	Default: "info",
	Doc:     "`debug`, `info`, `warn` or `error` (case-insensitive; Lambda's `TRACE`, `WARNING` and `FATAL` are read as debug, warn and error).",
}

// ParseLogLevel reads a LOG_LEVEL value. It accepts the names of slog's
// levels and of Lambda's application log levels (TRACE, DEBUG, INFO, WARN,
// ERROR, FATAL), so one value can serve both.
func ParseLogLevel(v string) (slog.Level, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "":
		return DefaultLogLevel, nil
	case "trace", "debug":
		return slog.LevelDebug, nil
	case "info":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error", "fatal":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("%s: %q is not a log level: want debug, info, warn or error", EnvLogLevel, v)
}

// problems collects configuration errors, each prefixed with its variable.
type problems []error

func (p *problems) add(name, format string, args ...any) {
	*p = append(*p, fmt.Errorf("%s: "+format, append([]any{name}, args...)...))
}

func (p problems) err() error { return errors.Join(p...) }

// duration is a setting holding a Go duration within bounds.
type duration struct {
	name     string
	def      time.Duration
	min, max time.Duration
}

func (d duration) load(p *problems, v string) time.Duration {
	if v == "" {
		return d.def
	}
	parsed, err := time.ParseDuration(v)
	if err != nil || parsed < d.min || parsed > d.max {
		if d.def > 0 {
			p.add(d.name, "%q is not a duration from %v to %v (e.g. %v)", v, d.min, d.max, d.def)
		} else {
			p.add(d.name, "%q is not a duration from %v to %v", v, d.min, d.max)
		}
		return d.def
	}
	return parsed
}

// fields splits s at any of seps into trimmed, non-empty, distinct parts.
func fields(s, seps string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(seps, r) }) {
		if f = strings.TrimSpace(f); f != "" {
			out = appendUnique(out, f)
		}
	}
	return out
}

func appendUnique[T comparable](list []T, v T) []T {
	if slices.Contains(list, v) {
		return list
	}
	return append(list, v)
}

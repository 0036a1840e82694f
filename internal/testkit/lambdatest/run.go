package lambdatest

import (
	"context"
	"io"
	"strings"
	"testing"
)

// Getenv returns a getenv that reads m, for a main's run.
func Getenv(m map[string]string) func(string) string {
	return func(name string) string { return m[name] }
}

// RunFails calls a main's run(ctx, getenv, stdout) with env and checks that
// it refuses to start with an error naming each of names, as every setting
// error must ("NAME: ...").
func RunFails[H any](t *testing.T, run func(context.Context, func(string) string, io.Writer) (H, error), env map[string]string, names ...string) {
	t.Helper()
	h, err := run(t.Context(), Getenv(env), io.Discard)
	if err == nil {
		t.Fatalf("run(%v) = %v, nil, want an error", env, h)
	}
	for _, name := range names {
		if !strings.Contains(err.Error(), name+":") {
			t.Errorf("run(%v) error = %q, want it to name %s", env, err, name)
		}
	}
}

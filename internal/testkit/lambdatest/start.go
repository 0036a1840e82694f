package lambdatest

import (
	"context"
	"testing"
)

// Start starts binary with env, as StartFunction does, and stops it when the
// test ends. What the function writes is collected in the returned Output
// and logged if the test failed.
func Start(tb testing.TB, binary string, env map[string]string) (*Function, *Output) {
	tb.Helper()
	out := &Output{}
	// Not tb.Context: it ends before the cleanups run, and a function
	// killed then would fail the Stop below.
	fn, err := StartFunction(context.Background(), binary, env, out)
	if err != nil {
		tb.Fatalf("StartFunction(%s) error = %v", binary, err)
	}
	tb.Cleanup(func() {
		if err := fn.Stop(); err != nil {
			tb.Errorf("stopping %s: %v", binary, err)
		}
		if tb.Failed() {
			tb.Logf("output of %s with %v:\n%s", binary, env, out)
		}
	})
	return fn, out
}

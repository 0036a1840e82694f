package oidctest

import (
	"context"
	"testing"
)

// Start returns a new provider served on 127.0.0.1 until the test ends.
func Start(tb testing.TB, opts ...Option) *Provider {
	tb.Helper()
	p, err := New(opts...)
	if err != nil {
		tb.Fatal(err)
	}
	_, stop, err := p.Serve(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(stop)
	return p
}

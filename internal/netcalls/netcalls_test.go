package netcalls_test

import (
	"context"
	"sync"
	"testing"

	"github.com/gatehouse-dev/cognito-authorizer/internal/netcalls"
)

func TestCounter(t *testing.T) {
	ctx, c := netcalls.WithCounter(context.Background())
	// A context derived from the invocation's counts into its Counter.
	child, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() { netcalls.Add(child, netcalls.JWKSFetch) })
	}
	wg.Wait()
	netcalls.Add(ctx, netcalls.RevocationLookup)
	if got := c.Count(netcalls.JWKSFetch); got != 10 {
		t.Errorf("Count(JWKSFetch) = %d, want 10", got)
	}
	if got := c.Count(netcalls.RevocationLookup); got != 1 {
		t.Errorf("Count(RevocationLookup) = %d, want 1", got)
	}

	// Another invocation's counter is its own.
	_, other := netcalls.WithCounter(context.Background())
	if got := other.Count(netcalls.JWKSFetch); got != 0 {
		t.Errorf("a new Counter's Count(JWKSFetch) = %d, want 0", got)
	}
}

func TestNoCounter(t *testing.T) {
	// A call outside an invocation (at start-up, in the background)
	// counts nothing, and does not fail.
	netcalls.Add(context.Background(), netcalls.JWKSFetch)
	var c *netcalls.Counter
	if got := c.Count(netcalls.JWKSFetch); got != 0 {
		t.Errorf("nil Counter's Count = %d, want 0", got)
	}
}

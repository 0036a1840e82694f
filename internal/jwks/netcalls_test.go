package jwks_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-dev/cognito-authorizer/internal/netcalls"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/clocktest"
)

// TestFetchesCounted: a fetch counts against the invocation whose context
// made it, not against those that waited for it or found the key cached,
// nor against a context without a counter (the fetch at start-up).
func TestFetchesCounted(t *testing.T) {
	s := newServer(t)
	s.delay.Store(int64(100 * time.Millisecond))
	c := clocktest.New(time.Unix(1_800_000_000, 0))
	cache := newCache(t, s, c)

	const callers = 8
	counters := make([]*netcalls.Counter, callers)
	var wg sync.WaitGroup
	for i := range callers {
		var ctx context.Context
		ctx, counters[i] = netcalls.WithCounter(context.Background())
		wg.Go(func() { cache.KeyRead(ctx, kid(s.pool)) })
	}
	wg.Wait()
	var total int64
	for _, n := range counters {
		total += n.Count(netcalls.JWKSFetch)
	}
	if total != 1 || s.hits.Load() != 1 {
		t.Errorf("%d fetches counted for %d requests, want 1 and 1", total, s.hits.Load())
	}

	ctx, cached := netcalls.WithCounter(context.Background())
	if _, err := cache.KeyRead(ctx, kid(s.pool)); err != nil {
		t.Fatal(err)
	}
	if n := cached.Count(netcalls.JWKSFetch); n != 0 {
		t.Errorf("a cached key counted %d fetches, want 0", n)
	}

	// Refresh outside an invocation counts nothing; within one, one.
	s.delay.Store(0)
	if err := cache.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, refresh := netcalls.WithCounter(context.Background())
	if err := cache.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if n := refresh.Count(netcalls.JWKSFetch); n != 1 || s.hits.Load() != 3 {
		t.Errorf("Refresh counted %d fetches, %d requests in all; want 1 and 3", n, s.hits.Load())
	}
}

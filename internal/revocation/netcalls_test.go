package revocation

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-dev/cognito-authorizer/internal/netcalls"
)

// TestLookupsCounted: a read of the table counts against the invocation
// that made it, not against those that waited for it or found the answer
// cached, nor against a context without a counter.
func TestLookupsCounted(t *testing.T) {
	const callers = 4
	f := newFakeDynamo(jtiItem(testJTI, unix(testNow.Add(time.Hour))))
	f.block = make(chan struct{})
	f.started = make(chan struct{}, callers)
	c, _, _ := newTestChecker(t, f)

	counters := make([]*netcalls.Counter, callers)
	var wg sync.WaitGroup
	for i := range callers {
		var ctx context.Context
		ctx, counters[i] = netcalls.WithCounter(t.Context())
		wg.Go(func() { c.Check(ctx, testSub, testJTI, testNow) })
	}
	<-f.started
	waitForWaiters(t, c, callers-1)
	close(f.block)
	wg.Wait()
	var total int64
	for _, n := range counters {
		total += n.Count(netcalls.RevocationLookup)
	}
	if total != 1 || f.callCount() != 1 {
		t.Errorf("%d lookups counted for %d reads of the table, want 1 and 1", total, f.callCount())
	}

	ctx, hit := netcalls.WithCounter(t.Context())
	c.Check(ctx, testSub, testJTI, testNow)
	if n := hit.Count(netcalls.RevocationLookup); n != 0 || f.callCount() != 1 {
		t.Errorf("a cache hit counted %d lookups, the table read %d times; want 0 and 1", n, f.callCount())
	}
	ctx, miss := netcalls.WithCounter(t.Context())
	c.Check(ctx, "another-sub", "", testNow)
	if n := miss.Count(netcalls.RevocationLookup); n != 1 {
		t.Errorf("a miss counted %d lookups, want 1", n)
	}
	c.Check(t.Context(), "a-third-sub", "", testNow) // no counter: nothing to count into
}

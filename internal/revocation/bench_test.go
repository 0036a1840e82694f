package revocation

import (
	"testing"
	"time"
)

// BenchmarkCheckCacheHit is the cost a warm authorizer pays per token: both
// keys cached (issue 12's goal: at most 2 µs).
func BenchmarkCheckCacheHit(b *testing.B) {
	c, _, _ := newTestChecker(b, newFakeDynamo(), WithCacheTTL(time.Hour))
	ctx := b.Context()
	if err := c.Check(ctx, testSub, testJTI, testNow); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Check(ctx, testSub, testJTI, testNow); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheckCacheHitParallel is the same with every core checking.
func BenchmarkCheckCacheHitParallel(b *testing.B) {
	c, _, _ := newTestChecker(b, newFakeDynamo(), WithCacheTTL(time.Hour), WithClock(time.Now))
	ctx := b.Context()
	if err := c.Check(ctx, testSub, testJTI, testNow); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := c.Check(ctx, testSub, testJTI, testNow); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkCheckDisabled is the cost without REVOCATION_TABLE: a nil
// Checker.
func BenchmarkCheckDisabled(b *testing.B) {
	var c *Checker
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Check(ctx, testSub, testJTI, testNow); err != nil {
			b.Fatal(err)
		}
	}
}

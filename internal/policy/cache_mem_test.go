package policy

import (
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// TestDecideCacheMemoryIsBounded decides, for 300 users with long
// bound values, every route of 120 rules that bind the path to the
// caller's own value (an outcome set per user), and checks that what the
// cache keeps stays within its budget, measured on the heap: a function of
// 128 MB keeps its memory whatever the callers.
func TestDecideCacheMemoryIsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("decides 6,000 requests")
	}
	var b strings.Builder
	b.WriteString("[")
	for i := range 120 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`{"route": "GET /r` + strconv.Itoa(i) + `/{id}/items", "bind": {"id": "sub"}}`)
	}
	b.WriteString("]")
	rs, err := ParseRules([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	for u := range 300 {
		sub := strings.Repeat("u", 120) + strconv.Itoa(u)
		c := caller{claims: map[string]any{"sub": sub}}
		for r := range 10 {
			a := mustARN(t, "GET", "r"+strconv.Itoa(r)+"/"+sub+"/items")
			rs.Decide(a, c)
			rs.Decide(a, c) // a second use: its answer is kept
		}
	}
	kept := heap() - min(before, heap())
	w := rs.wilds[testPrefix]
	if w.cache.bytes > maxCacheBytes {
		t.Errorf("the cache counts %d bytes, more than its %d", w.cache.bytes, maxCacheBytes)
	}
	const limit = 3 * maxCacheBytes
	if kept > limit {
		t.Errorf("the heap holds %d MiB more after the decisions, want at most %d MiB", kept>>20, limit>>20)
	}
	t.Logf("%d outcome sets kept, %d bytes counted, %.1f MiB more on the heap", len(w.cache.sets), w.cache.bytes, float64(kept)/(1<<20))
	runtime.KeepAlive(rs)
}

package policy

import "sync"

// A caller's policy depends only on how each rule went for them (passed
// with the rule's wildcards, passed through bind with their values, or
// failed and why), and on the stage's prefix: callers with the same
// outcomes get the same policy. The decisions cache each such outcome set's
// policy and its answers to the requests seen, under the prefix's
// wildResources, so that a caller whose outcome set was seen before costs
// the rules' condition checks and a lookup, not a policy built and
// evaluated again. (Its JSON is not kept: rendering it once per set, and
// posting those bytes, measured no faster through aws-lambda-go's handler
// than encoding it per answer.)
//
// The cache is bounded by an estimate of the bytes it holds, not by a
// count: with bind, every user has an outcome set of their own, and a
// policy of a hundred resources is tens of kilobytes. Past the budget, sets
// are dropped; a function of 128 MB keeps its memory whatever the callers.

// Bounds of the cache, per stage prefix.
const (
	// maxCacheBytes bounds the estimated size of the sets kept.
	maxCacheBytes = 4 << 20
	// maxAnswersPerSet bounds the requests whose answers a set keeps.
	maxAnswersPerSet = 64
)

// outcomeSet is the cached policy of one outcome set.
type outcomeSet struct {
	outs   []outcome
	policy Document
	cache  *outcomeCache
	key    string
	size   int // the estimate counted against maxCacheBytes, under cache.mu

	mu      sync.Mutex
	answers map[string]answer // by the request's methodArn
}

// answer is the part of a Decision that depends on the request.
type answer struct {
	allowed bool
	route   string
	reason  Reason
}

// outcomeCache maps outcome-set keys to their policies, for one prefix.
type outcomeCache struct {
	mu    sync.Mutex
	sets  map[string]*outcomeSet
	bytes int
}

func (c *outcomeCache) get(key []byte) *outcomeSet {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sets[string(key)]
}

// put keeps s under key unless another was kept first, which it returns,
// dropping other sets while the cache would exceed maxCacheBytes.
func (c *outcomeCache) put(key []byte, s *outcomeSet) *outcomeSet {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.sets[string(key)]; ok {
		return old
	}
	if c.sets == nil {
		c.sets = make(map[string]*outcomeSet)
	}
	s.cache, s.key = c, string(key)
	s.size += len(key)
	c.makeRoom(s.size)
	c.sets[s.key] = s
	c.bytes += s.size
	return s
}

// makeRoom drops sets (arbitrary ones: Go's map order) until n more bytes
// fit in maxCacheBytes.
func (c *outcomeCache) makeRoom(n int) {
	for k, old := range c.sets {
		if c.bytes+n <= maxCacheBytes {
			return
		}
		delete(c.sets, k)
		c.bytes -= old.size
	}
}

// grow counts n more bytes of s, if it is still kept.
func (c *outcomeCache) grow(s *outcomeSet, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sets[s.key] != s {
		return
	}
	s.size += n
	c.bytes += n
	if c.bytes > maxCacheBytes {
		delete(c.sets, s.key)
		c.bytes -= s.size
		c.makeRoom(0)
	}
}

func (s *outcomeSet) answerFor(target string) (answer, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.answers[target]
	return a, ok
}

// keep keeps a's answer to target, within maxAnswersPerSet, and counts its
// bytes.
func (s *outcomeSet) keep(target string, a answer) {
	s.mu.Lock()
	kept := false
	if s.answers == nil {
		s.answers = make(map[string]answer)
	}
	if _, dup := s.answers[target]; !dup && len(s.answers) < maxAnswersPerSet {
		s.answers[target] = a
		kept = true
	}
	s.mu.Unlock()
	if kept && s.cache != nil {
		s.cache.grow(s, len(target)+64)
	}
}

// appendOutcome appends rule i's outcome to an outcome-set key: its state,
// its reason and, passed through bind, its resources (which hold the
// caller's values). A key is unambiguous: reasons and resources hold no
// NUL.
func appendOutcome(key []byte, o *outcome) []byte {
	switch {
	case o.bound:
		key = append(key, 'b')
		for _, r := range o.resources {
			key = append(key, r...)
			key = append(key, 0)
		}
	case o.passed:
		key = append(key, 'p')
	default:
		key = append(key, 'f')
		key = append(key, o.reason...)
	}
	return append(key, 0)
}

// newOutcomeSet builds the policy of outs under w's prefix.
func newOutcomeSet(w *wildResources, outs []outcome) *outcomeSet {
	seen := make([]uint8, len(w.strs)) // 1: in allow, 2: in deny
	var allow, deny []string
	for i := range outs {
		o := &outs[i]
		switch {
		case o.bound:
			allow = appendNew(allow, o.resources...)
		case o.passed:
			allow = w.add(allow, seen, w.wildIDs[i], 1)
		default:
			deny = w.add(deny, seen, w.deniedIDs[i], 2)
		}
	}
	p := Document{Version: Version}
	if len(allow) > 0 {
		p.Statement = append(p.Statement, Statement{Action: []string{Action}, Effect: string(Allow), Resource: allow})
	}
	if len(deny) > 0 {
		// A Deny lists paths as the rules spell them; a request can reach
		// the same method spelled otherwise: percent-encoded (%61dmin for
		// admin, if API Gateway routes on the decoded path while the
		// methodArn keeps what was sent) or with an empty segment (GET //
		// reaching GET /). Such requests are refused outright whenever
		// something is denied, so that no Allow wildcard lets them past a
		// failed rule's Deny.
		deny = append(deny, w.prefix+denyEncoded, w.prefix+denyEmptySegment)
		p.Statement = append(p.Statement, Statement{Action: []string{Action}, Effect: string(Deny), Resource: deny})
	}
	// The estimate: the resource lists' string headers (the wildcard
	// strings themselves are shared by every set), the bound resources
	// and the outcomes; the answers are counted as they come.
	size := 256 + 16*(len(allow)+len(deny)) + 48*len(outs)
	for i := range outs {
		if outs[i].bound {
			for _, r := range outs[i].resources {
				size += len(r) + 16
			}
		}
	}
	return &outcomeSet{outs: outs, policy: p, size: size}
}

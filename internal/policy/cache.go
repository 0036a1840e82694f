package policy

import (
	"encoding/json"
	"sync"
)

// A caller's policy depends only on how each rule went for them (passed
// with the rule's wildcards, passed through bind with their values, or
// failed and why), and on the stage's prefix: callers with the same
// outcomes get the same policy. The decisions cache each such outcome set's
// policy, its JSON and its answers to the requests seen, under the prefix's
// wildResources, so that a caller whose outcome set was seen before costs
// the rules' condition checks and a lookup, not a policy built, evaluated
// and marshalled again.

// Bounds of the cache: the outcome sets kept per stage, and the requests
// whose answers each keeps. Past them an entry is dropped (or an answer not
// kept), so memory stays bounded whatever the callers.
const (
	maxOutcomeSets   = 512
	maxAnswersPerSet = 64
)

// outcomeSet is the cached policy of one outcome set.
type outcomeSet struct {
	outs   []outcome
	policy Document
	json   []byte

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
	mu   sync.Mutex
	sets map[string]*outcomeSet
}

func (c *outcomeCache) get(key []byte) *outcomeSet {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sets[string(key)]
}

// put keeps s under key unless another was kept first, which it returns.
func (c *outcomeCache) put(key []byte, s *outcomeSet) *outcomeSet {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.sets[string(key)]; ok {
		return old
	}
	if c.sets == nil {
		c.sets = make(map[string]*outcomeSet)
	}
	if len(c.sets) >= maxOutcomeSets {
		for k := range c.sets { // an arbitrary entry: Go's map order
			delete(c.sets, k)
			break
		}
	}
	c.sets[string(key)] = s
	return s
}

func (s *outcomeSet) answerFor(target string) (answer, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.answers[target]
	return a, ok
}

func (s *outcomeSet) keep(target string, a answer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.answers == nil {
		s.answers = make(map[string]answer)
	}
	if len(s.answers) < maxAnswersPerSet {
		s.answers[target] = a
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

// newOutcomeSet builds the policy of outs under w's prefix, and its JSON.
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
	s := &outcomeSet{outs: outs, policy: p}
	if len(p.Statement) > 0 {
		// Cannot fail: strings only.
		s.json, _ = json.Marshal(p)
	}
	return s
}

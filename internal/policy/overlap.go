package policy

import (
	"fmt"
	"slices"
	"strings"
)

// A rule that passes through bind grants the caller the resource with the
// caller's values in the bound segments and no Deny: the other users'
// requests it refuses stay refused only as long as no Allow resource in the
// caller's policy covers them. checkOverlaps makes sure none can.

// alternative is one way to pass a rule: its own conditions and, if it has
// anyOf, one of those sets.
type alternative struct {
	binds []bindCond  // both sets' binds; nil: the rule's wildcard resource
	conds []condition // both sets, whose groups, scopes and claims must hold
}

func (r *rule) alternatives() []alternative {
	if r.anyOf == nil {
		return []alternative{{binds: r.own.binds, conds: []condition{r.own}}}
	}
	alts := make([]alternative, len(r.anyOf))
	for k, c := range r.anyOf {
		var binds []bindCond
		if r.own.binds != nil || c.binds != nil {
			binds = append(slices.Clip(r.own.binds), c.binds...)
		}
		alts[k] = alternative{binds: binds, conds: []condition{r.own, c}}
	}
	return alts
}

// checkGreedyBind refuses a bind on a greedy variable. A bound value holds
// no '/', so the bound resource matches only one segment there, and IAM's
// '*' in the segments before it can place the caller's value in the
// greedy tail of another user's path: GET /files/{p}/{owner+} bound to
// alice grants GET/files/*/alice, which matches GET /files/x/bob/alice.
func (r *rule) checkGreedyBind() error {
	for k, c := range append([]condition{r.own}, r.anyOf...) {
		for _, b := range c.binds {
			if r.segs[b.seg].kind != segGreedy {
				continue
			}
			err := fmt.Errorf("%w: bind %q: {%s+} spans segments, a bound value only one", ErrGreedyBind, r.segs[b.seg].text, r.segs[b.seg].text)
			if k > 0 {
				err = fmt.Errorf("anyOf[%d]: %w", k-1, err)
			}
			return err
		}
	}
	return nil
}

// grant is an Allow resource some caller may get: one alternative of a
// rule passed, its resource with '*' for each variable or, passed through
// bind, with the caller's values in the bound segments.
type grant struct {
	rule    int
	methods uint8       // bit k: methods[k]
	toks    []token     // the path's segments
	conds   []condition // what a caller who gets it passed
}

// token is a segment of a grant: a literal, the caller's value of claims
// (a bound segment; several claims bound to it hold one value), or IAM's
// '*' when neither.
type token struct {
	lit    string
	claims []string
}

func (t token) star() bool { return t.lit == "" && t.claims == nil }

// grants returns every grant of the rule set, whose alternatives are alts.
func (rs *Rules) grants(alts [][]alternative) []grant {
	var out []grant
	for j := range rs.rules {
		r := &rs.rules[j]
		for _, alt := range alts[j] {
			toks := make([]token, len(r.segs))
			for s, seg := range r.segs {
				if seg.kind == segLiteral {
					toks[s].lit = seg.text
				}
			}
			for _, b := range alt.binds {
				if !slices.Contains(toks[b.seg].claims, b.claim) {
					toks[b.seg].claims = append(toks[b.seg].claims, b.claim)
				}
			}
			out = append(out, grant{rule: j, methods: methodMask(r.method), toks: toks, conds: alt.conds})
		}
	}
	return out
}

func methodMask(method string) uint8 {
	if method == "ANY" {
		return 1<<len(methods) - 1
	}
	return 1 << slices.Index(methods[:], method)
}

// checkOverlaps refuses a rule set in which a caller's policy can allow a
// request that API Gateway routes to a rule with bind and that the rule
// refuses that caller: another user's resource. Any grant can be the
// culprit: another rule's wildcard (GET /{x}/bob/secret's GET/*/bob/secret
// matches GET /u/bob/secret, routed to GET /u/{user}/{kind}), another
// rule's bound resource, or the rule's own, whose '*'s can shift the
// caller's value to another segment (GET /u/{x}/{owner}/{rest+} bound to
// alice grants GET/u/*/alice/*, which matches GET /u/a/b/alice/c, routed
// there with owner b). IAM's '*' spans segments, and at the end of a
// resource also matches a trailing slash's empty segment, which API
// Gateway routes like the path without it (GET/users/*/notes/* matches GET
// /users/bob/notes/, routed to GET /users/{userId}/notes).
//
// The search is exhaustive at segment granularity; see leak. It is
// conservative where that is cheap: it ignores Deny statements and assumes
// that a caller who holds a grant may fail any condition the grant's
// conditions do not imply.
func (rs *Rules) checkOverlaps() error {
	if !slices.ContainsFunc(rs.rules, func(r rule) bool { return r.hasBind }) {
		return nil
	}
	longest := 0
	alts := make([][]alternative, len(rs.rules))
	for j := range rs.rules {
		longest = max(longest, len(rs.rules[j].segs))
		alts[j] = rs.rules[j].alternatives()
	}
	grants := rs.grants(alts)
	s := &aligner{rs: rs, alts: alts, longest: longest, at: make([]int, 2*longest+1), segs: make([]string, 2*longest+1),
		budget: overlapBudget}
	byFirst := indexByFirst(grants)
	var candidates []int
	for i := range rs.rules {
		r := &rs.rules[i]
		if !r.hasBind {
			continue
		}
		candidates = byFirst.candidates(r, candidates[:0])
		for _, gi := range candidates {
			g := &grants[gi]
			l := s.leak(i, g)
			if s.over {
				return &RuleError{Index: i, Err: fmt.Errorf("%w: %q passes through bind, and whether rules[%d] (%q) can grant another user's request routed to it takes more than the check's %d steps to decide; refused rather than guessed (fewer variables beside greedy routes make it decidable)",
					ErrOverlap, r.route, g.rule, rs.rules[g.rule].route, overlapBudget)}
			}
			if l == nil {
				continue
			}
			who := "it grants " + g.resource(l.method) + " itself"
			if g.rule != i {
				who = fmt.Sprintf("rules[%d] (%q) grants %s", g.rule, rs.rules[g.rule].route, g.resource(l.method))
			}
			return &RuleError{Index: i, Err: fmt.Errorf("%w: %q passes through bind, but %s, which allows %s, a request API Gateway routes to it, to callers it may refuse there",
				ErrOverlap, r.route, who, l)}
		}
	}
	return nil
}

// grantIndex finds the grants that can cover a rule's requests by their
// first segment: a grant whose first token is a literal covers only
// requests whose first segment is that literal, so a rule whose first
// segment is another literal need not be aligned with it (leak would end
// at once). It keeps the check of a large rule set, whose routes mostly
// start apart, from aligning every rule with every grant.
type grantIndex struct {
	all   []int            // every grant, in order
	open  []int            // grants whose first token is not a literal
	byLit map[string][]int // grants by their first literal
}

func indexByFirst(grants []grant) *grantIndex {
	x := &grantIndex{byLit: map[string][]int{}}
	for gi := range grants {
		x.all = append(x.all, gi)
		switch toks := grants[gi].toks; {
		case len(toks) == 0:
			// Covers no request leak considers.
		case toks[0].lit != "":
			x.byLit[toks[0].lit] = append(x.byLit[toks[0].lit], gi)
		default:
			x.open = append(x.open, gi)
		}
	}
	return x
}

// candidates appends to dst, in the grants' order (so that the first leak
// reported is the same as without the index), the grants that may cover
// a request routed to r.
func (x *grantIndex) candidates(r *rule, dst []int) []int {
	if len(r.segs) == 0 || r.segs[0].kind != segLiteral {
		return append(dst, x.all...)
	}
	a, b := x.byLit[r.segs[0].text], x.open
	for len(a) > 0 || len(b) > 0 {
		if len(b) == 0 || len(a) > 0 && a[0] < b[0] {
			dst, a = append(dst, a[0]), a[1:]
		} else {
			dst, b = append(dst, b[0]), b[1:]
		}
	}
	return dst
}

// resource returns g's resource for method after the stage, a caller's
// value of claim c as <c>.
func (g *grant) resource(method string) string {
	var b strings.Builder
	b.WriteString(method)
	for _, t := range g.toks {
		b.WriteByte('/')
		switch {
		case t.lit != "":
			b.WriteString(t.lit)
		case t.claims != nil:
			b.WriteString("<" + strings.Join(t.claims, "=") + ">")
		default:
			b.WriteByte('*')
		}
	}
	if len(g.toks) == 0 {
		b.WriteByte('/')
	}
	return b.String()
}

// leak returns a request routed to rule i that g matches and the rule may
// refuse the caller who holds g, or nil.
//
// A request is a method and non-empty segments, maybe with one trailing
// slash. g matches it when g's tokens, in order, cover its segments: a
// literal or a caller's value exactly one, a '*' one or more (IAM's '*'
// sits between '/'s and spans them), and a '*' at the end also none with
// the trailing slash (GET/a/* matches GET/a/). The search walks every such
// alignment for every request length the rule serves. Each aligned
// segment is pinned by the rule's literal, g's literal or g's caller's
// value; a conflict of literals ends the alignment. The rule refuses the
// caller there unless, in one of its alternatives, the caller meets the
// conditions (as far as g's imply them) and every bound segment lies under
// g's value of the same claim. Such an alignment leaks if API Gateway
// routes a request with it to the rule; pinned segments take their
// literals and the others "@", which no literal holds. That choice only
// removes competing routes (routing compares segments with literals
// alone), so when the request with "@"s is routed elsewhere, every request
// with this alignment is.
//
// A greedy rule serves requests of any length; those longer than the
// longest rule plus g's tokens plus one need not be searched: routing then
// depends on the first segments only, and some '*' spans two segments
// beyond them, from which one can be removed without changing anything.
func (s *aligner) leak(i int, g *grant) *leakRequest {
	r := &s.rs.rules[i]
	mask := methodMask(r.method) & g.methods
	if mask == 0 || len(g.toks) == 0 {
		return nil
	}
	// A caller who got g by meeting a bind-free alternative of the rule
	// passes it on every request.
	for _, a := range s.alts[i] {
		if a.binds == nil && implies(g.conds, a.conds) {
			return nil
		}
	}
	s.i, s.r, s.g, s.mask, s.maxLen = i, r, g, mask, len(r.segs)
	if s.greedy = len(r.segs) > 0 && r.segs[len(r.segs)-1].kind == segGreedy; s.greedy {
		s.maxLen = s.longest + len(g.toks) + 1 // at most len(s.at)
	}
	if !s.walk(0, 0) || s.over {
		return nil
	}
	found := s.found
	return &found
}

// leakRequest is a request leak found, for the error.
type leakRequest struct {
	method   string
	segs     []string // "<sub>" for the caller's value of sub, <any> for a free segment
	trailing bool
}

func (l *leakRequest) String() string {
	s := l.method + " /" + strings.Join(l.segs, "/")
	if l.trailing && len(l.segs) > 0 {
		s += "/"
	}
	return s
}

// aligner searches the alignments of requests routed to rule i with g;
// its buffers serve every rule and grant of a rule set.
type aligner struct {
	rs      *Rules
	alts    [][]alternative // of each rule
	longest int             // segments of the longest rule
	i       int
	r       *rule
	g       *grant
	mask    uint8 // methods both serve
	greedy  bool
	maxLen  int      // the longest request searched
	at      []int    // the token of g on each segment of the request
	segs    []string // the request searched for, "@" where free
	vals    []claimValue
	found   leakRequest
	// steps counts the work done, up to budget; over is set once it is
	// spent.
	steps, budget int
	over          bool
}

type claimValue struct{ claim, value string }

// overlapBudget bounds the work of one rule set's overlap check, in
// alignment steps plus, for each request routed, the rules it is routed
// among. The search is exponential in the variables of long routes beside
// greedy ones (12 of each took seconds); real rule sets need far less (100
// rules, 50 of them bound: 8,000 steps), and a set that needs more, about
// 10 ms of work, is refused rather than left unchecked.
const overlapBudget = 200_000

// walk aligns g's tokens from ti with the request's segments from qi. Once
// the budget is spent it stops, answering true with s.over set.
func (s *aligner) walk(ti, qi int) bool {
	if s.steps++; s.steps > s.budget {
		s.over = true
		return true
	}
	toks := s.g.toks
	if ti == len(toks) {
		return s.leaf(qi, false)
	}
	if t := toks[ti]; !t.star() {
		if qi >= s.maxLen {
			return false
		}
		if lit := s.ruleLit(qi); lit != "" && t.lit != "" && t.lit != lit {
			return false
		}
		s.at[qi] = ti
		return s.walk(ti+1, qi+1)
	}
	if ti == len(toks)-1 {
		// The rest, then with a trailing slash, which may be all it takes.
		for n := qi + 1; n <= s.maxLen; n++ {
			s.at[n-1] = ti
			if s.leaf(n, false) {
				return true
			}
		}
		for n := qi; n <= s.maxLen; n++ {
			if s.leaf(n, true) {
				return true
			}
		}
		return false
	}
	for n := qi + 1; n <= s.maxLen; n++ {
		s.at[n-1] = ti
		if s.walk(ti+1, n) {
			return true
		}
	}
	return false
}

// ruleLit is the rule's literal at segment q of a request, or "".
func (s *aligner) ruleLit(q int) string {
	if q < len(s.r.segs) && s.r.segs[q].kind == segLiteral {
		return s.r.segs[q].text
	}
	return ""
}

// leaf checks the request of n segments aligned so far.
func (s *aligner) leaf(n int, trailing bool) bool {
	if s.steps += len(s.rs.rules); s.steps > s.budget {
		s.over = true
		return true
	}
	r := s.r
	if n == 0 || n < len(r.segs) || !s.greedy && n != len(r.segs) {
		return false
	}
	toks := s.g.toks
	// A caller's value on a literal of the rule is that literal.
	s.vals = s.vals[:0]
	for q := range n {
		t := toks[s.at[q]]
		lit := s.ruleLit(q)
		if t.claims == nil || lit == "" {
			continue
		}
		if !isBindValue(lit) {
			return false
		}
		for _, c := range t.claims {
			if !s.setValue(c, lit) {
				return false
			}
		}
	}
	// Does the caller pass the rule here whatever the values?
	for _, a := range s.alts[s.i] {
		if implies(s.g.conds, a.conds) && !slices.ContainsFunc(a.binds, func(b bindCond) bool {
			return !slices.Contains(toks[s.at[b.seg]].claims, b.claim)
		}) {
			return false
		}
	}
	for q := range n {
		t := toks[s.at[q]]
		switch {
		case s.ruleLit(q) != "":
			s.segs[q] = s.ruleLit(q)
		case t.lit != "":
			s.segs[q] = t.lit
		case t.claims != nil:
			v, ok := s.tokenValue(t)
			if !ok {
				return false
			}
			s.segs[q] = v
		default:
			s.segs[q] = "@"
		}
	}
	for k, m := range methods {
		if s.mask&(1<<k) == 0 || s.rs.route(m, s.segs[:n]) != s.i {
			continue
		}
		s.found = leakRequest{method: m, trailing: trailing}
		for q := range n {
			t := toks[s.at[q]]
			switch {
			case s.segs[q] != "@" && (t.claims == nil || s.ruleLit(q) != ""):
				s.found.segs = append(s.found.segs, s.segs[q])
			case t.claims != nil:
				s.found.segs = append(s.found.segs, "<"+strings.Join(t.claims, "=")+">")
			default:
				s.found.segs = append(s.found.segs, "<any>")
			}
		}
		return true
	}
	return false
}

// setValue records that the caller's claim c is v; false if it is already
// another value.
func (s *aligner) setValue(c, v string) bool {
	for _, cv := range s.vals {
		if cv.claim == c {
			return cv.value == v
		}
	}
	s.vals = append(s.vals, claimValue{c, v})
	return true
}

// tokenValue is the request's segment under a caller's value: a literal
// the claims were found equal to, else "@"; false if two differ.
func (s *aligner) tokenValue(t token) (string, bool) {
	v := ""
	for _, cv := range s.vals {
		if !slices.Contains(t.claims, cv.claim) {
			continue
		}
		if v != "" && v != cv.value {
			return "", false
		}
		v = cv.value
	}
	if v == "" {
		v = "@"
	}
	return v, true
}

// implies reports whether a caller who meets the groups, scopes and claims
// of every set in have meets those of every set in want.
func implies(have, want []condition) bool {
	for _, w := range want {
		if w.groups != nil && !slices.ContainsFunc(have, func(h condition) bool { return subset(h.groups, w.groups) }) {
			return false
		}
		if w.scopes != nil && !slices.ContainsFunc(have, func(h condition) bool { return subset(h.scopes, w.scopes) }) {
			return false
		}
		for _, wc := range w.claims {
			if !slices.ContainsFunc(have, func(h condition) bool {
				return slices.ContainsFunc(h.claims, func(hc claimCond) bool { return hc.name == wc.name && subset(hc.values, wc.values) })
			}) {
				return false
			}
		}
	}
	return true
}

// subset reports whether a is a non-empty subset of b: whoever holds one
// of a holds one of b.
func subset(a, b []string) bool {
	return a != nil && !slices.ContainsFunc(a, func(x string) bool { return !slices.Contains(b, x) })
}

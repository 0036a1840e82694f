package policy

import (
	"slices"
)

// Caller is what Decide needs of a verified token.
type Caller interface {
	// Groups returns the groups the caller is in (cognito:groups).
	Groups() []string
	// Scopes returns the token's scopes (the space-separated scope claim).
	Scopes() []string
	// Claim returns a claim as decoded from JSON: string, float64, bool,
	// []any or map[string]any.
	Claim(name string) (any, bool)
}

// Reason says why a caller was refused a route.
type Reason string

// Reasons of a refusal; the empty Reason goes with an Allow.
const (
	ReasonMissingGroup  Reason = "missing_group"  // in none of the rule's groups
	ReasonMissingScope  Reason = "missing_scope"  // none of the rule's scopes
	ReasonClaimMismatch Reason = "claim_mismatch" // a claim not among the listed values
	ReasonNotOwner      Reason = "not_owner"      // the path holds another caller's value
	ReasonNoRule        Reason = "no_rule"        // no rule covers the route
)

// Decision is the answer to one request.
type Decision struct {
	// Allowed is whether Policy lets the triggering methodArn through, as
	// IAM evaluates it.
	Allowed bool
	// Route is the rule that decided (as written), or empty with
	// ReasonNoRule.
	Route string
	// Reason is empty when Allowed.
	Reason Reason
	// Policy is the same for every route the caller calls on the stage, so
	// API Gateway's cache of it, keyed on the token, answers them all. It
	// is shared with every caller of the same outcomes: read it, never
	// change it.
	Policy Document
}

// The Deny resources, after the stage's prefix, of requests spelled other
// than the rules spell paths: with a percent-encoded byte, or an empty
// segment.
const (
	denyEncoded      = "*%*"
	denyEmptySegment = "*//*"
)

// outcome is how one rule went for one caller.
type outcome struct {
	passed    bool
	reason    Reason   // when not passed
	resources []string // Allow resources when passed, the Deny one when not
	bound     bool     // resources hold the caller's values, not the rule's wildcards
}

// Decide builds the caller's policy from the rules alone and evaluates it
// against the triggering methodArn a. The policy has one Allow statement
// listing the resources of every rule the caller passes and one Deny
// statement listing those of every rule the caller fails; an empty
// statement is left out. Resources are on a's partition, region, account,
// API and stage.
func (rs *Rules) Decide(a MethodARN, c Caller) Decision {
	prefix := a.Resource("", "")
	prefix = prefix[:len(prefix)-1] // ".../<stage>/"
	w := rs.wildFor(prefix)
	outs := make([]outcome, len(rs.rules))
	// Room for each rule's state and a reason, so that the key is built
	// in one allocation.
	key := make([]byte, 0, 16*len(rs.rules))
	for i := range rs.rules {
		outs[i] = rs.rules[i].decide(prefix, w.wild[i], w.denied[i], c)
		key = appendOutcome(key, &outs[i])
	}
	set := w.cache.get(key)
	if set == nil {
		set = w.cache.put(key, newOutcomeSet(w, outs))
	}
	target := a.String()
	d := Decision{Policy: set.policy}
	if len(d.Policy.Statement) == 0 {
		// Unreachable with a parsed rule set (every rule yields a resource),
		// but API Gateway needs a statement: deny the request itself.
		d.Policy = NewDocument(Deny, target)
	}
	ans, ok := set.answerFor(target)
	if !ok {
		ans = rs.answer(a, target, d.Policy, set.outs)
		set.keep(target, ans)
	}
	d.Allowed, d.Route, d.Reason = ans.allowed, ans.route, ans.reason
	return d
}

// answer evaluates policy, the one of the outcome set outs, for the
// request a (whose methodArn is target): allowed or not, by which rule and
// why.
func (rs *Rules) answer(a MethodARN, target string, policy Document, outs []outcome) answer {
	ans := answer{allowed: evaluate(policy, target)}
	matched := rs.match(a)
	deniedBy := -1
	for i, o := range outs {
		if !o.passed && slices.ContainsFunc(o.resources, func(p string) bool { return globMatch(p, target) }) {
			deniedBy = i
			break
		}
	}
	switch {
	case ans.allowed && matched >= 0:
		ans.route = rs.rules[matched].route
	case ans.allowed:
		ans.route = rs.rules[firstAllowing(outs, target)].route
	case matched >= 0 && !outs[matched].passed:
		ans.route, ans.reason = rs.rules[matched].route, outs[matched].reason
	case deniedBy >= 0:
		ans.route, ans.reason = rs.rules[deniedBy].route, outs[deniedBy].reason
	case matched >= 0 && outs[matched].bound:
		// Passed, but only through bind, for another value.
		ans.route, ans.reason = rs.rules[matched].route, ReasonNotOwner
	default:
		// Also a trailing slash after a literal (GET /notes/): API Gateway
		// routes it to GET /notes, but no rule's resource grants it.
		ans.reason = ReasonNoRule
	}
	return ans
}

// match returns the index of the rule API Gateway routes a to, or -1.
func (rs *Rules) match(a MethodARN) int {
	return rs.route(a.Method, splitPath(a.Path))
}

// route returns the index of the rule API Gateway routes a request for
// method and the path's segments to, or -1.
func (rs *Rules) route(method string, segs []string) int {
	best, bestScore := -1, []byte(nil)
	var buf [16]byte
	for i := range rs.rules {
		score, ok := rs.rules[i].matchRoute(method, segs, buf[:0])
		if ok && (best < 0 || string(score) > string(bestScore)) {
			best, bestScore = i, slices.Clone(score)
		}
	}
	return best
}

func firstAllowing(outs []outcome, target string) int {
	for i, o := range outs {
		if o.passed && slices.ContainsFunc(o.resources, func(p string) bool { return globMatch(p, target) }) {
			return i
		}
	}
	return 0
}

// appendNew appends the resources not yet in list (a few, per rule).
func appendNew(list []string, rs ...string) []string {
	for _, r := range rs {
		if !slices.Contains(list, r) {
			list = append(list, r)
		}
	}
	return list
}

// decide evaluates r for c. A condition set without bind, passed, grants
// the rule's wildcard resource; one with bind grants the resource with the
// caller's values in the bound segments.
func (r *rule) decide(prefix string, wild, deny []string, c Caller) outcome {
	ownBinds, reason, ok := check(r.own, c)
	if !ok {
		return outcome{reason: reason, resources: deny}
	}
	if r.anyOf == nil {
		if ownBinds == nil {
			return outcome{passed: true, resources: wild}
		}
		return outcome{passed: true, bound: true, resources: prefixed(prefix, r.resourceSuffixes(lookup(ownBinds)))}
	}
	var granted []string
	first := Reason("")
	for _, alt := range r.anyOf {
		binds, reason, ok := check(alt, c)
		if ok {
			binds, ok = merge(ownBinds, binds)
			reason = ReasonNotOwner
		}
		if !ok {
			if first == "" {
				first = reason
			}
			continue
		}
		if binds == nil {
			return outcome{passed: true, resources: wild}
		}
		granted = appendNew(granted, prefixed(prefix, r.resourceSuffixes(lookup(binds)))...)
	}
	if granted == nil {
		return outcome{reason: first, resources: deny}
	}
	return outcome{passed: true, bound: true, resources: granted}
}

// prefixed returns each suffix after prefix.
func prefixed(prefix string, suffixes []string) []string {
	out := make([]string, len(suffixes))
	for i, s := range suffixes {
		out[i] = prefix + s
	}
	return out
}

// denied returns the resources a failed rule denies: its own, and, where
// its path ends in a literal, the same with a trailing slash, so that
// .../GET/notes/ cannot slip past the Deny of GET /notes through another
// rule's GET/notes/*.
func denied(resources []string, r *rule) []string {
	if len(r.segs) == 0 || r.segs[len(r.segs)-1].kind != segLiteral {
		return resources
	}
	out := make([]string, 0, 2*len(resources))
	for _, res := range resources {
		out = append(out, res, res+"/")
	}
	return out
}

// boundValue is a segment and the caller's value for it.
type boundValue struct {
	seg   int
	value string
}

// check evaluates one condition set: groups, then scopes, claims and bind;
// the first that fails gives the reason. Bind yields the bound values.
func check(cond condition, c Caller) (binds []boundValue, reason Reason, ok bool) {
	if cond.groups != nil && !intersects(cond.groups, c.Groups()) {
		return nil, ReasonMissingGroup, false
	}
	if cond.scopes != nil && !intersects(cond.scopes, c.Scopes()) {
		return nil, ReasonMissingScope, false
	}
	for _, cl := range cond.claims {
		v, _ := c.Claim(cl.name)
		if !claimMatches(v, cl.values) {
			return nil, ReasonClaimMismatch, false
		}
	}
	for _, b := range cond.binds {
		v, _ := c.Claim(b.claim)
		s, isString := v.(string)
		if !isString || !isBindValue(s) {
			return nil, ReasonNotOwner, false
		}
		binds = append(binds, boundValue{b.seg, s})
	}
	return binds, "", true
}

// merge joins two sets of bound values; a segment bound to two different
// values cannot be both.
func merge(a, b []boundValue) ([]boundValue, bool) {
	out := slices.Clone(a)
	for _, bv := range b {
		i := slices.IndexFunc(out, func(x boundValue) bool { return x.seg == bv.seg })
		switch {
		case i < 0:
			out = append(out, bv)
		case out[i].value != bv.value:
			return nil, false
		}
	}
	return out, true
}

func lookup(binds []boundValue) func(int) string {
	return func(seg int) string {
		for _, b := range binds {
			if b.seg == seg {
				return b.value
			}
		}
		return ""
	}
}

func intersects(want, have []string) bool {
	return slices.ContainsFunc(want, func(w string) bool { return slices.Contains(have, w) })
}

// claimMatches: a string claim equals one of values; an array claim has an
// element that does. Other types never match: "true" is not true.
func claimMatches(v any, values []string) bool {
	switch v := v.(type) {
	case string:
		return slices.Contains(values, v)
	case []any:
		return slices.ContainsFunc(v, func(e any) bool {
			s, ok := e.(string)
			return ok && slices.Contains(values, s)
		})
	}
	return false
}

// isBindValue accepts [A-Za-z0-9._@+-]{1,MaxBindValue} but "." and "..":
// nothing IAM reads as a wildcard, no '/', nothing JSON escapes, no path
// traversal.
func isBindValue(s string) bool {
	return s != "." && s != ".." && len(s) >= 1 && len(s) <= MaxBindValue && allBytes(s, func(c byte) bool {
		return isDigit(c) || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' ||
			c == '.' || c == '_' || c == '@' || c == '+' || c == '-'
	})
}

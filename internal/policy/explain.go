package policy

import (
	"encoding/json"
	"slices"
	"unicode/utf8"
)

// Explanation traces Rules.Decide for one caller and request, rule by rule,
// for operators. It holds the rules' routes and conditions, the caller's
// groups and scopes and the values of the claims the rules name, nothing
// else of the token; print it only to whoever may see both.
type Explanation struct {
	// Allowed, Route and Reason are Decide's answer.
	Allowed bool   `json:"allowed"`
	Route   string `json:"route"`
	Reason  Reason `json:"reason,omitempty"`
	// Routed is the route of the rule API Gateway routes the request to,
	// or empty when none does.
	Routed string `json:"routed"`
	// Rules is every rule's trace, in the order of the rules.
	Rules []RuleTrace `json:"rules"`
}

// RuleTrace is how one rule went for the caller. Passed, Bound, Reason and
// Resources are what Decide computes for the rule; Conditions and AnyOf
// evaluate every condition, past the first failure, so that each failure
// is named.
type RuleTrace struct {
	Route  string `json:"route"`  // as written
	Routed bool   `json:"routed"` // the rule API Gateway routes the request to
	Passed bool   `json:"passed"` // the caller passes the rule
	// Bound is whether the rule passed only through bind, for the caller's
	// own values in the bound segments.
	Bound bool `json:"bound"`
	// Reason is the rule's failure as Decide reports it: that of the first
	// failed condition of Conditions, else of the first alternative of
	// AnyOf that fails; empty when passed.
	Reason Reason `json:"reason,omitempty"`
	// Conditions are the rule's own conditions, in the order Decide checks
	// them: groups, scopes, claims by name, bind by variable. Empty when
	// the rule has none.
	Conditions []ConditionTrace `json:"conditions"`
	// AnyOf is nil without anyOf, else each alternative's conditions in
	// the same order. They are traced even when the own conditions fail,
	// though Decide then does not look at them.
	AnyOf [][]ConditionTrace `json:"anyOf,omitempty"`
	// Resources are those the rule puts in the Allow statement of the
	// caller's policy when passed, or in the Deny statement when failed,
	// on the request's stage.
	Resources []string `json:"resources"`
}

// Kinds of ConditionTrace.
const (
	KindGroups = "groups"
	KindScopes = "scopes"
	KindClaim  = "claim"
	KindBind   = "bind"
)

// ConditionTrace is one condition, checked for the caller.
type ConditionTrace struct {
	// Kind is KindGroups, KindScopes, KindClaim or KindBind.
	Kind string `json:"kind"`
	// Name is the claim's name (KindClaim) or the bound path variable's
	// (KindBind); empty for groups and scopes.
	Name string `json:"name,omitempty"`
	// Want is what the rule lists: groups, scopes, the claim's values, or,
	// for bind, the name of the claim whose value the segment must be.
	Want []string `json:"want"`
	// Have is what the caller presents that the condition looks at: its
	// groups, its scopes, or the claim's value (an array's elements).
	// Values Want lists come first. String values are as presented, others
	// are shown as "(number) 42", "(bool) true", "(null)", "(object) {...}"
	// or "(array) [...]", so that they are not taken for strings, which
	// they do not match. At most MaxTraceValues values are kept (Omitted
	// counts the others), each cut to MaxTraceValueLen bytes, ending in
	// "…" where cut. Empty when the caller has none, or lacks the claim.
	Have    []string `json:"have,omitempty"`
	Omitted int      `json:"omitted,omitempty"`
	Passed  bool     `json:"passed"`
	// Reason is the condition's failure, as Decide names it; empty when
	// passed.
	Reason Reason `json:"reason,omitempty"`
	// Detail says why a claim or bind condition failed where Reason alone
	// does not; empty otherwise.
	Detail Detail `json:"detail,omitempty"`
}

// Detail says why a claim or bind condition failed, where its Reason alone
// does not.
type Detail string

// Details of a failed ConditionTrace.
const (
	DetailNoClaim          Detail = "no_claim"            // the caller has no such claim
	DetailNotStringOrArray Detail = "not_string_or_array" // a claim condition's claim is neither
	DetailNotString        Detail = "not_string"          // a bind's claim is not a string
	DetailBadBindValue     Detail = "bad_bind_value"      // not [A-Za-z0-9._@+-]{1,MaxBindValue}, or "." or ".."
	DetailBindConflict     Detail = "bind_conflict"       // the rule's own bind gives the variable another value
)

// Bounds of ConditionTrace.Have.
const (
	MaxTraceValues   = 20
	MaxTraceValueLen = 128
)

// Explain traces Decide(a, c): every rule's outcome for c, and every
// condition of every rule, own and of each anyOf alternative, checked for
// c, with each failure named rather than the first only.
func (rs *Rules) Explain(a MethodARN, c Caller) Explanation {
	d := rs.Decide(a, c)
	ex := Explanation{Allowed: d.Allowed, Route: d.Route, Reason: d.Reason, Rules: make([]RuleTrace, len(rs.rules))}
	matched := rs.match(a)
	if matched >= 0 {
		ex.Routed = rs.rules[matched].route
	}
	prefix := a.Resource("", "")
	prefix = prefix[:len(prefix)-1] // ".../<stage>/", as Decide
	w := rs.wildFor(prefix)
	for i := range rs.rules {
		r := &rs.rules[i]
		o := r.decide(prefix, w.wild[i], w.denied[i], c)
		t := RuleTrace{
			Route:  r.route,
			Routed: i == matched,
			Passed: o.passed,
			Bound:  o.bound,
			Reason: o.reason,
			// wild and denied are shared by every decision: a copy.
			Resources: slices.Clone(o.resources),
		}
		t.Conditions = r.traceCondition(r.own, c, nil)
		if r.anyOf != nil {
			own := ownBindValues(r.own, c)
			t.AnyOf = make([][]ConditionTrace, len(r.anyOf))
			for k, alt := range r.anyOf {
				t.AnyOf[k] = r.traceCondition(alt, c, own)
			}
		}
		ex.Rules[i] = t
	}
	return ex
}

// ownBindValues returns the values the caller gives the own conditions'
// bound segments, for those it gives a usable value: what check binds when
// they pass.
func ownBindValues(cond condition, c Caller) []boundValue {
	var out []boundValue
	for _, b := range cond.binds {
		v, _ := c.Claim(b.claim)
		if s, ok := v.(string); ok && isBindValue(s) {
			out = append(out, boundValue{b.seg, s})
		}
	}
	return out
}

// traceCondition checks each condition of cond for c, in check's order and
// with check's tests; a bind whose value own gives its segment otherwise
// fails, as merge does.
func (r *rule) traceCondition(cond condition, c Caller, own []boundValue) []ConditionTrace {
	out := []ConditionTrace{}
	if cond.groups != nil {
		have := c.Groups()
		t := ConditionTrace{Kind: KindGroups, Want: slices.Clone(cond.groups), Passed: intersects(cond.groups, have)}
		t.Have, t.Omitted = traceStrings(cond.groups, have)
		if !t.Passed {
			t.Reason = ReasonMissingGroup
		}
		out = append(out, t)
	}
	if cond.scopes != nil {
		have := c.Scopes()
		t := ConditionTrace{Kind: KindScopes, Want: slices.Clone(cond.scopes), Passed: intersects(cond.scopes, have)}
		t.Have, t.Omitted = traceStrings(cond.scopes, have)
		if !t.Passed {
			t.Reason = ReasonMissingScope
		}
		out = append(out, t)
	}
	for _, cl := range cond.claims {
		v, present := c.Claim(cl.name)
		t := ConditionTrace{Kind: KindClaim, Name: cl.name, Want: slices.Clone(cl.values), Passed: claimMatches(v, cl.values)}
		t.Have, t.Omitted = traceClaim(cl.values, v, present)
		if !t.Passed {
			t.Reason = ReasonClaimMismatch
			switch v.(type) {
			case string, []any:
			default:
				t.Detail = DetailNotStringOrArray
				if !present {
					t.Detail = DetailNoClaim
				}
			}
		}
		out = append(out, t)
	}
	for _, b := range cond.binds {
		v, present := c.Claim(b.claim)
		t := ConditionTrace{Kind: KindBind, Name: r.segs[b.seg].text, Want: []string{b.claim}}
		t.Have, t.Omitted = traceClaim(nil, v, present)
		s, isString := v.(string)
		switch {
		case !present:
			t.Detail = DetailNoClaim
		case !isString:
			t.Detail = DetailNotString
		case !isBindValue(s):
			t.Detail = DetailBadBindValue
		case slices.ContainsFunc(own, func(x boundValue) bool { return x.seg == b.seg && x.value != s }):
			t.Detail = DetailBindConflict
		default:
			t.Passed = true
		}
		if !t.Passed {
			t.Reason = ReasonNotOwner
		}
		out = append(out, t)
	}
	return out
}

// traceStrings returns have, those in want first, capped for a trace, and
// how many were left out.
func traceStrings(want, have []string) ([]string, int) {
	var first, rest []string
	for _, h := range have {
		if slices.Contains(want, h) {
			first = append(first, h)
		} else {
			rest = append(rest, h)
		}
	}
	return capValues(append(first, rest...))
}

// traceClaim returns a claim's value as trace strings, the elements of an
// array one by one, those among want first, and how many were left out.
func traceClaim(want []string, v any, present bool) ([]string, int) {
	if !present {
		return nil, 0
	}
	elems, isArray := v.([]any)
	if !isArray {
		elems = []any{v}
	}
	var first, rest []string
	for _, e := range elems {
		s, isString := e.(string)
		switch {
		case isString && slices.Contains(want, s):
			first = append(first, s)
		case isString:
			rest = append(rest, s)
		default:
			rest = append(rest, typedValue(e))
		}
	}
	return capValues(append(first, rest...))
}

// typedValue shows a value other than a string with its JSON type.
func typedValue(v any) string {
	switch v.(type) {
	case nil:
		return "(null)"
	case bool:
		return "(bool) " + jsonText(v)
	case float64, json.Number, int, int64:
		return "(number) " + jsonText(v)
	case map[string]any:
		return "(object) " + jsonText(v)
	case []any:
		return "(array) " + jsonText(v)
	}
	return "(value) " + jsonText(v)
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "?"
	}
	return string(b)
}

// capValues keeps at most MaxTraceValues values, each cut to
// MaxTraceValueLen bytes, and returns how many it dropped.
func capValues(vs []string) ([]string, int) {
	omitted := 0
	if len(vs) > MaxTraceValues {
		omitted = len(vs) - MaxTraceValues
		vs = vs[:MaxTraceValues]
	}
	for i, v := range vs {
		vs[i] = cutValue(v)
	}
	return vs, omitted
}

// cutValue cuts v to MaxTraceValueLen bytes, on a character boundary, with
// "…" at the end where cut.
func cutValue(v string) string {
	if len(v) <= MaxTraceValueLen {
		return v
	}
	const mark = "…"
	n := MaxTraceValueLen - len(mark)
	for n > 0 && !utf8.RuneStart(v[n]) {
		n--
	}
	return v[:n] + mark
}

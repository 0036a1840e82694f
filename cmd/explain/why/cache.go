package why

import (
	"fmt"
	"strings"

	"github.com/gatehouse-dev/cognito-authorizer/internal/authorizer"
	"github.com/gatehouse-dev/cognito-authorizer/internal/decide"
	"github.com/gatehouse-dev/cognito-authorizer/internal/policy"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/apigwtest"
)

// Cache is what API Gateway makes of the answer on the token's other
// requests while it caches it: the whole answer, per token, for the
// authorizer's TTL, its policy evaluated for each request.
type Cache struct {
	// Covers is none (no policy: nothing to replay), stage or method (no
	// route rules: POLICY_RESOURCE), or rules (the route rules say).
	Covers string `json:"covers"`
	// Summary says it in a sentence.
	Summary string `json:"summary"`
	// Requests are sample requests and whether the cached policy allows
	// each, evaluated as API Gateway evaluates it (apigwtest.Allows): this
	// request, and with route rules one or more per rule.
	Requests []CachedRequest `json:"requests,omitempty"`
}

// CachedRequest is one request evaluated against the cached policy.
type CachedRequest struct {
	// Request is "METHOD /path".
	Request string `json:"request"`
	// Route is the rule the request is routed to; empty for none.
	Route   string `json:"route,omitempty"`
	Allowed bool   `json:"allowed"`
	// Note says what the sample stands for: this request, the caller's
	// own value of a bound path variable, another caller's.
	Note string `json:"note,omitempty"`
}

// Notes of a CachedRequest.
const (
	noteThis    = "this request"
	noteOwn     = "the caller's own value in the path"
	noteOther   = "another value in the path"
	otherValue  = "someone-else"
	sampleValue = "example"
)

// cacheOf tells what the answer dec to a does on other requests.
func cacheOf(a policy.MethodARN, cfg settings.Authorizer, dec *decide.Decision) Cache {
	if !dec.Answered() {
		return Cache{Covers: "none", Summary: "No policy: there is nothing for API Gateway to replay on other requests " +
			"(it does not document whether it caches a 401 or an error)."}
	}
	doc := authorizer.Document(dec.Policy)
	this := CachedRequest{Request: a.Method + " /" + a.Path, Allowed: apigwtest.Allows(doc, a.String()), Note: noteThis}
	if dec.Trace == nil {
		c := Cache{Covers: cfg.PolicyResource.String(), Requests: []CachedRequest{this}}
		effect := "allows"
		if dec.Outcome == decide.Deny {
			effect = "denies"
		}
		switch {
		case cfg.Rules != nil:
			// Rules are on but the decision came before them (a
			// requirement of the whole stage, a usage key).
			c.Covers = "stage"
			c.Summary = fmt.Sprintf("The policy %s the whole stage: while cached, every request with this token gets this answer.", effect)
		case cfg.PolicyResource == policy.ScopeMethod:
			c.Summary = fmt.Sprintf("The policy %s %s only (POLICY_RESOURCE=method): while cached, every other request with this token gets 403; set the authorizer's cache TTL to 0.", effect, this.Request)
		default:
			c.Summary = fmt.Sprintf("The policy %s the whole stage, every method and path (POLICY_RESOURCE=stage): while cached, every request with this token gets this answer.", effect)
		}
		return c
	}
	c := Cache{Covers: "rules", Summary: "The policy lists each route rule's resources, allowed or denied for this caller: " +
		"while cached, each request with this token is answered by it without invoking the authorizer."}
	if dec.Trace.Routed == "" {
		c.Requests = append(c.Requests, this)
	}
	for _, rt := range dec.Trace.Rules {
		for _, s := range samples(rt, a, dec.Explanation) {
			s.Route = rt.Route
			s.Allowed = apigwtest.Allows(doc, s.arn)
			c.Requests = append(c.Requests, s.CachedRequest)
		}
	}
	return c
}

// sample is a CachedRequest and its methodArn.
type sample struct {
	CachedRequest
	arn string
}

// samples returns requests a rule routes: the request itself for the rule
// that routes it; otherwise the route with each path variable filled
// with the caller's own value where a bind names one (and another
// value beside it), else a placeholder.
func samples(rt policy.RuleTrace, a policy.MethodARN, ex *decide.Explanation) []sample {
	method, path, _ := strings.Cut(rt.Route, " ")
	bound := boundValues(rt, ex)
	var out []sample
	methods := routeMethods(method)
	if rt.Routed {
		this := sample{CachedRequest{Request: a.Method + " /" + a.Path, Note: noteThis}, a.String()}
		if len(bound) == 0 {
			return []sample{this}
		}
		// A bound rule answers the caller's own path and others'
		// differently: this request, then the caller's own.
		out, methods = append(out, this), []string{a.Method}
	}
	for _, m := range methods {
		own, ownBound := fill(path, bound, false)
		note := ""
		if ownBound {
			note = noteOwn
		}
		if rt.Routed && m+" "+own == out[0].Request {
			// This request is the caller's own.
			out[0].Note = noteThis + "; " + noteOwn
		} else {
			out = append(out, sample{CachedRequest{Request: m + " " + own, Note: note}, a.Resource(m, strings.TrimPrefix(own, "/"))})
		}
		if ownBound {
			other, _ := fill(path, bound, true)
			out = append(out, sample{CachedRequest{Request: m + " " + other, Note: noteOther}, a.Resource(m, strings.TrimPrefix(other, "/"))})
		}
	}
	return out
}

// fill returns the route's path with each variable filled: with bound's
// value for it (or otherValue if other), else sampleValue; and whether
// any was bound.
func fill(path string, bound map[string]string, other bool) (string, bool) {
	segs := strings.Split(path, "/")
	used := false
	for i, s := range segs {
		if !strings.HasPrefix(s, "{") || !strings.HasSuffix(s, "}") {
			continue
		}
		name := strings.TrimSuffix(strings.TrimSuffix(strings.TrimPrefix(s, "{"), "}"), "+")
		v, ok := bound[name]
		switch {
		case ok && other:
			v = otherValue
		case !ok:
			v = sampleValue
		}
		used = used || ok
		segs[i] = v
	}
	return strings.Join(segs, "/"), used
}

// boundValues returns the caller's verified value of each path variable
// a bind of the rule names, where it is a string.
func boundValues(rt policy.RuleTrace, ex *decide.Explanation) map[string]string {
	out := map[string]string{}
	if ex == nil || !ex.Verified {
		return out
	}
	conds := append([]policy.ConditionTrace(nil), rt.Conditions...)
	for _, alt := range rt.AnyOf {
		conds = append(conds, alt...)
	}
	for _, c := range conds {
		if c.Kind != policy.KindBind || len(c.Want) == 0 {
			continue
		}
		if v, ok := ex.Claims[c.Want[0]].(string); ok && v != "" && !strings.ContainsAny(v, "/*?") {
			out[c.Name] = v
		}
	}
	return out
}

package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Limits of every policy a rule set can produce, checked by ParseRules with
// the longest prefix a methodArn can give (maxPrefixLen) and the longest
// bound value (MaxBindValue).
const (
	// MaxPolicySize bounds the policy document's JSON, in bytes. API
	// Gateway documents no size for a REST API authorizer's result
	// (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-execution-service-limits-table.html);
	// its only documented figure is 8 KB for WebSocket APIs
	// (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-execution-service-websocket-limits-table.html),
	// and REST APIs are reported to accept far more, up to Lambda's 6 MB
	// response. 64 KiB holds a hundred rules even at the longest prefix and
	// with every literal path's trailing-slash Deny, and keeps what API
	// Gateway caches per token small.
	MaxPolicySize = 64 << 10
	// MaxBindValue bounds a claim value put into a resource by bind, in
	// bytes. Cognito's sub is 36; usernames are at most 128.
	MaxBindValue = 128
)

// maxPrefixLen is the longest "arn:<partition>:execute-api:<region>:
// <account>:<api>/<stage>/" ParseMethodARN accepts.
const maxPrefixLen = len("arn::execute-api:::/") + maxPartition + maxRegion + 12 + maxAPIID + 1 + maxStage + 1

// policyOverhead is the JSON of a policy with an Allow and a Deny statement
// and no resources.
var policyOverhead = func() int {
	b, _ := json.Marshal(Document{Version: Version, Statement: []Statement{
		{Action: []string{Action}, Effect: string(Allow), Resource: []string{}},
		{Action: []string{Action}, Effect: string(Deny), Resource: []string{}},
	}})
	return len(b)
}()

// checkLimits refuses a rule set one of whose policies could exceed IAM's
// resource length or MaxPolicySize. A rule contributes its wildcard
// resource (passed or failed) or, passed through bind, one resource per
// condition set with a bind.
func (rs *Rules) checkLimits() error {
	total := policyOverhead
	for i, r := range rs.rules {
		wild := maxPrefixLen + len(r.suffixes[0]) + 1 // + a trailing slash when denied
		if wild > MaxResourceLen {
			return &RuleError{Index: i, Err: fmt.Errorf("%w: resource of %q can be %d bytes, more than IAM's %d",
				ErrPolicyTooLarge, r.route, wild, MaxResourceLen)}
		}
		bound := 0
		for _, c := range append([]condition{r.own}, r.anyOf...) {
			if c.binds == nil && r.own.binds == nil {
				continue
			}
			n := wild + (MaxBindValue-1)*countBound(r.own, c)
			if n > MaxResourceLen {
				return &RuleError{Index: i, Err: fmt.Errorf("%w: bound resource of %q can be %d bytes, more than IAM's %d",
					ErrPolicyTooLarge, r.route, n, MaxResourceLen)}
			}
			bound += n + 3 // quotes and comma
		}
		// ANY is one resource per method; a denied literal path two.
		denied := wild + 3
		if len(r.segs) > 0 && r.segs[len(r.segs)-1].kind == segLiteral {
			denied *= 2
		}
		total += len(r.suffixes) * max(denied, bound)
	}
	if total > MaxPolicySize {
		return fmt.Errorf("%w: %d rules can produce a policy of %d bytes, more than %d",
			ErrPolicyTooLarge, len(rs.rules), total, MaxPolicySize)
	}
	return nil
}

// countBound counts the distinct segments bound by own and c together.
func countBound(own, c condition) int {
	seen := map[int]bool{}
	for _, b := range append(append([]bindCond(nil), own.binds...), c.binds...) {
		seen[b.seg] = true
	}
	return len(seen)
}

// checkOverlaps refuses a rule with bind whose resources another rule's
// resource covers, for every value or for some: whoever passes the other
// rule would get those users' resources. IAM's '*' matches across '/', so
// GET /users/{id} (GET/users/*) covers GET /users/{userId}/notes, and
// ANY /health (one resource per method, .../health) covers GET
// /users/{name} for the user named health.
//
// Resources are literal segments and whole-segment '*'s, so a bound
// segment can be covered for particular values only by being one of the
// other rule's literal segments: the check tries each, and "@" (no literal
// segment) for the values a '*' covers.
func (rs *Rules) checkOverlaps() error {
	candidates := []string{"@"}
	for _, r := range rs.rules {
		for _, s := range r.segs {
			if s.kind == segLiteral && !slices.Contains(candidates, s.text) {
				candidates = append(candidates, s.text)
			}
		}
	}
	for i, r := range rs.rules {
		if !r.hasBind {
			continue
		}
		for _, v := range candidates {
			for _, sample := range r.resourceSuffixes(func(int) string { return v }) {
				// A request API Gateway routes to another rule (a literal
				// GET /users/me/notes beside GET /users/{userId}/notes)
				// never reaches this one: no one's resources are at stake.
				method, path, _ := strings.Cut(sample, "/")
				if rs.match(MethodARN{Method: method, Path: path}) != i {
					continue
				}
				for j, s := range rs.rules {
					if i == j || !slices.ContainsFunc(s.suffixes, func(p string) bool { return globMatch(p, sample) }) {
						continue
					}
					what := "covers it"
					if v != "@" {
						what = fmt.Sprintf("covers it for the value %q", v)
					}
					return &RuleError{Index: i, Err: fmt.Errorf("%w: %q passes through bind, but the resource of rules[%d] (%q) %s",
						ErrOverlap, r.route, j, s.route, what)}
				}
			}
		}
	}
	return nil
}

// schema is the shape checkJSON expects.
type schema struct {
	fields map[string]*schema // an object's only keys, or nil for any keys
	elem   *schema            // an array's elements
}

var (
	anySchema  = &schema{}
	condSchema = &schema{fields: map[string]*schema{
		"groups": anySchema, "scopes": anySchema, "claims": anySchema, "bind": anySchema,
	}}
	ruleSchema = &schema{fields: map[string]*schema{
		"route": anySchema, "groups": anySchema, "scopes": anySchema, "claims": anySchema, "bind": anySchema,
		"anyOf": {elem: condSchema},
	}}
)

// maxDepth bounds the JSON's nesting; the format needs 4.
const maxDepth = 8

// checkJSON accepts one JSON array of rules and nothing after it, with
// field names exactly as the format spells them (encoding/json would take
// "Route" or "GROUPS" too) and no key twice in one object (encoding/json
// would keep the last).
func checkJSON(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok != json.Delim('[') {
		return errors.New("not a JSON array")
	}
	for i := 0; dec.More(); i++ {
		if err := walk(dec, ruleSchema, 1); err != nil {
			return &RuleError{Index: i, Err: err}
		}
	}
	if _, err := dec.Token(); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("more than one JSON value")
	}
	return nil
}

func walk(dec *json.Decoder, sc *schema, depth int) error {
	if depth > maxDepth {
		return errors.New("nested too deeply")
	}
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('['):
		elem := sc.elem
		if elem == nil {
			elem = anySchema
		}
		for k := 0; dec.More(); k++ {
			if err := walk(dec, elem, depth+1); err != nil {
				return fmt.Errorf("[%d]: %w", k, err)
			}
		}
	case json.Delim('{'):
		seen := map[string]bool{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return err
			}
			k := kt.(string)
			sub := anySchema
			if sc.fields != nil {
				var ok bool
				if sub, ok = sc.fields[k]; !ok {
					return fmt.Errorf("%w: %.64q", ErrUnknownField, k)
				}
			}
			if seen[k] {
				return fmt.Errorf("%w: key %.64q twice in one object", ErrBadRules, k)
			}
			seen[k] = true
			if err := walk(dec, sub, depth+1); err != nil {
				if sub.elem != nil {
					return fmt.Errorf("%s%w", k, err)
				}
				return err
			}
		}
	default:
		return nil
	}
	_, err = dec.Token() // the closing delimiter
	return err
}

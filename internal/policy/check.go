package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
)

// Limits of every policy a rule set can produce, checked by ParseRules with
// the longest prefix a methodArn can give (maxPrefixLen) and the longest
// bound value (MaxBindValue).
const (
	// MaxPolicySize bounds the policy document's JSON, in bytes, as
	// estimated at the longest prefix a methodArn can have (about 300
	// bytes; a real stage's is 60 to 80, so real policies are a third of
	// the estimate or less). API Gateway documents no size for a REST API
	// authorizer's result
	// (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-execution-service-limits-table.html);
	// its only documented figure is 8 KB for WebSocket APIs
	// (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-execution-service-websocket-limits-table.html),
	// and a function's synchronous response may be 6 MB
	// (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html).
	// 128 KiB holds a hundred rules of which a quarter are ANY routes (one
	// resource per method each) even at the longest prefix, with every
	// literal path's trailing-slash Deny, and keeps what API Gateway caches
	// per token to tens of kilobytes. It was 64 KiB, which refused such a
	// set (69,401 bytes).
	MaxPolicySize = 128 << 10
	// MaxBindValue bounds a claim value put into a resource by bind, in
	// bytes. Cognito's sub is 36; usernames are at most 128.
	MaxBindValue = 128
)

// maxPrefixLen is the longest "arn:<partition>:execute-api:<region>:
// <account>:<api>/<stage>/" ParseMethodARN accepts.
const maxPrefixLen = len("arn::execute-api:::/") + maxPartition + maxRegion + 12 + maxAPIID + 1 + maxStage + 1

// policyOverhead is the JSON of a policy with an Allow and a Deny statement
// and no resources.
// It is worked out when first needed (by ParseRules), not at package
// initialisation: a function without route rules never needs it.
var policyOverhead = sync.OnceValue(func() int {
	b, _ := json.Marshal(Document{Version: Version, Statement: []Statement{
		{Action: []string{Action}, Effect: string(Allow), Resource: []string{}},
		{Action: []string{Action}, Effect: string(Deny), Resource: []string{}},
	}})
	return len(b)
})

// checkLimits refuses a rule set one of whose policies could exceed IAM's
// resource length or MaxPolicySize. A rule contributes its wildcard
// resource (passed or failed) or, passed through bind, one resource per
// condition set with a bind.
func (rs *Rules) checkLimits() error {
	// The Deny of re-spelled requests (denyEncoded, denyEmptySegment).
	total := policyOverhead() + 2*(maxPrefixLen+len(denyEmptySegment)+3)
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
// "Route" or "GROUPS" too), no key twice in one object (encoding/json
// would keep the last) and no null (encoding/json would read "groups":
// null as no condition, which admits every caller).
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
	path := make([]pathElem, 0, maxDepth)
	for i := 0; dec.More(); i++ {
		if err := walk(dec, ruleSchema, 1, path); err != nil {
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

// pathElem is a step of walk into a rule: a member of an object (key) or
// an element of an array (index). A path is spelt out only for an error.
type pathElem struct {
	elem  bool
	key   string
	index int
}

// pathString returns path as the format's fields read: anyOf[0].groups,
// claims.custom:tenant, or, for a key that would not read plainly,
// claims."a b"; the rule itself is "".
func pathString(path []pathElem) string {
	var b strings.Builder
	for _, p := range path {
		if p.elem {
			fmt.Fprintf(&b, "[%d]", p.index)
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		plain := p.key != "" && len(p.key) <= 64 && allBytes(p.key, func(c byte) bool {
			return isDigit(c) || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == ':' || c == '.' || c == '_' || c == '-'
		})
		if plain {
			b.WriteString(p.key)
		} else {
			fmt.Fprintf(&b, "%.64q", p.key)
		}
	}
	return b.String()
}

// walk checks the value at path against sc. The path's room for maxDepth
// steps is allocated once.
func walk(dec *json.Decoder, sc *schema, depth int, path []pathElem) error {
	if depth > maxDepth {
		return errors.New("nested too deeply")
	}
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case nil:
		return nullError(pathString(path))
	case json.Delim('['):
		elem := sc.elem
		if elem == nil {
			elem = anySchema
		}
		for k := 0; dec.More(); k++ {
			if err := walk(dec, elem, depth+1, append(path, pathElem{elem: true, index: k})); err != nil {
				return err
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
					return atPath(pathString(path), fmt.Errorf("%w: %.64q", ErrUnknownField, k))
				}
			}
			if seen[k] {
				return atPath(pathString(path), fmt.Errorf("%w: key %.64q twice in one object", ErrBadRules, k))
			}
			seen[k] = true
			if err := walk(dec, sub, depth+1, append(path, pathElem{key: k})); err != nil {
				return err
			}
		}
	default:
		return nil
	}
	_, err = dec.Token() // the closing delimiter
	return err
}

// nullError refuses a null at path: a null condition is not "no
// condition" but a mistake, as an empty list is.
func nullError(path string) error {
	switch path {
	case "":
		return errors.New("the rule is null")
	case "route":
		return fmt.Errorf("%w: route is null", ErrBadPath)
	}
	return fmt.Errorf("%w: %s is null", ErrEmptyCondition, path)
}

func atPath(path string, err error) error {
	if path == "" {
		return err
	}
	return fmt.Errorf("%s: %w", path, err)
}

package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// MaxRulesSize bounds the JSON ParseRules reads, in bytes.
const MaxRulesSize = 256 << 10

// Errors of ParseRules. A *RuleError wraps one of them with the rule's
// index; errors.Is tells the kinds apart.
var (
	ErrBadRules       = errors.New("bad route rules")           // not a JSON array of rules, or too large
	ErrUnknownField   = errors.New("unknown field")             // a key the format does not define
	ErrBadMethod      = errors.New("bad method")                // not GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS or ANY
	ErrBadPath        = errors.New("bad path")                  // not /segment/..., {name} or a last {name+}
	ErrDuplicateRoute = errors.New("duplicate route")           // the same method and path twice
	ErrEmptyCondition = errors.New("empty condition")           // an empty list, map, string or condition set
	ErrUnboundVar     = errors.New("bind to no variable")       // bind names a variable the path lacks
	ErrGreedyBind     = errors.New("bind to a greedy variable") // bind names a {name+}
	ErrOverlap        = errors.New("overlapping rules")         // a resource some caller gets covers a bind rule's request it refuses
	ErrPolicyTooLarge = errors.New("policy would be too large")
)

// RuleError is an error in the rule at Index of the JSON array.
type RuleError struct {
	Index int
	Err   error
}

// Error returns "rules[Index]: ...".
func (e *RuleError) Error() string { return fmt.Sprintf("rules[%d]: %v", e.Index, e.Err) }

// Unwrap returns the error's kind and detail.
func (e *RuleError) Unwrap() error { return e.Err }

// Rules is a parsed, checked rule set. It is safe for concurrent use.
type Rules struct {
	rules []rule
	// wilds caches every rule's wildcard resources, and the outcome sets'
	// policies, per stage prefix: a function serves one API stage, or a
	// few, so they are built once rather than on every decision.
	wildsMu sync.Mutex
	wilds   map[string]*wildResources
}

// maxPrefixes bounds the stage prefixes whose resources and policies are
// kept; a function serving more is served right, with fewer hits.
const maxPrefixes = 8

// wildResources are the rules' wildcard resources under prefix, and the
// same with a trailing slash for a failed rule's Deny (denied); each
// distinct resource has an id, an index into strs.
type wildResources struct {
	prefix             string
	wild, denied       [][]string
	wildIDs, deniedIDs [][]int
	strs               []string
	// cache holds the policies of the outcome sets seen under prefix.
	cache outcomeCache
}

// add appends to list the resources of ids not yet in it; seen marks, with
// bit, the ids already added.
func (w *wildResources) add(list []string, seen []uint8, ids []int, bit uint8) []string {
	for _, id := range ids {
		if seen[id]&bit == 0 {
			seen[id] |= bit
			list = append(list, w.strs[id])
		}
	}
	return list
}

// wildFor returns the rules' wildcard resources under prefix.
func (rs *Rules) wildFor(prefix string) *wildResources {
	rs.wildsMu.Lock()
	defer rs.wildsMu.Unlock()
	if w := rs.wilds[prefix]; w != nil {
		return w
	}
	n := len(rs.rules)
	w := &wildResources{prefix: prefix, wild: make([][]string, n), denied: make([][]string, n),
		wildIDs: make([][]int, n), deniedIDs: make([][]int, n)}
	index := map[string]int{}
	ids := func(resources []string) []int {
		out := make([]int, len(resources))
		for i, r := range resources {
			id, ok := index[r]
			if !ok {
				id = len(w.strs)
				index[r] = id
				w.strs = append(w.strs, r)
			}
			out[i] = id
		}
		return out
	}
	for i := range rs.rules {
		w.wild[i] = prefixed(prefix, rs.rules[i].suffixes)
		w.denied[i] = denied(w.wild[i], &rs.rules[i])
		w.wildIDs[i], w.deniedIDs[i] = ids(w.wild[i]), ids(w.denied[i])
	}
	if rs.wilds == nil {
		rs.wilds = make(map[string]*wildResources)
	}
	for k := range rs.wilds { // an arbitrary one: Go's map order
		if len(rs.wilds) < maxPrefixes {
			break
		}
		delete(rs.wilds, k)
	}
	rs.wilds[prefix] = w
	return w
}

// Route syntax.
type segKind uint8

const (
	segLiteral segKind = iota
	segVar             // {name}: one segment
	segGreedy          // {name+}: one or more segments, last only
)

type segment struct {
	kind segKind
	text string // the literal, or the variable's name
}

// rule is one checked rule.
type rule struct {
	route  string // as written, for decisions and logs
	method string // GET, ..., or ANY
	segs   []segment
	own    condition
	anyOf  []condition
	// suffix is the rule's resource after <stage>/: <METHOD or *>/<path>
	// with every variable as '*'.
	suffixes []string
	hasBind  bool
}

// condition is one set of conditions; all must hold.
type condition struct {
	groups []string
	scopes []string
	claims []claimCond // sorted by name
	binds  []bindCond  // sorted by segment
}

type claimCond struct {
	name   string
	values []string
}

type bindCond struct {
	seg   int    // index into rule.segs
	claim string // the claim whose value the segment must be
}

func (c condition) empty() bool {
	return c.groups == nil && c.scopes == nil && c.claims == nil && c.binds == nil
}

// The JSON format, decoded strictly.
type conditionJSON struct {
	Groups []string            `json:"groups"`
	Scopes []string            `json:"scopes"`
	Claims map[string][]string `json:"claims"`
	Bind   map[string]string   `json:"bind"`
}

type ruleJSON struct {
	Route string `json:"route"`
	conditionJSON
	AnyOf []conditionJSON `json:"anyOf"`
}

// ParseRules reads a rule set in the ROUTE_RULES format (a JSON array of
// rules; see the package documentation) and checks it entirely: format,
// routes, conditions, overlaps and the size of every policy it can produce.
// Errors wrap a *RuleError naming the rule's index where one rule is at
// fault; the caller adds the name of the variable or file.
func ParseRules(data []byte) (*Rules, error) {
	return parseRules(data, true)
}

// parseRules is ParseRules; without safety it lets through a bind on a
// greedy variable and overlapping rules, so that a test can show the leaks
// those checks stop.
func parseRules(data []byte, safety bool) (*Rules, error) {
	if len(data) > MaxRulesSize {
		return nil, fmt.Errorf("%w: %d bytes, more than %d", ErrBadRules, len(data), MaxRulesSize)
	}
	if err := checkJSON(data); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadRules, err)
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(data, &raws); err != nil {
		return nil, fmt.Errorf("%w: not a JSON array: %w", ErrBadRules, err)
	}
	if len(raws) == 0 {
		return nil, fmt.Errorf("%w: no rules", ErrBadRules)
	}
	rs := &Rules{rules: make([]rule, 0, len(raws))}
	seen := make(map[string]int, len(raws))
	for i, raw := range raws {
		r, err := parseRule(raw)
		if err != nil {
			return nil, &RuleError{Index: i, Err: err}
		}
		key := r.method + " " + r.shape()
		if j, dup := seen[key]; dup {
			return nil, &RuleError{Index: i, Err: fmt.Errorf("%w: %q is rules[%d] again", ErrDuplicateRoute, r.route, j)}
		}
		seen[key] = i
		if safety {
			if err := r.checkGreedyBind(); err != nil {
				return nil, &RuleError{Index: i, Err: err}
			}
		}
		rs.rules = append(rs.rules, r)
	}
	if safety {
		if err := rs.checkOverlaps(); err != nil {
			return nil, err
		}
	}
	if err := rs.checkLimits(); err != nil {
		return nil, err
	}
	return rs, nil
}

// Len returns the number of rules.
func (rs *Rules) Len() int { return len(rs.rules) }

// Routes returns the rules' routes in order, as written.
func (rs *Rules) Routes() []string {
	out := make([]string, len(rs.rules))
	for i, r := range rs.rules {
		out[i] = r.route
	}
	return out
}

func parseRule(raw json.RawMessage) (rule, error) {
	var j ruleJSON
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		if strings.HasPrefix(err.Error(), "json: unknown field") {
			return rule{}, fmt.Errorf("%w: %s", ErrUnknownField, strings.TrimPrefix(err.Error(), "json: unknown field "))
		}
		return rule{}, fmt.Errorf("%w: %w", ErrBadRules, err)
	}
	if j.Route == "" {
		return rule{}, fmt.Errorf("%w: no route", ErrBadPath)
	}
	r := rule{route: j.Route}
	method, path, ok := strings.Cut(j.Route, " ")
	if !ok || (!isMethod(method) && method != "ANY") {
		return rule{}, fmt.Errorf("%w: route %q is not \"METHOD /path\" with METHOD one of %s or ANY",
			ErrBadMethod, j.Route, strings.Join(methods[:], ", "))
	}
	r.method = method
	segs, err := parsePath(path)
	if err != nil {
		return rule{}, fmt.Errorf("route %q: %w", j.Route, err)
	}
	r.segs = segs
	if r.own, err = r.condition(j.conditionJSON); err != nil {
		return rule{}, err
	}
	if j.AnyOf != nil && len(j.AnyOf) == 0 {
		return rule{}, fmt.Errorf("%w: anyOf is an empty list", ErrEmptyCondition)
	}
	for k, cj := range j.AnyOf {
		c, err := r.condition(cj)
		if err != nil {
			return rule{}, fmt.Errorf("anyOf[%d]: %w", k, err)
		}
		if c.empty() {
			return rule{}, fmt.Errorf("anyOf[%d]: %w: no condition (drop anyOf to admit every caller)", k, ErrEmptyCondition)
		}
		r.anyOf = append(r.anyOf, c)
	}
	r.hasBind = r.own.binds != nil || slices.ContainsFunc(r.anyOf, func(c condition) bool { return c.binds != nil })
	r.suffixes = r.resourceSuffixes(nil)
	return r, nil
}

// parsePath reads "/seg/{var}/{rest+}". Literal segments use API Gateway's
// path part characters, [A-Za-z0-9._-], so no literal holds an IAM
// wildcard.
func parsePath(p string) ([]segment, error) {
	if !strings.HasPrefix(p, "/") {
		return nil, fmt.Errorf("%w: does not start with /", ErrBadPath)
	}
	if p == "/" {
		return nil, nil
	}
	parts := strings.Split(p[1:], "/")
	segs := make([]segment, 0, len(parts))
	names := map[string]bool{}
	for i, s := range parts {
		var seg segment
		switch {
		case s == "":
			return nil, fmt.Errorf("%w: empty segment", ErrBadPath)
		case strings.HasPrefix(s, "{") && strings.HasSuffix(s, "+}"):
			if i != len(parts)-1 {
				return nil, fmt.Errorf("%w: %s is not the last segment", ErrBadPath, s)
			}
			seg = segment{segGreedy, s[1 : len(s)-2]}
		case strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}"):
			seg = segment{segVar, s[1 : len(s)-1]}
		default:
			if !isPathPart(s) {
				return nil, fmt.Errorf("%w: segment %q has characters other than A-Z a-z 0-9 . _ -", ErrBadPath, s)
			}
			segs = append(segs, segment{segLiteral, s})
			continue
		}
		if !isPathPart(seg.text) {
			return nil, fmt.Errorf("%w: variable %q is not named with A-Z a-z 0-9 . _ -", ErrBadPath, s)
		}
		if names[seg.text] {
			return nil, fmt.Errorf("%w: variable %q twice", ErrBadPath, seg.text)
		}
		names[seg.text] = true
		segs = append(segs, seg)
	}
	return segs, nil
}

func isPathPart(s string) bool {
	return s != "" && allBytes(s, func(c byte) bool {
		return isDigit(c) || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '.' || c == '_' || c == '-'
	})
}

// shape is the path with variables unnamed: two routes with the same
// method and shape are the same API Gateway method.
func (r *rule) shape() string {
	var b strings.Builder
	for _, s := range r.segs {
		b.WriteByte('/')
		switch s.kind {
		case segLiteral:
			b.WriteString(s.text)
		case segVar:
			b.WriteString("{}")
		case segGreedy:
			b.WriteString("{+}")
		}
	}
	return b.String()
}

package policy

import (
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/apigwtest"
)

// The overlap check is proved here against an independent model: rule sets
// built and read by the test itself, an API Gateway router written from
// API Gateway's routing rules, each rule's own verdict evaluated on the
// request's path, and the test kit's IAM evaluator on Decide's policy. A
// leak is a request the policy allows while the rule it is routed to
// refuses the caller.

// The search's size and seed: go test ./internal/policy -run
// TestOverlapProperty -overlap.sets=100000 -overlap.seed=7 searches longer.
var (
	overlapSets = flag.Int("overlap.sets", 600, "number of random rule sets TestOverlapProperty searches")
	overlapSeed = flag.Uint64("overlap.seed", 1, "seed of TestOverlapProperty's rule sets")
)

// tRule is a rule as the test builds it.
type tRule struct {
	method string // GET or ANY
	segs   []tSeg
	own    tCond
	anyOf  []tCond
}

// tSeg is a literal (lit) or a variable (name; greedy: {name+}).
type tSeg struct {
	lit, name string
	greedy    bool
}

type tCond struct {
	groups, scopes []string
	tier           []string          // the claim tier is one of these
	binds          map[string]string // variable to claim
}

func (c tCond) json() map[string]any {
	m := map[string]any{}
	if c.groups != nil {
		m["groups"] = c.groups
	}
	if c.scopes != nil {
		m["scopes"] = c.scopes
	}
	if c.tier != nil {
		m["claims"] = map[string][]string{"tier": c.tier}
	}
	if c.binds != nil {
		m["bind"] = c.binds
	}
	return m
}

func (r tRule) route() string {
	var b strings.Builder
	b.WriteString(r.method + " ")
	if len(r.segs) == 0 {
		b.WriteString("/")
	}
	for _, s := range r.segs {
		b.WriteByte('/')
		switch {
		case s.lit != "":
			b.WriteString(s.lit)
		case s.greedy:
			b.WriteString("{" + s.name + "+}")
		default:
			b.WriteString("{" + s.name + "}")
		}
	}
	return b.String()
}

func rulesJSON(rules []tRule) string {
	var out []map[string]any
	for _, r := range rules {
		m := r.own.json()
		m["route"] = r.route()
		if r.anyOf != nil {
			var alts []map[string]any
			for _, c := range r.anyOf {
				alts = append(alts, c.json())
			}
			m["anyOf"] = alts
		}
		out = append(out, m)
	}
	b, err := json.Marshal(out)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// testRoute returns the rule API Gateway routes method and path (no
// leading slash) to, or -1, and the path's segments: one trailing slash
// dropped, every segment non-empty, a literal before {name} before
// {name+} segment by segment, then a method before ANY.
func testRoute(rules []tRule, method, path string) (int, []string) {
	path = strings.TrimSuffix(path, "/")
	var segs []string
	if path != "" {
		segs = strings.Split(path, "/")
	}
	if slices.Contains(segs, "") {
		return -1, nil
	}
	best := -1
	for i, r := range rules {
		if (r.method == method || r.method == "ANY") && serves(r, segs) && (best < 0 || moreSpecific(r, rules[best])) {
			best = i
		}
	}
	return best, segs
}

func serves(r tRule, segs []string) bool {
	for k, s := range r.segs {
		switch {
		case k >= len(segs):
			return false
		case s.greedy:
			return true
		case s.lit != "" && s.lit != segs[k]:
			return false
		}
	}
	return len(segs) == len(r.segs)
}

// moreSpecific compares two rules that serve the same request.
func moreSpecific(a, b tRule) bool {
	rank := func(r tRule, k int) int {
		switch s := r.segs[k]; {
		case s.lit != "":
			return 2
		case !s.greedy:
			return 1
		}
		return 0
	}
	for k := 0; k < len(a.segs) && k < len(b.segs); k++ {
		ra, rb := rank(a, k), rank(b, k)
		if ra != rb {
			return ra > rb
		}
		if ra == 0 {
			break
		}
	}
	return a.method != "ANY" && b.method == "ANY"
}

// tCaller is a caller as the test knows it.
type tCaller struct {
	groups, scopes []string
	claims         map[string]string
}

func (c tCaller) caller() caller {
	claims := map[string]any{}
	for k, v := range c.claims {
		claims[k] = v
	}
	return caller{groups: c.groups, scopes: c.scopes, claims: claims}
}

// admits is r's own verdict for c on a request of segs r serves: its
// conditions, with each bound variable's value read from the path.
func admits(r tRule, segs []string, c tCaller) bool {
	values := map[string]string{}
	for k, s := range r.segs {
		switch {
		case s.greedy:
			values[s.name] = strings.Join(segs[k:], "/")
		case s.lit == "":
			values[s.name] = segs[k]
		}
	}
	holds := func(cond tCond) bool {
		if cond.groups != nil && !slices.ContainsFunc(cond.groups, func(g string) bool { return slices.Contains(c.groups, g) }) {
			return false
		}
		if cond.scopes != nil && !slices.ContainsFunc(cond.scopes, func(g string) bool { return slices.Contains(c.scopes, g) }) {
			return false
		}
		if tier, ok := c.claims["tier"]; cond.tier != nil && (!ok || !slices.Contains(cond.tier, tier)) {
			return false
		}
		for v, claim := range cond.binds {
			if got, ok := c.claims[claim]; !ok || got != values[v] {
				return false
			}
		}
		return true
	}
	return holds(r.own) && (r.anyOf == nil || slices.ContainsFunc(r.anyOf, holds))
}

// leakCase is a request a caller's policy allows and its rule refuses.
type leakCase struct {
	rules  []tRule
	caller tCaller
	method string
	path   string
}

func (l *leakCase) String() string {
	return fmt.Sprintf("rules %s\ncaller groups %q, scopes %q, claims %v\nrequest %s /%s (routed to %q) is allowed",
		rulesJSON(l.rules), l.caller.groups, l.caller.scopes, l.caller.claims, l.method, l.path, l.route())
}

func (l *leakCase) route() string {
	i, _ := testRoute(l.rules, l.method, l.path)
	return l.rules[i].route()
}

// parser is ParseRules, or the unchecked parse the teeth test uses.
type parser func([]byte) (*Rules, error)

// iam answers, with the test kit's evaluator, whether a policy allows a
// request. Matching every resource of a policy for every request doubles
// the test's time under -race, so it asks apigwtest.Allows about one
// resource at a time and remembers the answer (the tiny alphabet makes
// resources recur across rule sets), then combines them as IAM does: a
// matching Deny wins, else a matching Allow allows. A resource whose text
// before its first wildcard is not the request's beginning, or after its
// last wildcard not its end, cannot match and is not asked. Every
// checkEvery-th answer, and every Allow, is checked against Allows on the
// whole policy.
type iam struct {
	tb      testing.TB
	matches map[[2]string]bool // resource, methodArn
	calls   int
}

const checkEvery = 1000

func newIAM(tb testing.TB) *iam { return &iam{tb: tb, matches: map[[2]string]bool{}} }

func (e *iam) allows(doc events.APIGatewayCustomAuthorizerPolicy, arn string) bool {
	e.tb.Helper()
	allowed := false
	for _, st := range doc.Statement {
		if !slices.ContainsFunc(st.Resource, func(p string) bool { return e.match(p, arn) }) {
			continue
		}
		if st.Effect == string(Deny) {
			allowed = false
			break
		}
		allowed = true
	}
	if e.calls++; e.calls%checkEvery == 0 || allowed {
		if whole := apigwtest.Allows(doc, arn); whole != allowed {
			e.tb.Fatalf("resource by resource, %s is allowed: %v; apigwtest.Allows on the whole policy: %v", arn, allowed, whole)
		}
	}
	return allowed
}

// match reports whether resource matches arn, as apigwtest.Allows finds.
func (e *iam) match(resource, arn string) bool {
	head, tail := resource, resource
	if i := strings.IndexAny(resource, "*?"); i >= 0 {
		head, tail = resource[:i], resource[strings.LastIndexAny(resource, "*?")+1:]
	} else if resource != arn {
		return false
	}
	if !strings.HasPrefix(arn, head) || !strings.HasSuffix(arn, tail) {
		return false
	}
	k := [2]string{resource, arn}
	m, ok := e.matches[k]
	if !ok {
		m = apigwtest.Allows(events.APIGatewayCustomAuthorizerPolicy{Version: Version, Statement: []events.IAMPolicyStatement{
			{Action: []string{Action}, Effect: string(Allow), Resource: []string{resource}},
		}}, arn)
		e.matches[k] = m
	}
	return m
}

// findLeak parses rules and searches every caller and request of the
// set's alphabet for a leak: callers in any one or two of the set's
// groups, with or without its scope and tier, with sub and nick from the
// alphabet or fresh; requests of GET and POST over paths
// of up to four segments, with and without a trailing slash. accepted is
// whether parse accepted the set.
func findLeak(tb testing.TB, e *iam, parse parser, rules []tRule) (leak *leakCase, accepted bool) {
	tb.Helper()
	rs, err := parse([]byte(rulesJSON(rules)))
	if err != nil {
		return nil, false
	}
	alphabet := []string{"a", "b", "c"}
	var groups []string
	var scopes, tiers bool
	for _, r := range rules {
		for _, s := range r.segs {
			if s.lit != "" && !slices.Contains(alphabet, s.lit) {
				alphabet = append(alphabet, s.lit)
			}
		}
		for _, c := range append([]tCond{r.own}, r.anyOf...) {
			for _, g := range c.groups {
				if !slices.Contains(groups, g) {
					groups = append(groups, g)
				}
			}
			scopes = scopes || c.scopes != nil
			tiers = tiers || c.tier != nil
		}
	}
	// The requests that reach a rule, and the rule.
	type request struct {
		method, path string
		rule         int
		segs         []string
	}
	var requests []request
	paths := []string{""}
	for _, p := range sequences(alphabet, 4) {
		paths = append(paths, p, p+"/")
	}
	for _, method := range []string{"GET", "POST"} {
		for _, path := range paths {
			if i, segs := testRoute(rules, method, path); i >= 0 {
				requests = append(requests, request{method, path, i, segs})
			}
		}
	}
	for _, c := range callers(groups, scopes, tiers, alphabet[:3]) {
		d := rs.Decide(mustARN(tb, "GET", ""), c.caller())
		doc := iamDocument(tb, d.Policy)
		for _, q := range requests {
			if !admits(rules[q.rule], q.segs, c) && e.allows(doc, testPrefix+q.method+"/"+q.path) {
				return &leakCase{rules: rules, caller: c, method: q.method, path: q.path}, true
			}
		}
	}
	return nil, true
}

// sequences returns the paths of 1 to n segments over alphabet, shortest
// first.
func sequences(alphabet []string, n int) []string {
	var out, level []string
	level = []string{""}
	for range n {
		var next []string
		for _, p := range level {
			for _, a := range alphabet {
				if p == "" {
					next = append(next, a)
				} else {
					next = append(next, p+"/"+a)
				}
			}
		}
		out = append(out, next...)
		level = next
	}
	return out
}

// callers returns a caller in each subset of groups (at most two at once),
// with the scope s1 or none if scopes, the tier t1, t2 or none if tiers,
// for each sub among values and nick among the first two.
func callers(groups []string, scopes, tiers bool, values []string) []tCaller {
	groupSets := [][]string{nil}
	for i, g := range groups {
		groupSets = append(groupSets, []string{g})
		for _, h := range groups[i+1:] {
			groupSets = append(groupSets, []string{g, h})
		}
	}
	scopeSets := [][]string{nil}
	if scopes {
		scopeSets = append(scopeSets, []string{"s1"})
	}
	tierValues := []string{""}
	if tiers {
		tierValues = append(tierValues, "t1", "t2")
	}
	var out []tCaller
	for _, gs := range groupSets {
		for _, ss := range scopeSets {
			for _, tier := range tierValues {
				for _, sub := range values {
					for _, nick := range values[:2] {
						claims := map[string]string{"sub": sub, "nick": nick}
						if tier != "" {
							claims["tier"] = tier
						}
						out = append(out, tCaller{groups: gs, scopes: ss, claims: claims})
					}
				}
			}
		}
	}
	return out
}

// minimize drops rules from a leaking set while it still parses and leaks.
func minimize(tb testing.TB, e *iam, parse parser, l *leakCase) *leakCase {
	tb.Helper()
	for i := 0; i < len(l.rules) && len(l.rules) > 1; {
		fewer := slices.Delete(slices.Clone(l.rules), i, i+1)
		if m, _ := findLeak(tb, e, parse, fewer); m != nil {
			l = m
			continue
		}
		i++
	}
	return l
}

// genRules returns 2 to 4 rules over the literals a and b, with distinct
// routes.
func genRules(rng *rand.Rand) []tRule {
	n := 2 + rng.IntN(3)
	var rules []tRule
	seen := map[string]bool{}
	for len(rules) < n {
		r := genRule(rng)
		shape := r.method + " " + strings.NewReplacer("{v0}", "{}", "{v1}", "{}", "{v2}", "{}").Replace(r.route())
		if !seen[shape] {
			seen[shape] = true
			rules = append(rules, r)
		}
	}
	return rules
}

func genRule(rng *rand.Rand) tRule {
	r := tRule{method: "GET"}
	if rng.IntN(4) == 0 {
		r.method = "ANY"
	}
	var vars, greedy []string
	for k := range 1 + rng.IntN(3) {
		name := fmt.Sprintf("v%d", k)
		switch x := rng.IntN(10); {
		case x < 4:
			r.segs = append(r.segs, tSeg{lit: []string{"a", "b"}[rng.IntN(2)]})
		case x < 8:
			r.segs = append(r.segs, tSeg{name: name})
			vars = append(vars, name)
		default:
			r.segs = append(r.segs, tSeg{name: name, greedy: true})
			greedy = append(greedy, name)
		}
		if len(greedy) > 0 {
			break
		}
	}
	pick := func() string { return vars[rng.IntN(len(vars))] }
	if len(greedy) > 0 && rng.IntN(20) == 0 {
		// Now and then a bind on a greedy variable, which must be refused.
		vars = append(vars, greedy...)
	}
	if len(vars) == 0 {
		if rng.IntN(2) == 0 {
			r.own.groups = []string{"g1"}
		}
		return r
	}
	bind := func(claim string) tCond { return tCond{binds: map[string]string{pick(): claim}} }
	other := func() tCond {
		switch rng.IntN(4) {
		case 0:
			return tCond{scopes: []string{"s1"}}
		case 1:
			return tCond{tier: [][]string{{"t1"}, {"t1", "t2"}}[rng.IntN(2)]}
		}
		return tCond{groups: []string{"g1"}}
	}
	switch rng.IntN(11) {
	case 0, 1:
	case 2:
		r.own = other()
	case 3:
		r.own = bind("sub")
	case 4:
		r.anyOf = []tCond{bind("sub"), {groups: []string{"g1"}}}
	case 5:
		r.own = bind("sub")
		r.own.groups = []string{"g2"}
	case 6:
		r.anyOf = []tCond{bind("sub"), bind("nick")}
	case 7:
		r.anyOf = []tCond{{groups: []string{"g1"}}, {groups: []string{"g2"}}}
	case 8:
		r.own = bind("nick")
		r.anyOf = []tCond{bind("sub"), {groups: []string{"g1", "g2"}}}
	case 9:
		r.anyOf = []tCond{bind("sub"), other()}
	case 10:
		r.own = other()
		r.anyOf = []tCond{bind("sub"), other()}
	}
	return r
}

// TestOverlapProperty searches random small rule sets for a leak: no
// rule set ParseRules accepts may give a caller a request that the rule
// API Gateway routes it to refuses. Seeded, so a failure reproduces.
func TestOverlapProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(*overlapSeed, 2))
	e := newIAM(t)
	accepted, withBind := 0, 0
	for range *overlapSets {
		rules := genRules(rng)
		leak, ok := findLeak(t, e, ParseRules, rules)
		if leak != nil {
			t.Fatalf("ParseRules accepts a leak (seed %d):\n%v", *overlapSeed, minimize(t, e, ParseRules, leak))
		}
		if ok {
			accepted++
			if strings.Contains(rulesJSON(rules), `"bind"`) {
				withBind++
			}
		}
	}
	t.Logf("%d rule sets, %d accepted, %d of them with bind", *overlapSets, accepted, withBind)
	// A generator whose sets are all refused would prove nothing.
	if accepted < *overlapSets/3 || withBind < *overlapSets/10 {
		t.Errorf("only %d of %d rule sets accepted, %d with bind: the generator makes too few to test", accepted, *overlapSets, withBind)
	}
}

// TestOverlapPropertyTeeth shows that the search finds leaks when the
// checks are bypassed: those of the examples, which ParseRules
// refuses, and those of many random sets.
func TestOverlapPropertyTeeth(t *testing.T) {
	lit := func(s string) tSeg { return tSeg{lit: s} }
	v := func(s string) tSeg { return tSeg{name: s} }
	greedy := func(s string) tSeg { return tSeg{name: s, greedy: true} }
	bindSub := func(name string) tCond { return tCond{binds: map[string]string{name: "sub"}} }
	tests := []struct {
		name  string
		rules []tRule
	}{
		{"greedy value spans segments", []tRule{
			{method: "GET", segs: []tSeg{lit("files"), v("owner"), greedy("path")}, own: bindSub("owner")},
			{method: "GET", segs: []tSeg{lit("files"), v("owner"), lit("avatar")}},
		}},
		{"values in different variables", []tRule{
			{method: "GET", segs: []tSeg{lit("u"), v("user"), v("kind")}, own: bindSub("user")},
			{method: "GET", segs: []tSeg{v("x"), lit("bob"), lit("secret")}},
		}},
		{"trailing slash", []tRule{
			{method: "GET", segs: []tSeg{lit("users"), v("userId"), lit("notes")}, own: bindSub("userId")},
			{method: "GET", segs: []tSeg{lit("users"), v("userId"), lit("notes"), v("noteId")}, own: tCond{groups: []string{"support"}}},
		}},
		{"bind on a greedy variable", []tRule{
			{method: "GET", segs: []tSeg{lit("files"), v("p"), greedy("owner")}, own: bindSub("owner")},
		}},
		{"own resource shifted", []tRule{
			{method: "GET", segs: []tSeg{lit("u"), v("x"), v("owner"), greedy("rest")}, own: bindSub("owner")},
		}},
	}
	unchecked := func(data []byte) (*Rules, error) { return parseRules(data, false) }
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			leak, ok := findLeak(t, newIAM(t), unchecked, tt.rules)
			if !ok {
				t.Fatalf("parseRules(%s, unchecked) refused it", rulesJSON(tt.rules))
			}
			if leak == nil {
				t.Fatalf("findLeak(%s) = no leak, want one", rulesJSON(tt.rules))
			}
			t.Logf("found: %v", leak)
			if _, err := ParseRules([]byte(rulesJSON(tt.rules))); err == nil {
				t.Errorf("ParseRules(%s) = nil error, want it refused", rulesJSON(tt.rules))
			}
		})
	}
	t.Run("random sets", func(t *testing.T) {
		rng := rand.New(rand.NewPCG(1, 2))
		e := newIAM(t)
		const sets = 40
		leaks := 0
		for range sets {
			if leak, _ := findLeak(t, e, unchecked, genRules(rng)); leak != nil {
				leaks++
			}
		}
		if leaks < sets/5 {
			t.Errorf("findLeak found %d leaks in %d unchecked random rule sets, want at least %d", leaks, sets, sets/5)
		}
	})
}

// TestOverlapPropertyRouter checks the test's router against API
// Gateway's documented precedence, so that the property rests on a router
// that is right rather than on the package's.
func TestOverlapPropertyRouter(t *testing.T) {
	lit := func(s string) tSeg { return tSeg{lit: s} }
	v := func(s string) tSeg { return tSeg{name: s} }
	greedy := func(s string) tSeg { return tSeg{name: s, greedy: true} }
	rules := []tRule{
		{method: "ANY", segs: []tSeg{greedy("p")}},
		{method: "GET", segs: []tSeg{lit("a"), v("x")}},
		{method: "GET", segs: []tSeg{lit("a"), lit("b")}},
		{method: "ANY", segs: []tSeg{lit("a"), lit("b")}},
		{method: "GET", segs: []tSeg{v("x"), lit("c"), lit("d")}},
		{method: "GET", segs: []tSeg{lit("a"), greedy("p")}},
		{method: "GET"},
	}
	for _, tt := range []struct {
		method, path string
		want         int
	}{
		{"GET", "a/b", 2}, {"POST", "a/b", 3}, {"GET", "a/z", 1}, {"GET", "a/c/d", 5}, {"GET", "z/c/d", 4},
		{"GET", "z", 0}, {"GET", "", 6}, {"POST", "", -1}, {"GET", "a/b/", 2}, {"GET", "a//b", -1},
	} {
		if got, _ := testRoute(rules, tt.method, tt.path); got != tt.want {
			t.Errorf("testRoute(%s /%s) = %d, want %d", tt.method, tt.path, got, tt.want)
		}
	}
}

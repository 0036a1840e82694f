package policy

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// traceSummary renders a rule's trace compactly: its outcome, then each
// condition as kind[:name]=ok or =reason[/detail], own first, then each
// alternative.
func traceSummary(t RuleTrace) string {
	var b strings.Builder
	switch {
	case t.Bound:
		b.WriteString("bound")
	case t.Passed:
		b.WriteString("passed")
	default:
		b.WriteString("failed " + string(t.Reason))
	}
	conds := func(label string, cs []ConditionTrace) {
		b.WriteString(" | " + label + ":")
		for _, c := range cs {
			b.WriteString(" " + c.Kind)
			if c.Name != "" {
				b.WriteString(":" + c.Name)
			}
			if c.Passed {
				b.WriteString("=ok")
				continue
			}
			b.WriteString("=" + string(c.Reason))
			if c.Detail != "" {
				b.WriteString("/" + string(c.Detail))
			}
		}
	}
	conds("own", t.Conditions)
	for k, alt := range t.AnyOf {
		conds(fmt.Sprintf("alt%d", k), alt)
	}
	return b.String()
}

func TestExplainTable(t *testing.T) {
	const tenantRule = `[{"route": "GET /t/{tenant}/u/{user}", "bind": {"tenant": "custom:tenant"},
		"anyOf": [{"bind": {"user": "sub"}}, {"groups": ["auditors"]}, {"scopes": ["audit"]},
		          {"claims": {"tier": ["gold"]}}, {"bind": {"tenant": "home", "user": "username"}}]}]`
	tests := []struct {
		name         string
		rules        string
		c            caller
		method, path string
		routed       string
		want         []string // traceSummary of each rule
	}{
		{"fixture, user", string(readFixture(t)), user, "GET", "users/u-1/notes", "GET /users/{userId}/notes", []string{
			"failed missing_group | own: groups=missing_group",
			"passed | own:",
			"bound | own: | alt0: bind:userId=ok | alt1: groups=missing_group",
			"failed missing_group | own: groups=missing_group claim:custom:tenant=claim_mismatch/no_claim",
			"failed missing_scope | own: scopes=missing_scope",
		}},
		{"fixture, admin of another tenant", string(readFixture(t)), other, "DELETE", "admin/x/y", "ANY /admin/{proxy+}", []string{
			"failed missing_group | own: groups=missing_group",
			"passed | own:",
			// The first alternative that passes without bind grants the
			// wildcard, though bind passes too.
			"passed | own: | alt0: bind:userId=ok | alt1: groups=ok",
			"failed claim_mismatch | own: groups=ok claim:custom:tenant=claim_mismatch",
			"failed missing_scope | own: scopes=missing_scope",
		}},
		{"fixture, numeric sub", string(readFixture(t)), number, "GET", "unlisted", "", []string{
			"passed | own: groups=ok",
			"passed | own:",
			"failed not_owner | own: | alt0: bind:userId=not_owner/not_string | alt1: groups=missing_group",
			"failed missing_group | own: groups=missing_group claim:custom:tenant=claim_mismatch/no_claim",
			"failed missing_scope | own: scopes=missing_scope",
		}},
		{"every own condition fails, each named",
			`[{"route": "GET /r", "groups": ["g"], "scopes": ["s"], "claims": {"b": ["2"], "a": ["1"]}}]`,
			caller{claims: map[string]any{"a": true, "b": "3"}}, "GET", "r", "GET /r", []string{
				"failed missing_group | own: groups=missing_group scopes=missing_scope " +
					"claim:a=claim_mismatch/not_string_or_array claim:b=claim_mismatch",
			}},
		{"alternatives fail for different reasons", tenantRule,
			caller{scopes: []string{"openid"}, claims: map[string]any{
				"custom:tenant": "acme", "sub": "a/b", "tier": []any{"silver"}, "home": "globex", "username": "bob",
			}}, "GET", "t/acme/u/bob", "GET /t/{tenant}/u/{user}", []string{
				"failed not_owner | own: bind:tenant=ok | alt0: bind:user=not_owner/bad_bind_value | alt1: groups=missing_group" +
					" | alt2: scopes=missing_scope | alt3: claim:tier=claim_mismatch" +
					" | alt4: bind:tenant=not_owner/bind_conflict bind:user=ok",
			}},
		{"own bind fails: alternatives traced all the same", tenantRule,
			caller{groups: []string{"auditors"}, claims: map[string]any{"sub": "s1"}}, "GET", "t/acme/u/s1", "GET /t/{tenant}/u/{user}", []string{
				"failed not_owner | own: bind:tenant=not_owner/no_claim | alt0: bind:user=ok | alt1: groups=ok" +
					" | alt2: scopes=missing_scope | alt3: claim:tier=claim_mismatch/no_claim" +
					" | alt4: bind:tenant=not_owner/no_claim bind:user=not_owner/no_claim",
			}},
		{"an alternative passes past earlier failures", tenantRule,
			caller{claims: map[string]any{"custom:tenant": "acme", "sub": ".", "tier": []any{1.0, "gold"}}}, "GET", "t/acme/u/s1", "GET /t/{tenant}/u/{user}", []string{
				"bound | own: bind:tenant=ok | alt0: bind:user=not_owner/bad_bind_value | alt1: groups=missing_group" +
					" | alt2: scopes=missing_scope | alt3: claim:tier=ok | alt4: bind:tenant=not_owner/no_claim bind:user=not_owner/no_claim",
			}},
		{"alternative's bind conflicts with the own bind",
			`[{"route": "GET /u/{user}/notes", "bind": {"user": "sub"}, "anyOf": [{"bind": {"user": "username"}}, {"groups": ["admins"]}]}]`,
			caller{claims: map[string]any{"sub": "s1", "username": "bob"}}, "GET", "u/s1/notes", "GET /u/{user}/notes", []string{
				"failed not_owner | own: bind:user=ok | alt0: bind:user=not_owner/bind_conflict | alt1: groups=missing_group",
			}},
		{"alternative's bind agrees with the own bind",
			`[{"route": "GET /u/{user}/notes", "bind": {"user": "sub"}, "anyOf": [{"bind": {"user": "username"}}, {"groups": ["admins"]}]}]`,
			caller{claims: map[string]any{"sub": "s1", "username": "s1"}}, "GET", "u/s1/notes", "GET /u/{user}/notes", []string{
				"bound | own: bind:user=ok | alt0: bind:user=ok | alt1: groups=missing_group",
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs, err := ParseRules([]byte(tt.rules))
			if err != nil {
				t.Fatal(err)
			}
			a := mustARN(t, tt.method, tt.path)
			ex := rs.Explain(a, tt.c)
			if ex.Routed != tt.routed {
				t.Errorf("Routed = %q, want %q", ex.Routed, tt.routed)
			}
			var got []string
			for i, r := range ex.Rules {
				got = append(got, traceSummary(r))
				if r.Route != rs.rules[i].route || r.Routed != (r.Route == tt.routed) {
					t.Errorf("rules[%d] = %q routed %v", i, r.Route, r.Routed)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("traces:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			checkExplanation(t, rs, a, tt.c, ex)
		})
	}
}

// TestExplainValues checks what a trace shows of the rule and the caller.
func TestExplainValues(t *testing.T) {
	rs, err := ParseRules([]byte(`[
		{"route": "GET /t/{tenant}/u/{user}", "bind": {"tenant": "custom:tenant"}, "scopes": ["b", "z"],
		 "anyOf": [{"bind": {"user": "sub"}}, {"claims": {"tier": ["gold", "silver"]}}]}
	]`))
	if err != nil {
		t.Fatal(err)
	}
	c := caller{scopes: []string{"a", "z"}, claims: map[string]any{
		"custom:tenant": "acme", "sub": 7.0,
		"tier":   []any{"bronze", true, nil, map[string]any{"k": "v"}, []any{"gold"}, "silver"},
		"secret": "never shown",
	}}
	ex := rs.Explain(mustARN(t, "GET", "t/acme/u/s1"), c)
	want := RuleTrace{
		Route: "GET /t/{tenant}/u/{user}", Routed: true, Passed: true, Bound: true,
		Conditions: []ConditionTrace{
			{Kind: KindScopes, Want: []string{"b", "z"}, Have: []string{"z", "a"}, Passed: true},
			{Kind: KindBind, Name: "tenant", Want: []string{"custom:tenant"}, Have: []string{"acme"}, Passed: true},
		},
		AnyOf: [][]ConditionTrace{
			{{Kind: KindBind, Name: "user", Want: []string{"sub"}, Have: []string{"(number) 7"}, Reason: ReasonNotOwner, Detail: DetailNotString}},
			{{Kind: KindClaim, Name: "tier", Want: []string{"gold", "silver"}, Passed: true,
				Have: []string{"silver", "bronze", "(bool) true", "(null)", `(object) {"k":"v"}`, `(array) ["gold"]`}}},
		},
		Resources: []string{testPrefix + "GET/t/acme/u/*"},
	}
	if len(ex.Rules) != 1 || !reflect.DeepEqual(ex.Rules[0], want) {
		t.Errorf("Explain() = %+v\nwant %+v", ex.Rules, want)
	}
	b, err := json.Marshal(ex)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "never shown") {
		t.Errorf("explanation shows a claim no rule names: %s", b)
	}
	wantJSON := `{"allowed":true,"route":"GET /t/{tenant}/u/{user}","routed":"GET /t/{tenant}/u/{user}","rules":[` +
		`{"route":"GET /t/{tenant}/u/{user}","routed":true,"passed":true,"bound":true,"conditions":[` +
		`{"kind":"scopes","want":["b","z"],"have":["z","a"],"passed":true},` +
		`{"kind":"bind","name":"tenant","want":["custom:tenant"],"have":["acme"],"passed":true}],` +
		`"anyOf":[[{"kind":"bind","name":"user","want":["sub"],"have":["(number) 7"],"passed":false,"reason":"not_owner","detail":"not_string"}],` +
		`[{"kind":"claim","name":"tier","want":["gold","silver"],"have":["silver","bronze","(bool) true","(null)","(object) {\"k\":\"v\"}","(array) [\"gold\"]"],"passed":true}]],` +
		`"resources":["` + testPrefix + `GET/t/acme/u/*"]}]}`
	if string(b) != wantJSON {
		t.Errorf("JSON:\n%s\nwant\n%s", b, wantJSON)
	}

	// A rule without conditions has an empty list of them, not null.
	rs, _ = ParseRules([]byte(`[{"route": "GET /"}]`))
	b, _ = json.Marshal(rs.Explain(mustARN(t, "GET", ""), caller{}).Rules[0])
	if want := `{"route":"GET /","routed":true,"passed":true,"bound":false,"conditions":[],"resources":["` + testPrefix + `GET/"]}`; string(b) != want {
		t.Errorf("JSON %s, want %s", b, want)
	}
}

// TestExplainCaps: many and long values are capped, those the rule lists
// first.
func TestExplainCaps(t *testing.T) {
	rs, err := ParseRules([]byte(`[{"route": "GET /a", "groups": ["g29", "g30"], "claims": {"email": ["x"]}}]`))
	if err != nil {
		t.Fatal(err)
	}
	var groups []string
	for i := range 30 {
		groups = append(groups, fmt.Sprintf("g%d", i))
	}
	kept := slices.Clone(groups)
	// "…" takes 3 bytes: the cut falls inside the first "é".
	long := strings.Repeat("a", MaxTraceValueLen-4) + "ééé"
	ex := rs.Explain(mustARN(t, "GET", "a"), caller{groups: groups, claims: map[string]any{"email": long}})
	g := ex.Rules[0].Conditions[0]
	if !g.Passed || len(g.Have) != MaxTraceValues || g.Have[0] != "g29" || g.Have[1] != "g0" || g.Omitted != 30-MaxTraceValues {
		t.Errorf("groups trace %+v", g)
	}
	if !slices.Equal(groups, kept) {
		t.Errorf("Explain changed the caller's groups: %q", groups)
	}
	e := ex.Rules[0].Conditions[1]
	if len(e.Have) != 1 || e.Have[0] != strings.Repeat("a", MaxTraceValueLen-4)+"…" || e.Passed {
		t.Errorf("claim trace %+v", e)
	}
}

// checkExplanation checks ex against Decide and against itself: the
// verdict, the route, each rule's resources in the policy's statements,
// and each rule's outcome and reason against its conditions.
func checkExplanation(tb testing.TB, rs *Rules, a MethodARN, c Caller, ex Explanation) {
	tb.Helper()
	d := rs.Decide(a, c)
	if ex.Allowed != d.Allowed || ex.Route != d.Route || ex.Reason != d.Reason {
		tb.Fatalf("Explain verdict %v %q %q, Decide's %v %q %q", ex.Allowed, ex.Route, ex.Reason, d.Allowed, d.Route, d.Reason)
	}
	if len(ex.Rules) != rs.Len() {
		tb.Fatalf("%d traces for %d rules", len(ex.Rules), rs.Len())
	}
	routed := -1
	for i, r := range ex.Rules {
		if r.Routed {
			if routed >= 0 {
				tb.Fatalf("rules %d and %d both routed", routed, i)
			}
			routed = i
			if ex.Routed != r.Route {
				tb.Fatalf("Routed %q, but rule %q is marked routed", ex.Routed, r.Route)
			}
		}
	}
	if routed < 0 && ex.Routed != "" {
		tb.Fatalf("Routed %q, but no rule is marked routed", ex.Routed)
	}
	if d.Allowed && routed >= 0 && d.Route != ex.Routed {
		tb.Fatalf("Decide allowed through %q, Explain routes to %q", d.Route, ex.Routed)
	}
	if routed >= 0 && !d.Allowed && !ex.Rules[routed].Passed && (d.Route != ex.Routed || d.Reason != ex.Rules[routed].Reason) {
		tb.Fatalf("Decide refused by %q %q, the routed rule's trace is %q %q", d.Route, d.Reason, ex.Routed, ex.Rules[routed].Reason)
	}

	// The policy is the traces' resources: passed rules' in Allow, failed
	// rules' in Deny.
	var allow, deny []string
	for _, st := range d.Policy.Statement {
		switch st.Effect {
		case string(Allow):
			allow = append(allow, st.Resource...)
		case string(Deny):
			deny = append(deny, st.Resource...)
		}
	}
	var wantAllow, wantDeny []string
	for _, r := range ex.Rules {
		if len(r.Resources) == 0 {
			tb.Fatalf("rule %q has no resource", r.Route)
		}
		if r.Passed {
			wantAllow = append(wantAllow, r.Resources...)
		} else {
			wantDeny = append(wantDeny, r.Resources...)
		}
	}
	if wantDeny != nil {
		stage := a.Resource("", "")
		stage = stage[:len(stage)-1]
		wantDeny = append(wantDeny, stage+denyEncoded, stage+denyEmptySegment)
	}
	if !sameSet(allow, wantAllow) || !sameSet(deny, wantDeny) {
		tb.Fatalf("policy Allow %q Deny %q; the traces' %q and %q", allow, deny, wantAllow, wantDeny)
	}

	for _, r := range ex.Rules {
		holds := func(cs []ConditionTrace) bool {
			return !slices.ContainsFunc(cs, func(c ConditionTrace) bool { return !c.Passed })
		}
		var firstFailed Reason
		for _, cs := range append([][]ConditionTrace{r.Conditions}, r.AnyOf...) {
			for _, c := range cs {
				if c.Passed != (c.Reason == "") {
					tb.Fatalf("rule %q: condition %+v", r.Route, c)
				}
				if firstFailed == "" {
					firstFailed = c.Reason
				}
			}
		}
		passes := holds(r.Conditions) && (r.AnyOf == nil || slices.ContainsFunc(r.AnyOf, holds))
		if r.Passed != passes {
			tb.Fatalf("rule %q passed %v, its conditions say %v: %s", r.Route, r.Passed, passes, traceSummary(r))
		}
		if !r.Passed && r.Reason != firstFailed {
			tb.Fatalf("rule %q reason %q, its first failed condition's %q: %s", r.Route, r.Reason, firstFailed, traceSummary(r))
		}
		if r.Passed && r.Reason != "" {
			tb.Fatalf("rule %q passed with reason %q", r.Route, r.Reason)
		}
		// Bound: passed, and through bind in every way it passes.
		hasBind := func(cs []ConditionTrace) bool {
			return slices.ContainsFunc(cs, func(c ConditionTrace) bool { return c.Kind == KindBind })
		}
		bound := r.Passed && (hasBind(r.Conditions) || r.AnyOf != nil &&
			!slices.ContainsFunc(r.AnyOf, func(cs []ConditionTrace) bool { return holds(cs) && !hasBind(cs) }))
		if r.Bound != bound {
			tb.Fatalf("rule %q bound %v, its conditions say %v: %s", r.Route, r.Bound, bound, traceSummary(r))
		}
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}

// modelTrace is what the test expects of an alternative's (or the own)
// conditions for c, from its own reading of the conditions: kind[:name]=ok
// or =reason, in the order groups, scopes, the claim tier, binds by
// variable. own binds a variable to a claim whose value, if the caller has
// it, an alternative's bind of that variable must equal.
func modelTrace(cond tCond, own map[string]string, c tCaller) string {
	var parts []string
	add := func(label string, ok bool, reason Reason) {
		if ok {
			parts = append(parts, label+"=ok")
		} else {
			parts = append(parts, label+"="+string(reason))
		}
	}
	anyIn := func(want, have []string) bool {
		return slices.ContainsFunc(want, func(w string) bool { return slices.Contains(have, w) })
	}
	if cond.groups != nil {
		add("groups", anyIn(cond.groups, c.groups), ReasonMissingGroup)
	}
	if cond.scopes != nil {
		add("scopes", anyIn(cond.scopes, c.scopes), ReasonMissingScope)
	}
	if cond.tier != nil {
		tier, ok := c.claims["tier"]
		add("claim:tier", ok && slices.Contains(cond.tier, tier), ReasonClaimMismatch)
	}
	vars := make([]string, 0, len(cond.binds))
	for v := range cond.binds {
		vars = append(vars, v)
	}
	slices.Sort(vars)
	for _, v := range vars {
		value, ok := c.claims[cond.binds[v]]
		if ownValue, bound := c.claims[own[v]]; ok && own[v] != "" && bound && ownValue != value {
			ok = false
		}
		add("bind:"+v, ok, ReasonNotOwner)
	}
	return strings.Join(parts, " ")
}

func conditionSummary(cs []ConditionTrace) string {
	var parts []string
	for _, c := range cs {
		label := c.Kind
		if c.Name != "" {
			label += ":" + c.Name
		}
		if c.Passed {
			parts = append(parts, label+"=ok")
		} else {
			parts = append(parts, label+"="+string(c.Reason))
		}
	}
	return strings.Join(parts, " ")
}

// TestExplainProperty explains many random rule sets (the overlap
// property's generator) for many callers and requests, and checks each
// explanation against Decide (checkExplanation), against the test's own
// router, and each condition's trace against the test's own reading of
// it.
func TestExplainProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(*overlapSeed, 3))
	const sets = 250
	odd := []caller{
		{claims: map[string]any{"sub": 7.0, "nick": "a/b", "tier": []any{"t2", "t1"}}},
		{groups: []string{"g2", "g1"}, claims: map[string]any{"sub": "..", "nick": []any{"a"}, "tier": 1.0}},
		{scopes: []string{"s1"}, claims: map[string]any{"sub": "a", "nick": "a", "tier": []any{true, "t1"}}},
		{},
	}
	explained, failedAlts := 0, 0
	for range sets {
		rules := genRules(rng)
		rs, err := ParseRules([]byte(rulesJSON(rules)))
		if err != nil {
			continue
		}
		var groups []string
		var scopes, tiers bool
		for _, r := range rules {
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
		all := callers(groups, scopes, tiers, []string{"a", "b", "c"})
		rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
		all = all[:min(len(all), 16)]
		type request struct{ method, path string }
		var requests []request
		for _, r := range rules {
			method, path := sampleRequest(r.route())
			requests = append(requests, request{method, path})
		}
		paths := sequences([]string{"a", "b", "v"}, 3)
		for range 3 {
			p := paths[rng.IntN(len(paths))]
			if rng.IntN(3) == 0 {
				p += "/"
			}
			requests = append(requests, request{[]string{"GET", "POST"}[rng.IntN(2)], p})
		}
		for _, q := range requests {
			a := mustARN(t, q.method, q.path)
			wantRouted := ""
			if i, _ := testRoute(rules, q.method, q.path); i >= 0 {
				wantRouted = rules[i].route()
			}
			for _, c := range all {
				ex := rs.Explain(a, c.caller())
				explained++
				checkExplanation(t, rs, a, c.caller(), ex)
				if ex.Routed != wantRouted {
					t.Fatalf("%s: Explain(%s /%s).Routed = %q, the test's router %q", rulesJSON(rules), q.method, q.path, ex.Routed, wantRouted)
				}
				for i, r := range rules {
					tr := ex.Rules[i]
					if got, want := conditionSummary(tr.Conditions), modelTrace(r.own, nil, c); got != want {
						t.Fatalf("%s, caller %+v: rule %q own conditions %q, want %q", rulesJSON(rules), c, tr.Route, got, want)
					}
					if (tr.AnyOf == nil) != (r.anyOf == nil) || len(tr.AnyOf) != len(r.anyOf) {
						t.Fatalf("rule %q: %d alternatives traced, want %d", tr.Route, len(tr.AnyOf), len(r.anyOf))
					}
					for k, alt := range r.anyOf {
						if got, want := conditionSummary(tr.AnyOf[k]), modelTrace(alt, r.own.binds, c); got != want {
							t.Fatalf("%s, caller %+v: rule %q anyOf[%d] %q, want %q", rulesJSON(rules), c, tr.Route, k, got, want)
						}
						if slices.ContainsFunc(tr.AnyOf[k], func(c ConditionTrace) bool { return !c.Passed }) {
							failedAlts++
						}
					}
				}
			}
			for _, c := range odd {
				checkExplanation(t, rs, a, c, rs.Explain(a, c))
				explained++
			}
		}
	}
	t.Logf("%d explanations, %d failed alternatives", explained, failedAlts)
	if explained < sets*20 || failedAlts < sets {
		t.Errorf("only %d explanations, %d failed alternatives: the generator makes too few to test", explained, failedAlts)
	}
}

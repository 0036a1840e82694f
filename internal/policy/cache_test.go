package policy

import (
	"math/rand/v2"
	"reflect"
	"testing"
)

// TestDecideCacheProperty decides generated rule sets for generated callers
// and requests, in random order and on two stages, with one Rules whose
// outcome-set cache fills as it goes, and checks every decision against the
// same rule set parsed anew (an empty cache): the same answer, route,
// reason and policy.
func TestDecideCacheProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(*overlapSeed, 7))
	prefixes := []string{testPrefix, "arn:aws:execute-api:us-east-1:210987654321:zyxwvu9876/dev/"}
	decisions := 0
	for range 150 {
		rules := genRules(rng)
		data := []byte(rulesJSON(rules))
		cached, err := ParseRules(data)
		if err != nil {
			continue
		}
		var groups []string
		var scopes, tiers bool
		for _, r := range rules {
			for _, c := range append([]tCond{r.own}, r.anyOf...) {
				groups = append(groups, c.groups...)
				scopes = scopes || c.scopes != nil
				tiers = tiers || c.tier != nil
			}
		}
		all := callers(groups[:min(len(groups), 3)], scopes, tiers, []string{"a", "b"})
		var paths []string
		for _, r := range rules {
			method, path := sampleRequest(r.route())
			paths = append(paths, method+" "+path)
		}
		paths = append(paths, "GET a/b", "POST v/", "GET a")
		for range 200 {
			c := all[rng.IntN(len(all))].caller()
			method, path, _ := cutRoute(paths[rng.IntN(len(paths))])
			a, err := ParseMethodARN(prefixes[rng.IntN(len(prefixes))] + method + "/" + path)
			if err != nil {
				t.Fatal(err)
			}
			fresh, err := ParseRules(data)
			if err != nil {
				t.Fatal(err)
			}
			got, want := cached.Decide(a, c), fresh.Decide(a, c)
			decisions++
			if got.Allowed != want.Allowed || got.Route != want.Route || got.Reason != want.Reason || !reflect.DeepEqual(got.Policy, want.Policy) {
				t.Fatalf("%s, caller %+v, %s: cached %+v, fresh %+v", data, c, a, got, want)
			}
		}
	}
	// Callers whose rules fail for different reasons have different
	// outcome sets: the reason is part of the key.
	rs, err := ParseRules([]byte(`[{"route": "GET /x", "groups": ["g1"], "scopes": ["s1"]}, {"route": "GET /y"}]`))
	if err != nil {
		t.Fatal(err)
	}
	a := mustARN(t, "GET", "x")
	for _, tt := range []struct {
		c    caller
		want Reason
	}{
		{caller{scopes: []string{"s1"}}, ReasonMissingGroup},
		{caller{groups: []string{"g1"}}, ReasonMissingScope},
		{caller{scopes: []string{"s1"}}, ReasonMissingGroup},
	} {
		if got := rs.Decide(a, tt.c); got.Reason != tt.want {
			t.Errorf("caller %+v: reason %q, want %q", tt.c, got.Reason, tt.want)
		}
	}
	if decisions < 10000 {
		t.Errorf("%d decisions compared, want 10000 or more", decisions)
	}
}

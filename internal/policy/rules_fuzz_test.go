package policy

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func FuzzRules(f *testing.F) {
	f.Add(string(readFixture(f)))
	for _, s := range []string{
		`[{"route": "GET /"}]`,
		`[{"route": "GET /a/{x}", "bind": {"x": "sub"}}, {"route": "GET /{p+}"}]`,
		`[{"route": "GET /t/{a}/{b}", "bind": {"a": "t"}, "anyOf": [{"bind": {"b": "sub"}}, {"groups": ["g"]}]}]`,
		`[{"route": "GET /a", "route": "GET /b"}]`,
		`[{"route": "ANY /a", "claims": {"x": ["1", "2"]}, "scopes": ["s"]}]`,
	} {
		f.Add(s)
	}
	callers := []Caller{user, writer, admin, other, reader, wild, number}
	f.Fuzz(func(t *testing.T, s string) {
		rs, err := ParseRules([]byte(s))
		if err != nil {
			var re *RuleError
			if !errors.Is(err, ErrBadRules) && !errors.As(err, &re) && !errors.Is(err, ErrPolicyTooLarge) {
				t.Fatalf("ParseRules(%q) error %v has no kind", s, err)
			}
			return
		}
		for _, c := range callers {
			var first []byte
			for _, rt := range rs.Routes() {
				method, path := sampleRequest(rt)
				a, err := ParseMethodARN(testPrefix + method + "/" + path)
				if err != nil {
					t.Fatalf("sample of %q: %v", rt, err)
				}
				d := rs.Decide(a, c)
				if d.Allowed != iamAllows(t, d.Policy, a.String()) {
					t.Fatalf("Decide(%s) Allowed = %v disagrees with IAM", a, d.Allowed)
				}
				if d.Allowed == (d.Reason != "") {
					t.Fatalf("Decide(%s) = Allowed %v with reason %q", a, d.Allowed, d.Reason)
				}
				b, _ := json.Marshal(d.Policy)
				if len(b) > MaxPolicySize {
					t.Fatalf("policy of %d bytes", len(b))
				}
				for _, st := range d.Policy.Statement {
					for _, r := range st.Resource {
						if len(r) > MaxResourceLen {
							t.Fatalf("resource of %d bytes", len(r))
						}
					}
				}
				if first == nil {
					first = b
				} else if string(b) != string(first) {
					t.Fatalf("policy depends on the route:\n%s\n%s", b, first)
				}
			}
		}
	})
}

// sampleRequest returns a request a route serves: each variable as "v".
func sampleRequest(route string) (method, path string) {
	method, p, _ := cutRoute(route)
	if method == "ANY" {
		method = "GET"
	}
	segs, _ := parsePath(p)
	var out []byte
	for i, s := range segs {
		if i > 0 {
			out = append(out, '/')
		}
		if s.kind == segLiteral {
			out = append(out, s.text...)
		} else {
			out = append(out, 'v')
		}
	}
	return method, string(out)
}

func cutRoute(route string) (method, path string, ok bool) {
	for i := 0; i < len(route); i++ {
		if route[i] == ' ' {
			return route[:i], route[i+1:], true
		}
	}
	return route, "", false
}

// BenchmarkDecide decides for a caller in one group against 100 rules.
func BenchmarkDecide(b *testing.B) {
	rs, err := ParseRules([]byte(manyRules(100)))
	if err != nil {
		b.Fatal(err)
	}
	a := mustARN(b, "GET", "r42/x/items")
	c := caller{groups: []string{"g2"}, claims: map[string]any{"sub": "u-1"}}
	b.ReportAllocs()
	for b.Loop() {
		_ = rs.Decide(a, c)
	}
}

// BenchmarkDecideFixture decides for a user against the rules.
func BenchmarkDecideFixture(b *testing.B) {
	rs, err := ParseRules(readFixture(b))
	if err != nil {
		b.Fatal(err)
	}
	a := mustARN(b, "GET", "users/u-1/notes")
	b.ReportAllocs()
	for b.Loop() {
		_ = rs.Decide(a, user)
	}
}

func BenchmarkParseRules(b *testing.B) {
	data := []byte(manyRules(100))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseRules(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseRules100Bind parses 100 rules of which half pass through
// bind, the rules the overlap check works on.
func BenchmarkParseRules100Bind(b *testing.B) {
	data := []byte(manyBindRules(100))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseRules(data); err != nil {
			b.Fatal(err)
		}
	}
}

// manyBindRules returns n rules: every other one a user's notes, for the
// user (bind) or an admin, the others with a group.
func manyBindRules(n int) string {
	var b strings.Builder
	b.WriteString("[")
	for i := range n {
		if i > 0 {
			b.WriteString(",\n")
		}
		if i%2 == 0 {
			b.WriteString(`{"route": "GET /u` + itoa(i) + `/{userId}/notes", "anyOf": [{"bind": {"userId": "sub"}}, {"groups": ["admins"]}]}`)
			continue
		}
		b.WriteString(`{"route": "` + methods[i%len(methods)] + ` /r` + itoa(i) + `/{id}/items", "groups": ["g` + itoa(i%5) + `"]}`)
	}
	b.WriteString("]")
	return b.String()
}

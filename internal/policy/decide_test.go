package policy

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/apigwtest"
)

// caller is a Caller for tests.
type caller struct {
	groups, scopes []string
	claims         map[string]any
}

func (c caller) Groups() []string { return c.groups }
func (c caller) Scopes() []string { return c.scopes }
func (c caller) Claim(name string) (any, bool) {
	v, ok := c.claims[name]
	return v, ok
}

const testPrefix = "arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/"

// iamAllows evaluates d for resource as IAM does, with the test kit's
// evaluator (regular expressions, written apart from evaluate), once every
// statement is checked to be an execute-api:Invoke Allow or Deny.
func iamAllows(tb testing.TB, d Document, resource string) bool {
	tb.Helper()
	return apigwtest.Allows(iamDocument(tb, d), resource)
}

// iamDocument returns d as aws-lambda-go's type, once every statement is
// checked to be an execute-api:Invoke Allow or Deny.
func iamDocument(tb testing.TB, d Document) events.APIGatewayCustomAuthorizerPolicy {
	tb.Helper()
	doc := events.APIGatewayCustomAuthorizerPolicy{Version: d.Version}
	for _, st := range d.Statement {
		if len(st.Action) != 1 || st.Action[0] != Action {
			tb.Fatalf("statement action %q, want [%s]", st.Action, Action)
		}
		if st.Effect != string(Allow) && st.Effect != string(Deny) {
			tb.Fatalf("statement effect %q", st.Effect)
		}
		doc.Statement = append(doc.Statement, events.IAMPolicyStatement(st))
	}
	return doc
}

func mustARN(tb testing.TB, method, path string) MethodARN {
	tb.Helper()
	a, err := ParseMethodARN(testPrefix + method + "/" + path)
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

var (
	user   = caller{claims: map[string]any{"sub": "u-1"}}
	writer = caller{groups: []string{"writers"}, claims: map[string]any{"sub": "w-1"}}
	admin  = caller{groups: []string{"admins"}, claims: map[string]any{"sub": "a-1", "custom:tenant": "acme"}}
	other  = caller{groups: []string{"admins"}, claims: map[string]any{"sub": "o-1", "custom:tenant": []any{"globex", 1.0}}}
	reader = caller{scopes: []string{"openid", "notes/read"}, claims: map[string]any{"sub": "r-1"}}
	wild   = caller{claims: map[string]any{"sub": "*"}}
	number = caller{groups: []string{"writers"}, claims: map[string]any{"sub": 42.0}}
)

// TestDecideFixture evaluates, like IAM, the policy each caller gets against
// every route of the fixture's API, and checks the policy does not depend
// on the route that triggered it.
func TestDecideFixture(t *testing.T) {
	rs, err := ParseRules(readFixture(t))
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		allowed bool
		reason  Reason
		route   string
	}
	routes := []struct{ method, path string }{
		{"POST", "add-note"}, {"GET", "notes"}, {"GET", "users/u-1/notes"}, {"GET", "users/u-2/notes"},
		{"GET", "admin/x"}, {"DELETE", "admin/x/y"}, {"GET", "reports"}, {"GET", "unlisted"}, {"GET", ""},
		{"GET", "users/a/b/notes"},
	}
	const (
		addNote = "POST /add-note"
		notes   = "GET /notes"
		users   = "GET /users/{userId}/notes"
		adminR  = "ANY /admin/{proxy+}"
		reports = "GET /reports"
	)
	allow := func(route string) want { return want{true, "", route} }
	deny := func(route string, r Reason) want { return want{false, r, route} }
	noRule := want{false, ReasonNoRule, ""}
	tests := []struct {
		name string
		c    caller
		want []want // in the order of routes
	}{
		{"user", user, []want{
			deny(addNote, ReasonMissingGroup), allow(notes), allow(users), deny(users, ReasonNotOwner),
			deny(adminR, ReasonMissingGroup), deny(adminR, ReasonMissingGroup), deny(reports, ReasonMissingScope), noRule, noRule,
			noRule,
		}},
		{"writer", writer, []want{
			allow(addNote), allow(notes), deny(users, ReasonNotOwner), deny(users, ReasonNotOwner),
			deny(adminR, ReasonMissingGroup), deny(adminR, ReasonMissingGroup), deny(reports, ReasonMissingScope), noRule, noRule,
			noRule,
		}},
		{"admin", admin, []want{
			deny(addNote, ReasonMissingGroup), allow(notes), allow(users), allow(users),
			allow(adminR), allow(adminR), deny(reports, ReasonMissingScope), noRule, noRule,
			// IAM's '*' crosses '/': GET/users/*/notes covers a deeper path.
			allow(users),
		}},
		{"admin of another tenant", other, []want{
			deny(addNote, ReasonMissingGroup), allow(notes), allow(users), allow(users),
			deny(adminR, ReasonClaimMismatch), deny(adminR, ReasonClaimMismatch), deny(reports, ReasonMissingScope), noRule, noRule,
			allow(users),
		}},
		{"reader", reader, []want{
			deny(addNote, ReasonMissingGroup), allow(notes), deny(users, ReasonNotOwner), deny(users, ReasonNotOwner),
			deny(adminR, ReasonMissingGroup), deny(adminR, ReasonMissingGroup), allow(reports), noRule, noRule,
			noRule,
		}},
		{"wildcard sub", wild, []want{
			deny(addNote, ReasonMissingGroup), allow(notes), deny(users, ReasonNotOwner), deny(users, ReasonNotOwner),
			deny(adminR, ReasonMissingGroup), deny(adminR, ReasonMissingGroup), deny(reports, ReasonMissingScope), noRule, noRule,
			deny(users, ReasonNotOwner),
		}},
		{"numeric sub", number, []want{
			allow(addNote), allow(notes), deny(users, ReasonNotOwner), deny(users, ReasonNotOwner),
			deny(adminR, ReasonMissingGroup), deny(adminR, ReasonMissingGroup), deny(reports, ReasonMissingScope), noRule, noRule,
			deny(users, ReasonNotOwner),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var first []byte
			for i, r := range routes {
				a := mustARN(t, r.method, r.path)
				d := rs.Decide(a, tt.c)
				got := want{d.Allowed, d.Reason, d.Route}
				if got != tt.want[i] {
					t.Errorf("Decide(%s /%s) = %+v, want %+v", r.method, r.path, got, tt.want[i])
				}
				if iam := iamAllows(t, d.Policy, a.String()); iam != d.Allowed {
					t.Errorf("Decide(%s /%s).Allowed = %v, but IAM evaluates the policy to %v", r.method, r.path, d.Allowed, iam)
				}
				b, err := json.Marshal(d.Policy)
				if err != nil {
					t.Fatal(err)
				}
				if len(b) > MaxPolicySize {
					t.Errorf("policy is %d bytes", len(b))
				}
				if first == nil {
					first = b
				} else if string(b) != string(first) {
					t.Errorf("policy for %s /%s differs from the first route's:\n%s\n%s", r.method, r.path, b, first)
				}
			}
		})
	}
}

func TestDecidePolicyJSON(t *testing.T) {
	rs, err := ParseRules(readFixture(t))
	if err != nil {
		t.Fatal(err)
	}
	d := rs.Decide(mustARN(t, "GET", "notes"), user)
	b, err := json.Marshal(d.Policy)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"Version":"2012-10-17","Statement":[` +
		`{"Action":["execute-api:Invoke"],"Effect":"Allow","Resource":["` +
		testPrefix + `GET/notes","` + testPrefix + `GET/users/u-1/notes"]},` +
		`{"Action":["execute-api:Invoke"],"Effect":"Deny","Resource":["` +
		testPrefix + `POST/add-note","` + testPrefix + `POST/add-note/","` +
		testPrefix + `GET/admin/*","` + testPrefix + `POST/admin/*","` + testPrefix + `PUT/admin/*","` + testPrefix + `PATCH/admin/*","` +
		testPrefix + `DELETE/admin/*","` + testPrefix + `HEAD/admin/*","` + testPrefix + `OPTIONS/admin/*","` +
		testPrefix + `GET/reports","` + testPrefix + `GET/reports/","` + testPrefix + `*%*","` + testPrefix + `*//*"]}]}`
	if string(b) != want {
		t.Errorf("policy = %s\nwant     %s", b, want)
	}
}

func TestDecideStatements(t *testing.T) {
	tests := []struct {
		name    string
		rules   string
		c       caller
		effects []string
	}{
		{"all pass: no deny statement", `[{"route": "GET /a"}]`, user, []string{"Allow"}},
		{"all fail: no allow statement", `[{"route": "GET /a", "groups": ["x"]}]`, user, []string{"Deny"}},
		{"both", `[{"route": "GET /a"}, {"route": "GET /b", "groups": ["x"]}]`, user, []string{"Allow", "Deny"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs, err := ParseRules([]byte(tt.rules))
			if err != nil {
				t.Fatal(err)
			}
			d := rs.Decide(mustARN(t, "GET", "a"), tt.c)
			var effects []string
			for _, st := range d.Policy.Statement {
				effects = append(effects, st.Effect)
				if len(st.Resource) == 0 {
					t.Errorf("%s statement with no resource", st.Effect)
				}
			}
			if strings.Join(effects, ",") != strings.Join(tt.effects, ",") {
				t.Errorf("statements %v, want %v", effects, tt.effects)
			}
		})
	}
}

func TestDecideBind(t *testing.T) {
	rs, err := ParseRules([]byte(`[
		{"route": "GET /t/{tenant}/u/{user}", "bind": {"tenant": "custom:tenant"},
		 "anyOf": [{"bind": {"user": "sub"}}, {"bind": {"user": "username"}}, {"groups": ["auditors"]}]}
	]`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		c         caller
		resources []string
		effect    string
	}{
		{"two ways to own", caller{claims: map[string]any{"custom:tenant": "acme", "sub": "s1", "username": "bob"}},
			[]string{"GET/t/acme/u/s1", "GET/t/acme/u/bob"}, "Allow"},
		{"auditor of the tenant", caller{groups: []string{"auditors"}, claims: map[string]any{"custom:tenant": "acme"}},
			[]string{"GET/t/acme/u/*"}, "Allow"},
		{"no tenant", caller{groups: []string{"auditors"}, claims: map[string]any{"sub": "s1"}},
			[]string{"GET/t/*/u/*", "*%*", "*//*"}, "Deny"},
		{"bad value", caller{claims: map[string]any{"custom:tenant": "acme", "sub": "..", "username": "a/b"}},
			[]string{"GET/t/*/u/*", "*%*", "*//*"}, "Deny"},
		{"one bad value", caller{claims: map[string]any{"custom:tenant": "acme", "sub": "s 1", "username": "bob@x.com"}},
			[]string{"GET/t/acme/u/bob@x.com"}, "Allow"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := rs.Decide(mustARN(t, "GET", "t/acme/u/s1"), tt.c)
			if len(d.Policy.Statement) != 1 {
				t.Fatalf("policy %+v, want one statement", d.Policy)
			}
			st := d.Policy.Statement[0]
			var got []string
			for _, r := range st.Resource {
				got = append(got, strings.TrimPrefix(r, testPrefix))
			}
			if st.Effect != tt.effect || strings.Join(got, " ") != strings.Join(tt.resources, " ") {
				t.Errorf("statement %s %v, want %s %v", st.Effect, got, tt.effect, tt.resources)
			}
		})
	}
}

// TestDecideShadow: a failing broader rule's Deny wins over a narrower
// rule the caller passes, and names the broader rule.
func TestDecideShadow(t *testing.T) {
	rs, err := ParseRules([]byte(`[{"route": "ANY /admin/{p+}", "groups": ["admins"]}, {"route": "GET /admin/status"}]`))
	if err != nil {
		t.Fatal(err)
	}
	d := rs.Decide(mustARN(t, "GET", "admin/status"), user)
	if d.Allowed || d.Route != "ANY /admin/{p+}" || d.Reason != ReasonMissingGroup {
		t.Errorf("Decide() = %v %q %q, want denied by ANY /admin/{p+}, missing_group", d.Allowed, d.Route, d.Reason)
	}
}

func TestMatchRoutePrecedence(t *testing.T) {
	rs, err := ParseRules([]byte(`[
		{"route": "ANY /{p+}"}, {"route": "GET /a/{x}"}, {"route": "GET /a/b"}, {"route": "ANY /a/b"},
		{"route": "GET /{x}/c/d"}, {"route": "GET /a/{p+}"}, {"route": "GET /"}
	]`))
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		"a/b": "GET /a/b", "a/z": "GET /a/{x}", "a/c/d": "GET /a/{p+}", "z/c/d": "GET /{x}/c/d",
		"z": "ANY /{p+}", "": "GET /",
		// API Gateway routes a path with a trailing slash as the path
		// without it.
		"a/b/": "GET /a/b", "a/z/": "GET /a/{x}", "z/c/d/": "GET /{x}/c/d", "/": "GET /",
	} {
		if i := rs.match(mustARN(t, "GET", path)); i < 0 || rs.rules[i].route != want {
			t.Errorf("match(GET /%s) = %d, want %q", path, i, want)
		}
	}
	if i := rs.match(mustARN(t, "POST", "a/b")); i < 0 || rs.rules[i].route != "ANY /a/b" {
		t.Errorf("match(POST /a/b) = %d, want ANY /a/b", i)
	}
}

func TestGlobMatch(t *testing.T) {
	tests := []struct {
		p, s string
		want bool
	}{
		{"GET/notes", "GET/notes", true},
		{"GET/notes", "GET/notes/", false},
		{"GET/users/*/notes", "GET/users/a/b/notes", true},
		{"*/admin/*", "DELETE/admin/x/y", true},
		{"*/admin/*", "GET/admin/", true},
		{"*/admin/*", "GET/admins/x", false},
		{"G?T/*", "GET/x", true},
		{"G?T/*", "GT/x", false},
		{"*", "", true},
		{"a*b*c", "abxbc", true},
		{"a*b*c", "acb", false},
	}
	for _, tt := range tests {
		if got := globMatch(tt.p, tt.s); got != tt.want {
			t.Errorf("globMatch(%q, %q) = %v, want %v", tt.p, tt.s, got, tt.want)
		}
	}
}

// TestDecideTrailingSlash: API Gateway routes a path with a trailing slash
// to the route without it; the decision names that route, and the policy
// grants the path only where a resource ends in '*'.
func TestDecideTrailingSlash(t *testing.T) {
	rs, err := ParseRules(readFixture(t))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name         string
		c            caller
		method, path string
		allowed      bool
		route        string
		reason       Reason
	}{
		{"another user's notes", user, "GET", "users/u-2/notes/", false, "GET /users/{userId}/notes", ReasonNotOwner},
		// The bound resource is GET/users/u-1/notes, without the slash.
		{"own notes", user, "GET", "users/u-1/notes/", false, "GET /users/{userId}/notes", ReasonNotOwner},
		{"admin", admin, "GET", "users/u-2/notes/", false, "", ReasonNoRule},
		{"passed literal", user, "GET", "notes/", false, "", ReasonNoRule},
		{"failed literal", user, "POST", "add-note/", false, "POST /add-note", ReasonMissingGroup},
		{"greedy", admin, "DELETE", "admin/x/", true, "ANY /admin/{proxy+}", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := mustARN(t, tt.method, tt.path)
			d := rs.Decide(a, tt.c)
			if d.Allowed != tt.allowed || d.Route != tt.route || d.Reason != tt.reason {
				t.Errorf("Decide(%s /%s) = %v %q %q, want %v %q %q", tt.method, tt.path, d.Allowed, d.Route, d.Reason, tt.allowed, tt.route, tt.reason)
			}
			if iam := iamAllows(t, d.Policy, a.String()); iam != d.Allowed {
				t.Errorf("Decide(%s /%s).Allowed = %v, but IAM evaluates the policy to %v", tt.method, tt.path, d.Allowed, iam)
			}
		})
	}
}

// TestDecideRespelledRequests: a request spelled otherwise than the rules
// spell its path (percent-encoded, or with an empty segment) reaches the
// same method in API Gateway but not the failed rule's Deny; whenever
// something is denied, such requests are. (A review found both got past
// the Deny through another rule's wildcard.)
func TestDecideRespelledRequests(t *testing.T) {
	tests := []struct {
		rules, method, path string
	}{
		{`[{"route": "ANY /{proxy+}"}, {"route": "ANY /admin/{proxy+}", "groups": ["admins"]}]`, "DELETE", "%61dmin/tenants/7"},
		{`[{"route": "GET /{x}"}, {"route": "GET /admin", "groups": ["admins"]}]`, "GET", "%61dmin"},
		{`[{"route": "GET /{x}"}, {"route": "GET /", "groups": ["admins"]}]`, "GET", "/"},
		{`[{"route": "ANY /{proxy+}"}, {"route": "ANY /", "groups": ["admins"]}]`, "POST", "/"},
	}
	for _, tt := range tests {
		rs, err := ParseRules([]byte(tt.rules))
		if err != nil {
			t.Fatalf("ParseRules(%s) = %v", tt.rules, err)
		}
		d := rs.Decide(mustARN(t, tt.method, tt.path), caller{claims: map[string]any{"sub": "bob"}})
		arn := testPrefix + tt.method + "/" + tt.path
		if d.Allowed || iamAllows(t, d.Policy, arn) {
			t.Errorf("%s: Decide(%s %s) allowed a caller without admins: %+v", tt.rules, tt.method, tt.path, d.Policy)
		}
	}
	// Nothing denied: nothing is added, and a caller who passes every rule
	// is not refused a percent-encoded value.
	rs, _ := ParseRules([]byte(`[{"route": "GET /files/{name}"}]`))
	d := rs.Decide(mustARN(t, "GET", "files/a%20b"), caller{})
	if !d.Allowed || len(d.Policy.Statement) != 1 {
		t.Errorf("Decide(GET /files/a%%20b) = %+v, want an Allow alone", d)
	}
}

package policy

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func readFixture(tb testing.TB) []byte {
	tb.Helper()
	b, err := os.ReadFile("testdata/rules.json")
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestParseRulesFixture(t *testing.T) {
	rs, err := ParseRules(readFixture(t))
	if err != nil {
		t.Fatalf("ParseRules(testdata/rules.json) = %v", err)
	}
	want := []string{"POST /add-note", "GET /notes", "GET /users/{userId}/notes", "ANY /admin/{proxy+}", "GET /reports"}
	if diff := cmp.Diff(want, rs.Routes()); diff != "" {
		t.Errorf("Routes() mismatch (-want +got):\n%s", diff)
	}
	var suffixes []string
	for _, r := range rs.rules {
		suffixes = append(suffixes, r.suffixes...)
	}
	wantSuffixes := []string{"POST/add-note", "GET/notes", "GET/users/*/notes",
		"GET/admin/*", "POST/admin/*", "PUT/admin/*", "PATCH/admin/*", "DELETE/admin/*", "HEAD/admin/*", "OPTIONS/admin/*",
		"GET/reports"}
	if diff := cmp.Diff(wantSuffixes, suffixes); diff != "" {
		t.Errorf("resource suffixes mismatch (-want +got):\n%s", diff)
	}
}

func TestParseRulesErrors(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		want  error
		index int // -1: no RuleError
		text  string
	}{
		{"not json", `[{"route":`, ErrBadRules, 0, "EOF"},
		{"not json at all", `route`, ErrBadRules, -1, "invalid"},
		{"object", `{"route": "GET /a"}`, ErrBadRules, -1, "not a JSON array"},
		{"two values", `[{"route": "GET /a"}] [{"route": "GET /b"}]`, ErrBadRules, -1, "more than one JSON value"},
		{"empty", `[]`, ErrBadRules, -1, "no rules"},
		{"null", `null`, ErrBadRules, -1, ""},
		{"too large", "[" + strings.Repeat(" ", MaxRulesSize) + "]", ErrBadRules, -1, "bytes"},
		{"too deep", `[{"route": "GET /a", "claims": {"x": [[[[[[["a"]]]]]]]}}]`, ErrBadRules, 0, "deeply"},
		{"unknown field", `[{"route": "GET /a"}, {"route": "GET /b", "group": ["x"]}]`, ErrUnknownField, 1, `"group"`},
		{"field case", `[{"Route": "GET /a"}]`, ErrUnknownField, 0, `"Route"`},
		{"unknown in anyOf", `[{"route": "GET /a", "anyOf": [{"groups": ["a"]}, {"route": "x"}]}]`, ErrUnknownField, 0, "anyOf[1]"},
		{"nested anyOf", `[{"route": "GET /a", "anyOf": [{"anyOf": [{"groups": ["a"]}]}]}]`, ErrUnknownField, 0, "anyOf"},
		{"duplicate key", `[{"route": "GET /a", "route": "GET /b"}]`, ErrBadRules, 0, "twice"},
		{"wrong type", `[{"route": "GET /a", "groups": "admins"}]`, ErrBadRules, 0, "cannot unmarshal"},
		{"no route", `[{"groups": ["a"]}]`, ErrBadPath, 0, "no route"},
		{"bad method", `[{"route": "get /a"}]`, ErrBadMethod, 0, "METHOD"},
		{"trace", `[{"route": "TRACE /a"}]`, ErrBadMethod, 0, ""},
		{"no space", `[{"route": "GET/a"}]`, ErrBadMethod, 0, ""},
		{"relative path", `[{"route": "GET a"}]`, ErrBadPath, 0, "start with /"},
		{"empty segment", `[{"route": "GET /a//b"}]`, ErrBadPath, 0, "empty segment"},
		{"trailing slash", `[{"route": "GET /a/"}]`, ErrBadPath, 0, "empty segment"},
		{"wildcard", `[{"route": "GET /a/*"}]`, ErrBadPath, 0, "characters"},
		{"question", `[{"route": "GET /a?b"}]`, ErrBadPath, 0, "characters"},
		{"two spaces", `[{"route": "GET  /a"}]`, ErrBadPath, 0, "start with /"},
		{"greedy not last", `[{"route": "GET /{p+}/a"}]`, ErrBadPath, 0, "not the last"},
		{"bad var name", `[{"route": "GET /{a b}"}]`, ErrBadPath, 0, "variable"},
		{"empty var", `[{"route": "GET /{}"}]`, ErrBadPath, 0, "variable"},
		{"var twice", `[{"route": "GET /{a}/{a}"}]`, ErrBadPath, 0, "twice"},
		{"duplicate route", `[{"route": "GET /a/{x}"}, {"route": "POST /a"}, {"route": "GET /a/{y}"}]`, ErrDuplicateRoute, 2, "rules[0]"},
		{"empty groups", `[{"route": "GET /a", "groups": []}]`, ErrEmptyCondition, 0, "groups"},
		{"empty scope", `[{"route": "GET /a", "scopes": [""]}]`, ErrEmptyCondition, 0, "scopes"},
		{"empty claims", `[{"route": "GET /a", "claims": {}}]`, ErrEmptyCondition, 0, "claims"},
		{"empty claim values", `[{"route": "GET /a", "claims": {"x": []}}]`, ErrEmptyCondition, 0, "claims.x"},
		// null is not "no condition" (encoding/json would read it so, and
		// admit every caller) but a mistake, like an empty list.
		{"null groups", `[{"route": "GET /a", "groups": null}]`, ErrEmptyCondition, 0, "groups is null"},
		{"null group", `[{"route": "GET /a", "groups": ["a", null]}]`, ErrEmptyCondition, 0, "groups[1] is null"},
		{"null scopes", `[{"route": "GET /a", "scopes": null}]`, ErrEmptyCondition, 0, "scopes is null"},
		{"null claims", `[{"route": "GET /a", "claims": null}]`, ErrEmptyCondition, 0, "claims is null"},
		{"null claim values", `[{"route": "GET /a", "claims": {"x": null}}]`, ErrEmptyCondition, 0, "claims.x is null"},
		{"null claim value", `[{"route": "GET /a", "claims": {"custom:t": ["a", null]}}]`, ErrEmptyCondition, 0, "claims.custom:t[1] is null"},
		{"null claim odd name", `[{"route": "GET /a", "claims": {"a b": null}}]`, ErrEmptyCondition, 0, `claims."a b" is null`},
		{"null bind", `[{"route": "GET /a/{x}", "bind": null}]`, ErrEmptyCondition, 0, "bind is null"},
		{"null bind value", `[{"route": "GET /a/{x}", "bind": {"x": null}}]`, ErrEmptyCondition, 0, "bind.x is null"},
		{"null anyOf", `[{"route": "GET /a", "anyOf": null}]`, ErrEmptyCondition, 0, "anyOf is null"},
		{"null alternative", `[{"route": "GET /a", "anyOf": [{"groups": ["a"]}, null]}]`, ErrEmptyCondition, 0, "anyOf[1] is null"},
		{"null in alternative", `[{"route": "GET /a/{x}", "anyOf": [{"bind": {"x": "sub"}, "groups": null}]}]`, ErrEmptyCondition, 0, "anyOf[0].groups is null"},
		{"null route", `[{"route": "GET /a"}, {"route": null}]`, ErrBadPath, 1, "route is null"},
		{"null rule", `[{"route": "GET /a"}, null]`, ErrBadRules, 1, "rule is null"},
		{"empty bind", `[{"route": "GET /a/{x}", "bind": {}}]`, ErrEmptyCondition, 0, "bind"},
		{"bind no claim", `[{"route": "GET /a/{x}", "bind": {"x": ""}}]`, ErrEmptyCondition, 0, "bind"},
		{"empty anyOf", `[{"route": "GET /a", "anyOf": []}]`, ErrEmptyCondition, 0, "anyOf"},
		{"empty alternative", `[{"route": "GET /a", "anyOf": [{}]}]`, ErrEmptyCondition, 0, "anyOf[0]"},
		{"bind to no var", `[{"route": "GET /users/{id}", "bind": {"userId": "sub"}}]`, ErrUnboundVar, 0, "userId"},
		{"bind to literal", `[{"route": "GET /users/me", "anyOf": [{"bind": {"me": "sub"}}]}]`, ErrUnboundVar, 0, "anyOf[0]"},
		// A bound value is one segment; GET/files/*/alice matches GET
		// /files/x/bob/alice, routed here with owner bob/alice.
		{"bind to greedy", `[{"route": "GET /files/{p}/{owner+}", "bind": {"owner": "sub"}}]`, ErrGreedyBind, 0, "{owner+}"},
		{"bind to greedy in anyOf", `[{"route": "GET /files/{owner+}", "anyOf": [{"groups": ["a"]}, {"bind": {"owner": "sub"}}]}]`, ErrGreedyBind, 0, "anyOf[1]"},
		{"covered by shorter", `[{"route": "GET /users/{id}"}, {"route": "GET /users/{userId}/notes", "bind": {"userId": "sub"}}]`, ErrOverlap, 1, "rules[0]"},
		{"covered by greedy ANY", `[{"route": "GET /users/{userId}/notes", "bind": {"userId": "sub"}}, {"route": "ANY /{proxy+}", "groups": ["a"]}]`, ErrOverlap, 0, "rules[1]"},
		{"covered by greedy", `[{"route": "GET /users/{userId}", "anyOf": [{"bind": {"userId": "sub"}}]}, {"route": "GET /users/{p+}"}]`, ErrOverlap, 0, ""},
		// The examples: a caller who passes one rule gets requests
		// API Gateway routes to the bound rule, for other users' values.
		{"greedy value spans segments", `[{"route": "GET /files/{owner}/{path+}", "bind": {"owner": "sub"}}, {"route": "GET /files/{owner}/avatar"}]`,
			ErrOverlap, 0, `rules[1] ("GET /files/{owner}/avatar") grants GET/files/*/avatar, which allows GET /files/<any>/<any>/avatar`},
		{"values in different variables", `[{"route": "GET /u/{user}/{kind}", "bind": {"user": "sub"}}, {"route": "GET /{x}/bob/secret"}]`,
			ErrOverlap, 0, `rules[1] ("GET /{x}/bob/secret") grants GET/*/bob/secret, which allows GET /u/bob/secret`},
		{"trailing slash", `[{"route": "GET /users/{userId}/notes", "bind": {"userId": "sub"}}, {"route": "GET /users/{userId}/notes/{noteId}", "groups": ["support"]}]`,
			ErrOverlap, 0, `rules[1] ("GET /users/{userId}/notes/{noteId}") grants GET/users/*/notes/*, which allows GET /users/<any>/notes/`},
		{"own resource shifted", `[{"route": "GET /u/{x}/{owner}/{rest+}", "bind": {"owner": "sub"}}]`,
			ErrOverlap, 0, `"GET /u/{x}/{owner}/{rest+}" passes through bind, but it grants GET/u/*/<sub>/* itself`},
		{"another's bound resource", `[{"route": "GET /b/{v}", "bind": {"v": "sub"}}, {"route": "ANY /{o}/{p+}", "bind": {"o": "nick"}}]`,
			ErrOverlap, 0, `rules[1] ("ANY /{o}/{p+}") grants GET/<nick>/*`},
		// Support gets GET/users/*/notes/*, which matches GET
		// /users/bob/notes/, and the list admits only admins and bob.
		{"wider groups", `[{"route": "GET /users/{userId}/notes", "anyOf": [{"bind": {"userId": "sub"}}, {"groups": ["admins"]}]},` +
			`{"route": "GET /users/{userId}/notes/{noteId}", "anyOf": [{"bind": {"userId": "sub"}}, {"groups": ["admins", "support"]}]}]`,
			ErrOverlap, 0, "rules[1]"},
		{"resource too long", `[{"route": "GET /` + strings.Repeat("a", 300) + `"}]`, ErrPolicyTooLarge, 0, "512"},
		{"bound too long", `[{"route": "GET /` + strings.Repeat("a", 200) + `/{x}", "bind": {"x": "sub"}}]`, ErrPolicyTooLarge, 0, "bound"},
		{"policy too large", manyRules(260), ErrPolicyTooLarge, -1, "260 rules"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs, err := ParseRules([]byte(tt.in))
			if !errors.Is(err, tt.want) {
				t.Fatalf("ParseRules() = %v, %v, want %v", rs, err, tt.want)
			}
			var re *RuleError
			switch {
			case tt.index < 0 && errors.As(err, &re):
				t.Errorf("ParseRules() error %q names rules[%d], want no index", err, re.Index)
			case tt.index >= 0 && !errors.As(err, &re):
				t.Errorf("ParseRules() error %q names no rule, want rules[%d]", err, tt.index)
			case tt.index >= 0 && re.Index != tt.index:
				t.Errorf("ParseRules() error %q names rules[%d], want rules[%d]", err, re.Index, tt.index)
			}
			if !strings.Contains(err.Error(), tt.text) {
				t.Errorf("ParseRules() error %q, want it to say %q", err, tt.text)
			}
		})
	}
}

func TestParseRulesAccepts(t *testing.T) {
	for _, in := range []string{
		`[{"route": "GET /"}]`,
		`[{"route": "ANY /a"}, {"route": "GET /a"}]`,
		`[{"route": "GET /users/{userId}/notes", "bind": {"userId": "sub"}}, {"route": "GET /users/me/notes"}]`,
		// A user's list and items, for the user or an admin: whoever gets
		// the items' GET/users/*/notes/* (which matches GET
		// /users/bob/notes/, routed to the list) is an admin, whom the list
		// admits, or bob.
		`[{"route": "GET /users/{userId}/notes", "anyOf": [{"bind": {"userId": "sub"}}, {"groups": ["admins"]}]},
		  {"route": "GET /users/{userId}/notes/{noteId}", "anyOf": [{"bind": {"userId": "sub"}}, {"groups": ["admins"]}]}]`,
		`[{"route": "GET /users/{userId}/notes", "bind": {"userId": "sub"}}, {"route": "GET /users/{userId}/notes/{noteId}", "bind": {"userId": "sub"}}]`,
		`[{"route": "GET /files/{owner}/{path+}", "bind": {"owner": "sub"}}, {"route": "GET /files/{owner}/avatar", "bind": {"owner": "sub"}}]`,
		`[{"route": "GET /t/{a}/{b}", "bind": {"a": "custom:tenant"}, "anyOf": [{"bind": {"b": "sub"}}, {"groups": ["admins"]}]}]`,
		` [ {"route": "GET /a"} ] ` + "\n",
	} {
		if _, err := ParseRules([]byte(in)); err != nil {
			t.Errorf("ParseRules(%s) = %v, want nil", in, err)
		}
	}
}

// manyRules returns n rules with distinct routes and a condition each.
func manyRules(n int) string {
	var b strings.Builder
	b.WriteString("[")
	for i := range n {
		if i > 0 {
			b.WriteString(",\n")
		}
		method := methods[i%len(methods)]
		b.WriteString(`{"route": "` + method + ` /r` + itoa(i) + `/{id}/items", "groups": ["g` + itoa(i%5) + `"]}`)
	}
	b.WriteString("]")
	return b.String()
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}

// TestOverlapCheckIsBounded: routes of many variables beside greedy ones
// make the overlap search exponential; past its budget the set is refused,
// quickly, rather than checked for seconds at every cold start.
func TestOverlapCheckIsBounded(t *testing.T) {
	vars := make([]string, 16)
	for i := range vars {
		vars[i] = "{v" + strconv.Itoa(i) + "}"
	}
	path := strings.Join(vars, "/")
	data := `[{"route": "GET /a/` + path + `/{rest+}", "bind": {"v0": "sub"}},
		{"route": "GET /c/` + path + `/{x+}"}]`
	start := time.Now()
	_, err := ParseRules([]byte(data))
	if took := time.Since(start); !errors.Is(err, ErrOverlap) || took > 5*time.Second {
		t.Errorf("ParseRules(16 variables beside a greedy route) = %v after %v, want %v within seconds", err, took, ErrOverlap)
	}
	if _, err := ParseRules([]byte(manyBindRules(100))); err != nil {
		t.Errorf("ParseRules(100 rules, half bound) = %v, want them accepted within the budget", err)
	}
}

// TestHundredRulesWithAnyRoutesFit: 100 rules of which 25 are ANY routes
// (issue 21's set, 69,401 bytes at the longest prefix, refused under the
// former 64 KiB cap) are accepted.
func TestHundredRulesWithAnyRoutesFit(t *testing.T) {
	var b strings.Builder
	b.WriteString("[")
	for i := range 100 {
		if i > 0 {
			b.WriteString(",")
		}
		method := methods[i%5]
		if i%4 == 0 {
			method = "ANY"
		}
		b.WriteString(`{"route": "` + method + ` /collection` + itoa(i) + `/{id}", "groups": ["g` + itoa(i%5) + `"]}`)
	}
	b.WriteString("]")
	if _, err := ParseRules([]byte(b.String())); err != nil {
		t.Errorf("100 rules, 25 of them ANY: %v", err)
	}
}

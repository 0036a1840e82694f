package policy

import "testing"

// Regression tests of a security review: each of these rule sets granted
// more than its rules say.

// An ANY rule on a literal path covered paths with no rule (*/notes matched
// GET/internal/secret/notes).
func TestANYDoesNotSpanPaths(t *testing.T) {
	rs, err := ParseRules([]byte(`[{"route": "ANY /notes"}]`))
	if err != nil {
		t.Fatal(err)
	}
	if d := rs.Decide(mustARN(t, "GET", "internal/secret/notes"), user); d.Allowed || d.Reason != ReasonNoRule {
		t.Errorf("Decide(GET /internal/secret/notes) = allowed %v, reason %q, want no_rule", d.Allowed, d.Reason)
	}
	if d := rs.Decide(mustARN(t, "DELETE", "notes"), user); !d.Allowed {
		t.Errorf("Decide(DELETE /notes) = refused %q, want allowed by ANY /notes", d.Reason)
	}
}

// A bound resource covered by another rule for one value (the user named
// health) was accepted at init.
func TestOverlapForParticularValues(t *testing.T) {
	for _, rules := range []string{
		`[{"route": "GET /users/{name}", "bind": {"name": "cognito:username"}}, {"route": "GET /{section}/health"}]`,
		`[{"route": "GET /users/{name}", "bind": {"name": "cognito:username"}}, {"route": "ANY /{section}/health"}]`,
	} {
		if _, err := ParseRules([]byte(rules)); err == nil {
			t.Errorf("ParseRules(%s) = nil error, want ErrOverlap", rules)
		}
	}
	// A literal route API Gateway prefers takes the request itself.
	if _, err := ParseRules([]byte(`[{"route": "GET /users/{name}/notes", "bind": {"name": "sub"}}, {"route": "GET /users/me/notes"}]`)); err != nil {
		t.Errorf("ParseRules(bind beside a more specific literal route) = %v", err)
	}
}

// A trailing slash slipped past a failed literal rule's Deny through
// another rule's wildcard.
func TestTrailingSlashDenied(t *testing.T) {
	rs, err := ParseRules([]byte(`[{"route": "GET /notes", "groups": ["writers"]}, {"route": "GET /notes/{id}"}]`))
	if err != nil {
		t.Fatal(err)
	}
	if d := rs.Decide(mustARN(t, "GET", "notes/"), user); d.Allowed {
		t.Errorf("Decide(GET /notes/) for a non-writer = allowed by %q", d.Route)
	}
}

// The root's resource was <METHOD> while its methodArn ends in <METHOD>/:
// GET / never allowed anything, and its Deny missed the root, which
// another rule's GET/* matched.
func TestRootRule(t *testing.T) {
	rs, err := ParseRules([]byte(`[{"route": "GET /", "groups": ["admins"]}, {"route": "GET /{x}"}]`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		c    caller
		want bool
	}{{user, false}, {admin, true}} {
		a := mustARN(t, "GET", "")
		d := rs.Decide(a, tt.c)
		if d.Allowed != tt.want || d.Route != "GET /" || iamAllows(t, d.Policy, a.String()) != tt.want {
			t.Errorf("Decide(GET /) for groups %q = %v by %q, want %v by GET /", tt.c.groups, d.Allowed, d.Route, tt.want)
		}
	}
}

package apispec_test

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-dev/cognito-authorizer/internal/apispec"
	"github.com/gatehouse-dev/cognito-authorizer/internal/policy"
)

// TestSampleRoutes checks that the sample's rules are rules the authorizer
// accepts, one per route, each route served by a function.
func TestSampleRoutes(t *testing.T) {
	routes := apispec.SampleRoutes()
	rules, err := policy.ParseRules([]byte(apispec.RouteRules(routes)))
	if err != nil {
		t.Fatalf("ParseRules(RouteRules(SampleRoutes())) = %v", err)
	}
	if rules.Len() != len(routes) {
		t.Errorf("%d rules for %d routes", rules.Len(), len(routes))
	}
	for _, r := range routes {
		switch r.Function {
		case apispec.FunctionAddNote, apispec.FunctionListNotes, apispec.FunctionSignOut:
		default:
			t.Errorf("%s %s: function %q is none of the sample's", r.Method, r.Path, r.Function)
		}
	}
	if got := apispec.RuleGroups(routes); strings.Join(got, ",") != apispec.GroupWriters+","+apispec.GroupAdmins {
		t.Errorf("RuleGroups() = %v, want writers, admins", got)
	}
}

// TestGatewayResponses keeps the bodies JSON objects once API Gateway fills
// in the message.
func TestGatewayResponses(t *testing.T) {
	for _, r := range apispec.GatewayResponses() {
		body := strings.ReplaceAll(r.Body, "$context.error.messageString", `"Unauthorized"`)
		var v map[string]any
		if err := json.Unmarshal([]byte(body), &v); err != nil || v["message"] == nil {
			t.Errorf("%s body %s: %v, want a JSON object with a message", r.Type, r.Body, err)
		}
	}
	if _, err := regexp.Compile(apispec.TokenPattern); err != nil {
		t.Errorf("TokenPattern does not compile: %v", err)
	}
}

// TestHTTPIdentitySources: the route, method and path join the token's
// header in the cache key only where the answer depends on them.
func TestHTTPIdentitySources(t *testing.T) {
	perRequest := []string{"$request.header.Authorization", "$context.routeKey", "$context.httpMethod", "$context.path"}
	for _, tt := range []struct {
		simple, rules bool
		want          []string
	}{
		{true, true, perRequest},
		{true, false, perRequest[:1]},
		{false, true, perRequest[:1]},
		{false, false, perRequest[:1]},
	} {
		if got := apispec.HTTPIdentitySources("Authorization", tt.simple, tt.rules); !slices.Equal(got, tt.want) {
			t.Errorf("HTTPIdentitySources(simple %t, rules %t) = %v, want %v", tt.simple, tt.rules, got, tt.want)
		}
	}
}

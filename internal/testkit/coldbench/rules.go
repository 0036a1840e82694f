package coldbench

import (
	"encoding/json"
	"fmt"
)

// RuleCount is how many route rules the "rules" configurations load.
const RuleCount = 100

// anyRoutes is how many of Rules' routes are ANY. Issue 21 names 100 rules
// of which 25 are ANY: such a set exceeded the former 64 KiB policy cap and
// loads under policy.MaxPolicySize's 128 KiB (policy's
// TestHundredRulesWithAnyRoutesFit); this set keeps 4, as the figures
// measured before, so that they compare.
const anyRoutes = 4

// resources are the collections of an API of the kind the authorizer sits
// in front of; Rules gives each the usual five routes.
var resources = []string{
	"projects", "tasks", "comments", "invoices", "customers", "orders", "products", "reports",
	"teams", "files", "webhooks", "tickets", "contracts", "payments", "shipments", "alerts",
	"devices", "audits",
}

// Rules returns RuleCount route rules as ROUTE_RULES_FILE holds them: for
// each of 18 collections a list, a create, a read, an update and a delete
// (GET, POST, GET, PUT, DELETE, with a path parameter on the last three),
// conditioned on groups, scopes or a tenant claim as a real API would be;
// then the caller's own profile and settings (bound to sub, or for admins),
// and anyRoutes ANY routes (admin and internal proxies). The set loads
// today: the authorizer's init check accepts it.
func Rules() []byte {
	type rule struct {
		Route  string              `json:"route,omitempty"` // empty in anyOf
		Groups []string            `json:"groups,omitempty"`
		Scopes []string            `json:"scopes,omitempty"`
		Claims map[string][]string `json:"claims,omitempty"`
		Bind   map[string]string   `json:"bind,omitempty"`
		AnyOf  []rule              `json:"anyOf,omitempty"`
	}
	var rules []rule
	for i, r := range resources {
		item := "/" + r + "/{" + r[:len(r)-1] + "Id}"
		read := rule{Route: "GET /" + r}
		switch i % 3 {
		case 1:
			read.Scopes = []string{"api/read", "api/admin"}
		case 2:
			read.Groups = []string{"readers", "writers", "admins"}
		}
		write := rule{Groups: []string{"writers", "admins"}}
		if i%4 == 3 {
			write.Claims = map[string][]string{"custom:tenant": {"acme", "globex"}}
		}
		create, update := write, write
		create.Route, update.Route = "POST /"+r, "PUT "+item
		get := read
		get.Route = "GET " + item
		rules = append(rules, read, create, get, update,
			rule{Route: "DELETE " + item, Groups: []string{"admins"}})
	}
	own := []rule{{Bind: map[string]string{"userId": "sub"}}, {Groups: []string{"admins"}}}
	rules = append(rules,
		rule{Route: "GET /users/{userId}/profile", AnyOf: own},
		rule{Route: "PATCH /users/{userId}/settings", AnyOf: own},
	)
	for i := range anyRoutes {
		rules = append(rules, rule{
			Route:  fmt.Sprintf("ANY /admin/area%d/{proxy+}", i),
			Groups: []string{"admins"},
			Claims: map[string][]string{"custom:tenant": {"acme"}},
		})
	}
	for i := len(rules); i < RuleCount; i++ {
		rules = append(rules, rule{Route: fmt.Sprintf("GET /status/check%d", i), Scopes: []string{"api/status"}})
	}
	b, err := json.MarshalIndent(rules[:RuleCount], "", "  ")
	if err != nil {
		panic(err) // only strings, slices and maps: cannot fail
	}
	return b
}

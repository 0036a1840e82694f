package apispec

import (
	"encoding/json"
	"slices"
)

// The sample's functions behind the API, as the routes name them (and as
// cmd/ names their mains).
const (
	FunctionAddNote   = "add-note"
	FunctionListNotes = "list-notes"
	FunctionSignOut   = "sign-out"
)

// Route is one route of the sample API: the method and path API Gateway
// serves, the function that serves it, and the route rule the authorizer
// applies to it.
type Route struct {
	Method, Path string
	Function     string
	Rule         Condition
}

// Condition is one set of conditions of a route rule, in the ROUTE_RULES
// format (see docs on route rules): all must hold, and one of AnyOf if it is
// set. A rule with none admits every verified caller.
type Condition struct {
	Groups []string            `json:"groups,omitempty"`
	Scopes []string            `json:"scopes,omitempty"`
	Claims map[string][]string `json:"claims,omitempty"`
	Bind   map[string]string   `json:"bind,omitempty"`
	AnyOf  []Condition         `json:"anyOf,omitempty"`
}

// Groups of the sample's rules.
const (
	GroupWriters = "writers"
	GroupAdmins  = "admins"
)

// SampleRoutes returns the sample API's routes, declared once: the CDK
// stack builds the API's methods from them and hands the authorizer the
// same rules (ROUTE_RULES); template.yaml carries the same rules and
// methods, which a test keeps equal; the local API serves them.
func SampleRoutes() []Route {
	return []Route{
		// Only writers store notes.
		{Method: "POST", Path: "/add-note", Function: FunctionAddNote, Rule: Condition{Groups: []string{GroupWriters}}},
		// The caller's own notes, by sub: any verified caller.
		{Method: "GET", Path: "/notes", Function: FunctionListNotes},
		// One user's notes: that user, or an admin.
		{Method: "GET", Path: "/users/{userId}/notes", Function: FunctionListNotes, Rule: Condition{AnyOf: []Condition{
			{Bind: map[string]string{"userId": "sub"}},
			{Groups: []string{GroupAdmins}},
		}}},
		// Signing out of one's own session: any verified caller.
		{Method: "POST", Path: "/sign-out", Function: FunctionSignOut},
	}
}

// ruleJSON is one rule of ROUTE_RULES: the route and its conditions.
type ruleJSON struct {
	Route string `json:"route"`
	Condition
}

// RouteRules returns the rules of routes as ROUTE_RULES holds them.
func RouteRules(routes []Route) string {
	rules := make([]ruleJSON, len(routes))
	for i, r := range routes {
		rules[i] = ruleJSON{Route: r.Method + " " + r.Path, Condition: r.Rule}
	}
	b, err := json.Marshal(rules)
	if err != nil {
		panic(err) // strings, lists and maps of strings always marshal
	}
	return string(b)
}

// RuleGroups returns the groups routes name, each once, in order: the
// stack creates them in the pool.
func RuleGroups(routes []Route) []string {
	var groups []string
	var walk func(c Condition)
	walk = func(c Condition) {
		for _, g := range c.Groups {
			if !slices.Contains(groups, g) {
				groups = append(groups, g)
			}
		}
		for _, a := range c.AnyOf {
			walk(a)
		}
	}
	for _, r := range routes {
		walk(r.Rule)
	}
	return groups
}

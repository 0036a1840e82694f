package main

import (
	"encoding/json"
	"slices"
)

// The sample's functions behind the API, as the routes name them.
const (
	fnAddNote   = "add-note"
	fnListNotes = "list-notes"
	fnSignOut   = "sign-out"
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
// format (see the README's Route rules): all must hold, and one of AnyOf if
// it is set. A rule with none admits every verified caller.
type Condition struct {
	Groups []string            `json:"groups,omitempty"`
	Scopes []string            `json:"scopes,omitempty"`
	Claims map[string][]string `json:"claims,omitempty"`
	Bind   map[string]string   `json:"bind,omitempty"`
	AnyOf  []Condition         `json:"anyOf,omitempty"`
}

// Routes are the sample API's routes, declared once: the stack builds the
// API's methods from them and hands the authorizer the same rules
// (ROUTE_RULES). template.yaml carries the same rules, and a test keeps the
// two equal.
var Routes = []Route{
	// Issue 13: only writers store notes.
	{Method: "POST", Path: "/add-note", Function: fnAddNote, Rule: Condition{Groups: []string{"writers"}}},
	// The caller's own notes, by sub: any verified caller.
	{Method: "GET", Path: "/notes", Function: fnListNotes},
	// One user's notes: that user, or an admin.
	{Method: "GET", Path: "/users/{userId}/notes", Function: fnListNotes, Rule: Condition{AnyOf: []Condition{
		{Bind: map[string]string{"userId": "sub"}},
		{Groups: []string{"admins"}},
	}}},
	// Signing out of one's own session: any verified caller.
	{Method: "POST", Path: "/sign-out", Function: fnSignOut},
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

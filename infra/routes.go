package main

import "github.com/gatehouse-dev/cognito-authorizer/internal/apispec"

// The sample's functions behind the API, as the routes name them.
const (
	fnAddNote   = apispec.FunctionAddNote
	fnListNotes = apispec.FunctionListNotes
	fnSignOut   = apispec.FunctionSignOut
)

// Route is one route of the sample API: the method and path API Gateway
// serves, the function that serves it, and the route rule the authorizer
// applies to it.
type Route = apispec.Route

// Condition is one set of conditions of a route rule, in the ROUTE_RULES
// format.
type Condition = apispec.Condition

// Routes are the sample API's routes, declared once in internal/apispec:
// the stack builds the API's methods from them and hands the authorizer the
// same rules (ROUTE_RULES); template.yaml carries the same rules, which a
// test keeps equal; make start-api serves the same routes locally.
var Routes = apispec.SampleRoutes()

// RouteRules returns the rules of routes as ROUTE_RULES holds them.
func RouteRules(routes []Route) string { return apispec.RouteRules(routes) }

// RuleGroups returns the groups routes name, each once, in order: the
// stack creates them in the pool.
func RuleGroups(routes []Route) []string { return apispec.RuleGroups(routes) }

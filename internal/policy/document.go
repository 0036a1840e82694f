package policy

import (
	"fmt"
)

// Action is the one action an authorizer's policy speaks of.
const Action = "execute-api:Invoke"

// Version is the IAM policy language version of every Document.
const Version = "2012-10-17"

// Effect is a statement's effect.
type Effect string

// The two effects of an IAM statement.
const (
	Allow Effect = "Allow"
	Deny  Effect = "Deny"
)

// Document is the IAM policy an authorizer returns. Its fields have the
// names and types of aws-lambda-go's events.APIGatewayCustomAuthorizerPolicy
// (and Statement those of events.IAMPolicyStatement), so it marshals to the
// same JSON and converts field by field, without this package importing
// aws-lambda-go.
type Document struct {
	Version   string
	Statement []Statement
}

// Statement is one statement of a Document.
type Statement struct {
	Action   []string
	Effect   string
	Resource []string
}

// NewDocument returns a policy with one statement giving effect over
// resources.
func NewDocument(effect Effect, resources ...string) Document {
	return Document{
		Version:   Version,
		Statement: []Statement{{Action: []string{Action}, Effect: string(effect), Resource: resources}},
	}
}

// Scope is how much of the API a policy without route rules covers.
type Scope int

// The scopes of a policy without route rules.
const (
	// ScopeStage covers every method and path of the stage
	// (arn:...:<api>/<stage>/*/*), so the policy API Gateway caches for a
	// token also answers the token's requests to other methods.
	ScopeStage Scope = iota
	// ScopeMethod covers the methodArn alone.
	ScopeMethod
)

// ParseScope reads a scope as configured: "stage" or "method".
func ParseScope(s string) (Scope, error) {
	switch s {
	case "stage":
		return ScopeStage, nil
	case "method":
		return ScopeMethod, nil
	}
	return 0, fmt.Errorf("scope %.32q is neither stage nor method", s)
}

// String returns the scope as ParseScope reads it.
func (s Scope) String() string {
	switch s {
	case ScopeStage:
		return "stage"
	case ScopeMethod:
		return "method"
	}
	return fmt.Sprintf("Scope(%d)", int(s))
}

// ScopedResource returns the resource of a policy over a with scope s: the
// whole stage or the methodArn itself.
func (a MethodARN) ScopedResource(s Scope) string {
	if s == ScopeMethod {
		return a.String()
	}
	return a.StageResource()
}

// ScopedDocument returns a policy giving effect over a with scope s: today's
// answer when no route rules are configured.
func ScopedDocument(effect Effect, a MethodARN, s Scope) Document {
	return NewDocument(effect, a.ScopedResource(s))
}

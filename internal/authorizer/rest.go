package authorizer

import (
	"github.com/aws/aws-lambda-go/events"

	"github.com/gatehouse-dev/cognito-authorizer/internal/decide"
	"github.com/gatehouse-dev/cognito-authorizer/internal/policy"
)

// restAnswer renders d as a REST API authorizer's answer: a policy with the
// principal, the context and the caller's usage plan key
// (usageIdentifierKey, when d has one) for Allow and Deny, ErrUnavailable
// for the outage, ErrUnauthorized for anything else. A Deny carries the key
// too: API Gateway caches the answer per token and replays it on the
// routes its policy allows.
func restAnswer(d *decide.Decision) (events.APIGatewayCustomAuthorizerResponse, error) {
	switch d.Outcome {
	case decide.Allow, decide.Deny:
		return events.APIGatewayCustomAuthorizerResponse{
			PrincipalID:        d.Principal(),
			PolicyDocument:     Document(d.Policy),
			Context:            d.Context,
			UsageIdentifierKey: d.UsageKey,
		}, nil
	case decide.Unavailable:
		return events.APIGatewayCustomAuthorizerResponse{}, ErrUnavailable
	default:
		return events.APIGatewayCustomAuthorizerResponse{}, ErrUnauthorized
	}
}

// Document converts a policy to aws-lambda-go's type, the one API Gateway's
// answers carry (and apigwtest evaluates); they have the same fields.
func Document(p policy.Document) events.APIGatewayCustomAuthorizerPolicy {
	out := events.APIGatewayCustomAuthorizerPolicy{Version: p.Version, Statement: make([]events.IAMPolicyStatement, len(p.Statement))}
	for i, st := range p.Statement {
		out.Statement[i] = events.IAMPolicyStatement(st)
	}
	return out
}

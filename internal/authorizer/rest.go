package authorizer

import (
	"bytes"
	"encoding/json"

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
			PolicyDocument:     document(d.Policy),
			Context:            d.Context,
			UsageIdentifierKey: d.UsageKey,
		}, nil
	case decide.Unavailable:
		return events.APIGatewayCustomAuthorizerResponse{}, ErrUnavailable
	default:
		return events.APIGatewayCustomAuthorizerResponse{}, ErrUnauthorized
	}
}

// document converts a policy to aws-lambda-go's type; they have the same
// fields.
func document(p policy.Document) events.APIGatewayCustomAuthorizerPolicy {
	out := events.APIGatewayCustomAuthorizerPolicy{Version: p.Version, Statement: make([]events.IAMPolicyStatement, len(p.Statement))}
	for i, st := range p.Statement {
		out.Statement[i] = events.IAMPolicyStatement(st)
	}
	return out
}

// restBytes renders an Allow or a Deny whose policy the route rules
// rendered already (d.PolicyJSON) as the answer's JSON: byte for byte what
// aws-lambda-go's encoder writes for restAnswer's value (no HTML escaping),
// without encoding a policy of a hundred resources again on every
// invocation. A test compares the two on every kind of answer.
func restBytes(d *decide.Decision) ([]byte, error) {
	b := make([]byte, 0, len(d.PolicyJSON)+512)
	b = append(b, `{"principalId":`...)
	var err error
	if b, err = appendJSON(b, d.Principal()); err != nil {
		return nil, err
	}
	b = append(b, `,"policyDocument":`...)
	b = append(b, d.PolicyJSON...)
	if len(d.Context) > 0 {
		b = append(b, `,"context":`...)
		if b, err = appendJSON(b, d.Context); err != nil {
			return nil, err
		}
	}
	if d.UsageKey != "" {
		b = append(b, `,"usageIdentifierKey":`...)
		if b, err = appendJSON(b, d.UsageKey); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

// appendJSON appends v's JSON as aws-lambda-go's encoder writes it.
func appendJSON(b []byte, v any) ([]byte, error) {
	buf := bytes.NewBuffer(b)
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

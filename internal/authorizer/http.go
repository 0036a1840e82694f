package authorizer

import (
	"fmt"

	"github.com/aws/aws-lambda-go/events"

	"github.com/gatehouse-dev/cognito-authorizer/internal/decide"
)

// HTTPAPIResponse is the kind of answer given to an HTTP API's payload 2.0
// events; it must match the authorizer's enableSimpleResponses in the API
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html).
type HTTPAPIResponse string

// The two kinds of answer to payload 2.0 events.
const (
	// HTTPAPISimple answers {"isAuthorized": bool, "context": {...}}: true
	// for an Allow of this request (method and path). API Gateway caches
	// it per value of the identity sources, so under route rules they
	// must hold the route key, the method and the path (bind reads the
	// path; an ANY, {proxy+} or $default route spans several rules): see
	// cognitoauth.HTTPIdentitySource.
	HTTPAPISimple HTTPAPIResponse = "simple"
	// HTTPAPIIAM answers the policy a REST API gets, built on the
	// routeArn's API and stage: a function of the token alone, right with
	// a cache keyed on the token.
	HTTPAPIIAM HTTPAPIResponse = "iam"
)

// WithHTTPAPIResponse sets the answer to payload 2.0 events; the default
// is HTTPAPISimple. New panics on another value.
func WithHTTPAPIResponse(r HTTPAPIResponse) Option {
	return func(h *Handler) { h.httpAPIResponse = r }
}

// httpAnswer renders d as the answer to a payload 2.0 event, of kind k:
// for Allow and Deny a simple answer (authorized for an Allow only) or the
// REST answer's policy, principal and context; ErrUnavailable for the
// outage, ErrUnauthorized for anything else, as for REST. HTTP APIs have
// no usage plans: no answer carries d.UsageKey.
func httpAnswer(d *decide.Decision, k HTTPAPIResponse) (any, error) {
	switch d.Outcome {
	case decide.Allow, decide.Deny:
		if k == HTTPAPIIAM {
			return events.APIGatewayV2CustomAuthorizerIAMPolicyResponse{
				PrincipalID:    d.Principal(),
				PolicyDocument: Document(d.Policy),
				Context:        d.Context,
			}, nil
		}
		return events.APIGatewayV2CustomAuthorizerSimpleResponse{
			IsAuthorized: d.Outcome == decide.Allow,
			Context:      d.Context,
		}, nil
	case decide.Unavailable:
		return nil, ErrUnavailable
	default:
		return nil, ErrUnauthorized
	}
}

func checkHTTPAPIResponse(k HTTPAPIResponse) {
	if k != HTTPAPISimple && k != HTTPAPIIAM {
		panic(fmt.Sprintf("authorizer.New: HTTP API response %q is neither %q nor %q", k, HTTPAPISimple, HTTPAPIIAM))
	}
}

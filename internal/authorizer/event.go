package authorizer

import (
	"encoding/json"
	"fmt"

	"github.com/aws/aws-lambda-go/events"

	"github.com/gatehouse-dev/cognito-authorizer/internal/decide"
	"github.com/gatehouse-dev/cognito-authorizer/internal/policy"
)

// MaxEventSize bounds the event decoded, in bytes. A REQUEST event carries
// the request's headers and query string, which API Gateway caps well below
// this.
const MaxEventSize = 256 << 10

// Event types API Gateway sends a REST API's Lambda authorizer.
const (
	TokenEvent   = "TOKEN"
	RequestEvent = "REQUEST"
)

// event is both shapes of a REST API's authorizer event: TOKEN events carry
// authorizationToken, REQUEST events the request's headers.
type event struct {
	events.APIGatewayCustomAuthorizerRequestTypeRequest
	AuthorizationToken string `json:"authorizationToken"`
}

// readEvent reads a REST API authorizer event, TOKEN or REQUEST, into a
// Request, taking a REQUEST event's token from header. What cannot be read
// is the Request's Err. It returns the event's type too, cut to 16 bytes,
// for the log.
func readEvent(raw json.RawMessage, header string) (decide.Request, string) {
	if len(raw) > MaxEventSize {
		return decide.Request{Err: fmt.Errorf("%w: %d bytes, the limit is %d", decide.ErrBadEvent, len(raw), MaxEventSize)}, ""
	}
	var ev event
	if err := json.Unmarshal(raw, &ev); err != nil {
		return decide.Request{Err: fmt.Errorf("%w: %w", decide.ErrBadEvent, err)}, ""
	}
	eventType := ev.Type
	if len(eventType) > 16 {
		eventType = eventType[:16]
	}
	arn, err := policy.ParseMethodARN(ev.MethodArn)
	if err != nil {
		return decide.Request{Err: err}, eventType
	}
	r := decide.Request{ARN: arn}
	switch ev.Type {
	case TokenEvent:
		r.Token = ev.AuthorizationToken
	case RequestEvent:
		r.Headers = ev.Headers
		r.Token, r.Err = decide.HeaderValue(ev.Headers, ev.MultiValueHeaders, header)
		if r.Token == "" && r.Err == nil {
			r.Err = fmt.Errorf("%w: no %s header", decide.ErrNoToken, header)
		}
	default:
		r.Err = fmt.Errorf("%w: event type %.16q is neither TOKEN nor REQUEST", decide.ErrBadEvent, ev.Type)
	}
	return r, eventType
}

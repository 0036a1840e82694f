package authorizer

import (
	"encoding/json"
	"fmt"

	"github.com/aws/aws-lambda-go/events"
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

// request is what the handler needs of an event, whatever its shape: an
// adapter per event shape fills it in.
type request struct {
	// eventType is the event's type, cut to 16 bytes for the log.
	eventType string
	methodARN string
	// token is the bearer token, or tokenErr says why there is none.
	token    string
	tokenErr error
}

// event is both shapes of a REST API's authorizer event: TOKEN events carry
// authorizationToken, REQUEST events the request's headers.
type event struct {
	events.APIGatewayCustomAuthorizerRequestTypeRequest
	AuthorizationToken string `json:"authorizationToken"`
}

// decodeEvent reads a REST API authorizer event, TOKEN or REQUEST, taking a
// REQUEST event's token from header.
func decodeEvent(raw json.RawMessage, header string) (request, error) {
	if len(raw) > MaxEventSize {
		return request{}, fmt.Errorf("event of %d bytes, the limit is %d", len(raw), MaxEventSize)
	}
	var ev event
	if err := json.Unmarshal(raw, &ev); err != nil {
		return request{}, fmt.Errorf("decoding event: %w", err)
	}
	r := request{eventType: ev.Type, methodARN: ev.MethodArn}
	if len(r.eventType) > 16 {
		r.eventType = r.eventType[:16]
	}
	switch ev.Type {
	case TokenEvent:
		r.token, r.tokenErr = bearer(ev.AuthorizationToken)
	case RequestEvent:
		v, err := headerValue(ev.Headers, ev.MultiValueHeaders, header)
		if err != nil {
			r.tokenErr = err
		} else {
			r.token, r.tokenErr = bearer(v)
		}
	default:
		r.tokenErr = fmt.Errorf("%w: event type %.16q is neither TOKEN nor REQUEST", errNoToken, ev.Type)
	}
	return r, nil
}

package authorizer

import (
	"encoding/json"
	"fmt"
	"strings"

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

// event is every shape of authorizer event, decoded once: a REST API's
// TOKEN events carry authorizationToken, its REQUEST events the request's
// headers (an HTTP API's payload 1.0 events are those); an HTTP API's
// payload 2.0 events add routeArn, rawPath and requestContext.http.
// Version is an HTTP API's payload format version ("1.0" or "2.0"), which
// REST events do not have; it takes any JSON value, so that no event fails
// to decode for it.
type event struct {
	events.APIGatewayCustomAuthorizerRequestTypeRequest
	AuthorizationToken string          `json:"authorizationToken"`
	Version            json.RawMessage `json:"version"`
	RouteARN           string          `json:"routeArn"`
	RawPath            string          `json:"rawPath"`
	// RequestContext is the REST request context (which it shadows in the
	// embedded request) and payload 2.0's http.method.
	RequestContext struct {
		events.APIGatewayCustomAuthorizerRequestTypeRequestContext
		HTTP struct {
			Method string `json:"method"`
		} `json:"http"`
	} `json:"requestContext"`
}

// decodeEvent decodes raw, of at most MaxEventSize bytes, into ev; its
// errors match decide.ErrBadEvent.
func decodeEvent(raw json.RawMessage, ev *event) error {
	if len(raw) > MaxEventSize {
		return fmt.Errorf("%w: %d bytes, the limit is %d", decide.ErrBadEvent, len(raw), MaxEventSize)
	}
	if err := json.Unmarshal(raw, ev); err != nil {
		return fmt.Errorf("%w: %w", decide.ErrBadEvent, err)
	}
	return nil
}

// restRequest reads a decoded REST API authorizer event, TOKEN or
// REQUEST, into a Request, taking a REQUEST event's token from header.
// What cannot be read is the Request's Err. It returns the event's type
// too, cut to 16 bytes, for the log.
func restRequest(ev *event, header string) (decide.Request, string) {
	eventType := ev.Type
	if len(eventType) > 16 {
		eventType = eventType[:16]
	}
	parse := policy.ParseMethodARN
	if string(ev.Version) == `"1.0"` {
		// An HTTP API's payload 1.0 event: its stage may be $default,
		// which no REST API has.
		parse = policy.ParseRouteARN
	}
	arn, err := parse(ev.MethodArn)
	if err != nil {
		return decide.Request{Err: err}, eventType
	}
	r := decide.Request{ARN: arn}
	switch ev.Type {
	case TokenEvent:
		r.Token = ev.AuthorizationToken
	case RequestEvent:
		r.Token, r.Err = headerToken(ev.Headers, ev.MultiValueHeaders, header)
	default:
		r.Err = fmt.Errorf("%w: event type %.16q is neither TOKEN nor REQUEST", decide.ErrBadEvent, ev.Type)
	}
	return r, eventType
}

// HTTPEventV2 is the log's event_type of an HTTP API's payload 2.0 event.
// An HTTP API's payload 1.0 event is a REST REQUEST event and is logged as
// one (RequestEvent).
const HTTPEventV2 = "http-v2"

// payload is an event's kind, as HandleEvent tells them apart.
type payload int

const (
	payloadREST    payload = iota // a REST API's TOKEN or REQUEST event, or an HTTP API's payload 1.0 one
	payloadHTTPV2                 // an HTTP API's payload 2.0 event
	payloadUnknown                // a payload format version other than 1.0 and 2.0
)

// payloadOf tells a decoded event's kind by its top-level "version": none
// (REST events have none) or "1.0" is the REST shape, "2.0" an HTTP API's
// payload 2.0.
func payloadOf(ev *event) payload {
	switch string(ev.Version) {
	case "", "null", `"1.0"`:
		return payloadREST
	case `"2.0"`:
		return payloadHTTPV2
	}
	return payloadUnknown
}

// readHTTPEvent reads an HTTP API's payload 2.0 event, decoded as ev,
// into a Request, taking the token from header (looked up
// case-insensitively: HTTP APIs send header names in lower case, and join
// a repeated header's values with commas, which no JWT holds). The
// Request's ARN is the routeArn's partition, region, account, API and stage
// (the stage may be $default), with the request's method
// (requestContext.http.method, which must be the routeArn's) and the
// routeArn's path (rawPath must agree with it): route rules match the
// concrete request, as they match a REST methodArn. The routeArn's API,
// account and stage must be the request context's.
func readHTTPEvent(ev *event, header string) decide.Request {
	if ev.Type != RequestEvent {
		return decide.Request{Err: fmt.Errorf("%w: payload 2.0 event type %.16q is not REQUEST", decide.ErrBadEvent, ev.Type)}
	}
	arn, err := routeARN(ev)
	if err != nil {
		return decide.Request{Err: err}
	}
	r := decide.Request{ARN: arn}
	r.Token, r.Err = headerToken(ev.Headers, nil, header)
	return r
}

// routeARN is the ARN a payload 2.0 event's decision is made on: see
// readHTTPEvent. Its errors match decide.ErrBadARN or
// policy.ErrBadMethodARN and quote nothing of the event.
func routeARN(ev *event) (policy.MethodARN, error) {
	arn, err := policy.ParseRouteARN(ev.RouteARN)
	if err != nil {
		return policy.MethodARN{}, fmt.Errorf("routeArn: %w", err)
	}
	rc := &ev.RequestContext
	if rc.APIID != arn.APIID || rc.AccountID != arn.Account || rc.Stage != arn.Stage {
		return policy.MethodARN{}, fmt.Errorf("%w: the routeArn's API, account or stage is not the request context's", decide.ErrBadARN)
	}
	if m := rc.HTTP.Method; m != "" && m != arn.Method {
		return policy.MethodARN{}, fmt.Errorf("%w: the request's method is not the routeArn's", decide.ErrBadARN)
	}
	// The decision is made on the routeArn's path, as a REST decision on
	// the methodArn's: it is what API Gateway checks an IAM answer
	// against, and it has no stage or base-path-mapping prefix, which
	// rawPath carries on a named stage or a custom domain (so that rules
	// would see "/prod/admin" for "/admin", and a {proxy+} rule allow it).
	// rawPath must agree: the same path, after whole leading segments.
	if !sameRequestPath(ev.RawPath, arn.Path) {
		return policy.MethodARN{}, fmt.Errorf("%w: rawPath does not end with the routeArn's path", decide.ErrBadARN)
	}
	if dotSegment(arn.Path) {
		// Whether API Gateway routes /x/../admin as /admin is not
		// documented: refused rather than guessed.
		return policy.MethodARN{}, fmt.Errorf("%w: a . or .. segment in the path", decide.ErrBadARN)
	}
	return arn, nil
}

// sameRequestPath reports whether rawPath (with its leading slash) is
// arnPath (without one), or ends with it after whole leading segments (a
// stage's name, a custom domain's base path). The root's arnPath is empty:
// any rawPath is its own (the decision is the root's).
func sameRequestPath(rawPath, arnPath string) bool {
	if !strings.HasPrefix(rawPath, "/") {
		return false
	}
	if arnPath == "" {
		return true
	}
	return rawPath == "/"+arnPath || strings.HasSuffix(rawPath, "/"+arnPath)
}

// dotSegment reports whether path has a "." or ".." segment, spelled as
// is or percent-encoded.
func dotSegment(path string) bool {
	for _, seg := range strings.Split(path, "/") {
		switch strings.ToLower(seg) {
		case ".", "..", "%2e", "%2e%2e", ".%2e", "%2e.":
			return true
		}
	}
	return false
}

// headerToken is the token in header (decide.HeaderValue), or why there is
// none: no such header is decide.ErrNoToken.
func headerToken(headers map[string]string, multiValue map[string][]string, header string) (string, error) {
	token, err := decide.HeaderValue(headers, multiValue, header)
	if token == "" && err == nil {
		err = fmt.Errorf("%w: no %s header", decide.ErrNoToken, header)
	}
	return token, err
}

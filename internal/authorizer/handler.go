// Package authorizer is the Lambda function's adapter for API Gateway's
// authorizer events: a REST API's TOKEN and REQUEST events (and an HTTP
// API's payload 1.0 events, which have the REQUEST shape), and an HTTP
// API's payload 2.0 events. It reads each into a decide.Request and renders
// each decide.Decision twice, as API Gateway's answer (rest.go, http.go)
// and as the invocation's one log line (log.go). It decides nothing itself.
//
// The answers follow API Gateway's contract: the error "Unauthorized" for a
// missing or invalid token (401), a Deny policy (or, for payload 2.0 simple
// answers, isAuthorized false) for a user who is signed in but not allowed
// (403), and any other error when the token could not be checked at all
// (500, which a REST API's gateway responses map to 503 so clients retry;
// HTTP APIs have none).
package authorizer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/gatehouse-dev/cognito-authorizer/internal/decide"
	"github.com/gatehouse-dev/cognito-authorizer/internal/netcalls"
)

// Errors the handler returns to API Gateway.
var (
	// ErrUnauthorized is API Gateway's contract for a 401: the text must be
	// exactly "Unauthorized".
	ErrUnauthorized = errors.New("Unauthorized") //nolint:staticcheck // API Gateway matches this text.
	// ErrUnavailable means the token could not be checked: no signing key
	// could be had, or the revocation store could not be read in time. API
	// Gateway answers 500 (AUTHORIZER_FAILURE).
	ErrUnavailable = errors.New("authorizer unavailable: the token could not be checked")
)

// DefaultTokenHeader is the header a REQUEST event's token is read from
// unless WithTokenHeader names another.
const DefaultTokenHeader = "Authorization"

// AnswerMargin is how long before Lambda's deadline the handler stops
// waiting (for keys, for stores) and answers: enough to write the answer
// and the log line, so that API Gateway gets its answer rather than
// Lambda's timeout. The settings' FUNCTION_TIMEOUT check counts the same
// (cmd/authorizer's test keeps the two equal).
const AnswerMargin = 150 * time.Millisecond

// Option configures a Handler.
type Option func(*Handler)

// WithTokenHeader names the header of a REQUEST event that holds the token
// (looked up case-insensitively); the default is DefaultTokenHeader.
func WithTokenHeader(name string) Option { return func(h *Handler) { h.tokenHeader = name } }

// Handler answers authorizer events. It is safe for concurrent use.
type Handler struct {
	decider         *decide.Decider
	tokenHeader     string
	httpAPIResponse HTTPAPIResponse
	log             *slog.Logger
	// routed: the Decider has route rules, and every line names a route.
	routed    bool
	namespace string   // WithMetrics
	metrics   *metrics // nil: no metrics
}

// New returns a Handler that decides with d and logs each decision to log.
// It panics if d or log is nil (the log line is the function's record of
// every decision, never optional) or if WithHTTPAPIResponse names no kind
// of answer.
func New(d *decide.Decider, log *slog.Logger, opts ...Option) *Handler {
	if d == nil || log == nil {
		panic("authorizer.New: nil Decider or Logger")
	}
	h := &Handler{decider: d, tokenHeader: DefaultTokenHeader, httpAPIResponse: HTTPAPISimple, log: log}
	for _, o := range opts {
		o(h)
	}
	checkHTTPAPIResponse(h.httpAPIResponse)
	h.routed = d.Routed()
	if h.namespace != "" {
		h.metrics = newMetrics(h.namespace, h.routed)
	}
	return h
}

// Handle is HandleEvent, the Lambda function's entry, for a REST API's
// event, TOKEN or REQUEST (an HTTP API's payload 1.0 event is one), with
// its answer typed: tests and tools call it, and so go through the entry
// Lambda runs. Its errors are ErrUnauthorized and ErrUnavailable only; a
// panic is recovered and answered ErrUnauthorized. It writes one log line.
// A payload 2.0 event is answered as HandleEvent answers it, its answer
// dropped (the zero response).
func (h *Handler) Handle(ctx context.Context, raw json.RawMessage) (events.APIGatewayCustomAuthorizerResponse, error) {
	resp, err := h.HandleEvent(ctx, raw)
	rest, _ := resp.(events.APIGatewayCustomAuthorizerResponse)
	return rest, err
}

// invocation is one event's decision and what its log line tells of it.
type invocation struct {
	start     time.Time
	cancel    context.CancelFunc
	d         decide.Decision
	eventType string
	// calls counts the key fetches and table reads the decision made,
	// for its metrics; nil without metrics.
	calls *netcalls.Counter
}

// begin starts the invocation's clock and returns ctx ending AnswerMargin
// before Lambda's deadline: the handler stops waiting for keys and stores
// in time to answer. With count, ctx also counts the network calls made
// for the decision (inv.calls).
func (inv *invocation) begin(ctx context.Context, count bool) context.Context {
	inv.start = time.Now()
	if deadline, ok := ctx.Deadline(); ok {
		ctx, inv.cancel = context.WithDeadline(ctx, deadline.Add(-AnswerMargin))
	}
	if count {
		ctx, inv.calls = netcalls.WithCounter(ctx)
	}
	return ctx
}

// finish, deferred, recovers a panic as ErrUnauthorized and writes the
// invocation's one log line.
func finish[T any](h *Handler, ctx context.Context, inv *invocation, resp *T, err *error) {
	if p := recover(); p != nil {
		var none T
		*resp, *err = none, ErrUnauthorized
		inv.d = decide.Decision{Outcome: decide.Unauthorized, Reason: decide.ReasonPanic,
			Err: fmt.Errorf("panic: %v\n%s", p, debug.Stack())}
	}
	if inv.cancel != nil {
		inv.cancel()
	}
	h.logDecision(ctx, inv)
}

// HandleEvent answers any authorizer event; it is the Lambda function's
// entry. An HTTP API's payload 2.0 event ("version": "2.0") is answered as
// WithHTTPAPIResponse says, with an
// events.APIGatewayV2CustomAuthorizerSimpleResponse or an
// events.APIGatewayV2CustomAuthorizerIAMPolicyResponse; every other event
// (a REST API's, an HTTP API's payload 1.0) exactly as Handle answers it,
// with an events.APIGatewayCustomAuthorizerResponse. A payload format
// version other than 1.0 and 2.0 is refused (ErrUnauthorized, reason
// bad_event). The errors, the deadline margin, the panic recovery and the
// one log line are Handle's; the log's event_type is HTTPEventV2 for
// payload 2.0 events.
func (h *Handler) HandleEvent(ctx context.Context, raw json.RawMessage) (resp any, err error) {
	var inv invocation
	ctx = inv.begin(ctx, h.metrics != nil)
	defer finish(h, ctx, &inv, &resp, &err)
	// One decoding, of every shape's fields, tells the payload 2.0 events
	// apart by their version.
	var (
		ev  event
		req decide.Request
	)
	if err := decodeEvent(raw, &ev); err != nil {
		req.Err = err
		// Logged as what it claims to be, when that much can be read.
		var v struct {
			Version json.RawMessage `json:"version"`
		}
		if json.Unmarshal(raw, &v) == nil && string(v.Version) == `"2.0"` {
			inv.eventType = HTTPEventV2
		}
	} else {
		switch payloadOf(&ev) {
		case payloadHTTPV2:
			inv.eventType = HTTPEventV2
			inv.d = h.decider.Decide(ctx, readHTTPEvent(&ev, h.tokenHeader))
			return httpAnswer(&inv.d, h.httpAPIResponse)
		case payloadUnknown:
			req.Err = fmt.Errorf("%w: payload format version is neither 1.0 nor 2.0", decide.ErrBadEvent)
		default:
			req, inv.eventType = restRequest(&ev, h.tokenHeader)
		}
	}
	inv.d = h.decider.Decide(ctx, req)
	rest, err := restAnswer(&inv.d)
	if err != nil {
		return nil, err
	}
	return rest, nil
}

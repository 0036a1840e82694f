// Package authorizer answers API Gateway's Lambda authorizer events: it finds
// the token in the event, has it verified, decides, and answers with an IAM
// policy whose context carries the token's claims.
//
// The answers follow API Gateway's contract: the error "Unauthorized" for a
// missing or invalid token (401), a Deny policy for a user who is signed in
// but not allowed (403), and any other error when the token could not be
// checked at all because the signing keys are unavailable (500, which the
// deployed API maps to 503 so clients retry).
//
// Each event shape has an adapter (event.go: a REST API's TOKEN and REQUEST
// events); the decision does not depend on the shape.
package authorizer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/gatehouse-dev/cognito-authorizer/internal/identity"
	"github.com/gatehouse-dev/cognito-authorizer/internal/policy"
	"github.com/gatehouse-dev/cognito-authorizer/internal/revocation"
	"github.com/gatehouse-dev/cognito-authorizer/internal/verify"
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

// Verifier checks a token; *verify.Verifier is one.
type Verifier interface {
	Verify(ctx context.Context, token string) (*verify.Claims, error)
}

// Revocations says whether a verified token's session or user was signed
// out; *revocation.Checker is one. Its error matches revocation.ErrRevoked
// (401) or revocation.ErrUnavailable (the outage answer).
type Revocations interface {
	Check(ctx context.Context, sub, originJTI string, issuedAt time.Time) error
}

// DefaultTokenHeader is the header a REQUEST event's token is read from
// when Config names none.
const DefaultTokenHeader = "Authorization"

// AnswerMargin is how long before Lambda's deadline the handler stops
// waiting (for keys, for stores) and answers: enough to write the answer
// and the log line, so that API Gateway gets its answer rather than
// Lambda's timeout. The settings' FUNCTION_TIMEOUT check counts the same
// (cmd/authorizer's test keeps the two equal).
const AnswerMargin = 150 * time.Millisecond

// Config is what the handler decides with, beyond the token's verification.
type Config struct {
	// TokenHeader is the header of a REQUEST event that holds the token.
	TokenHeader string
	// RequiredScopes and RequiredGroups must all be held by every caller,
	// whatever the route.
	RequiredScopes []string
	RequiredGroups []string
	// Rules decide per route; nil: every caller who holds the required
	// scopes and groups is allowed, over Scope.
	Rules *policy.Rules
	// Scope is what a policy covers when there are no Rules.
	Scope policy.Scope
	// Revocations, if set, is asked after a token verifies and before
	// groups and rules.
	Revocations Revocations
}

// Handler answers authorizer events. It is safe for concurrent use.
type Handler struct {
	cfg      Config
	verifier Verifier
	log      *slog.Logger
}

// New returns a Handler that verifies tokens with v and logs decisions to log.
func New(cfg Config, v Verifier, log *slog.Logger) *Handler {
	if cfg.TokenHeader == "" {
		cfg.TokenHeader = DefaultTokenHeader
	}
	return &Handler{cfg: cfg, verifier: v, log: log}
}

// Handle answers one authorizer event. Its errors are ErrUnauthorized and
// ErrUnavailable only; a panic is recovered and answered ErrUnauthorized.
// It writes one log line.
func (h *Handler) Handle(ctx context.Context, raw json.RawMessage) (resp events.APIGatewayCustomAuthorizerResponse, err error) {
	start := time.Now()
	var d Decision
	defer func() {
		if p := recover(); p != nil {
			resp, err = events.APIGatewayCustomAuthorizerResponse{}, ErrUnauthorized
			d = Decision{Outcome: Unauthorized, Reason: ReasonPanic, EventType: d.EventType,
				Err: fmt.Errorf("panic: %v\n%s", p, debug.Stack())}
		}
		d.log(ctx, h.log, time.Since(start))
	}()
	// Stop waiting for keys and stores in time to answer before Lambda's
	// deadline.
	if deadline, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline.Add(-AnswerMargin))
		defer cancel()
	}
	resp, d = h.decide(ctx, raw)
	switch d.Outcome {
	case Allow, Deny:
		return resp, nil
	case Unavailable:
		return events.APIGatewayCustomAuthorizerResponse{}, ErrUnavailable
	default:
		return events.APIGatewayCustomAuthorizerResponse{}, ErrUnauthorized
	}
}

// decide answers raw; only Allow and Deny carry a response.
func (h *Handler) decide(ctx context.Context, raw json.RawMessage) (events.APIGatewayCustomAuthorizerResponse, Decision) {
	var none events.APIGatewayCustomAuthorizerResponse
	req, err := decodeEvent(raw, h.cfg.TokenHeader)
	if err != nil {
		return none, Decision{Outcome: Unauthorized, Reason: ReasonBadEvent, Err: err}
	}
	d := Decision{EventType: req.eventType}
	arn, err := policy.ParseMethodARN(req.methodARN)
	if err != nil {
		d.Outcome, d.Reason, d.Err = Unauthorized, ReasonBadMethodARN, err
		return none, d
	}
	if req.tokenErr != nil {
		d.Outcome, d.Reason, d.Err = Unauthorized, tokenReason(req.tokenErr), req.tokenErr
		return none, d
	}
	claims, err := h.verifier.Verify(ctx, req.token)
	if err != nil {
		d.Outcome, d.Reason, d.Err = Unauthorized, verify.Reason(err), err
		if errors.Is(err, verify.ErrKeysUnavailable) {
			d.Outcome = Unavailable
		}
		return none, d
	}
	d.Identity = claims.Identity()
	if h.cfg.Revocations != nil {
		if err := h.cfg.Revocations.Check(ctx, d.Identity.Subject, claimString(claims, identity.KeyOriginJTI), claimTime(claims, identity.KeyIssuedAt)); err != nil {
			d.Outcome, d.Reason, d.Err = Unauthorized, revocation.Reason(err), err
			if errors.Is(err, revocation.ErrUnavailable) || d.Reason == "" {
				// Not known to be revoked, and not known not to be:
				// never an Allow, never a 401.
				d.Outcome, d.Reason = Unavailable, revocation.ReasonUnavailable
			}
			return none, d
		}
	}
	// API Gateway caches the whole answer per token and replays it on
	// every route the policy covers: principal, policy and context must
	// not depend on the route that triggered it. So every policy answer
	// carries the caller's context, a Deny of this route too, since its
	// policy may allow others.
	resp := events.APIGatewayCustomAuthorizerResponse{PrincipalID: d.Identity.Subject, Context: Context(claims)}
	if reason, err := h.required(d.Identity); err != nil {
		// Refused on every route: the Deny covers the stage.
		d.Outcome, d.Reason, d.Err = Deny, reason, err
		resp.PolicyDocument = document(policy.ScopedDocument(policy.Deny, arn, policy.ScopeStage))
		return resp, d
	}
	if h.cfg.Rules == nil {
		d.Outcome = Allow
		resp.PolicyDocument = document(policy.ScopedDocument(policy.Allow, arn, h.cfg.Scope))
		return resp, d
	}
	dec := h.cfg.Rules.Decide(arn, claims)
	d.Route = dec.Route
	resp.PolicyDocument = document(dec.Policy)
	if !dec.Allowed {
		d.Outcome, d.Reason = Deny, string(dec.Reason)
		return resp, d
	}
	d.Outcome = Allow
	return resp, d
}

func claimString(c *verify.Claims, name string) string {
	v, _ := c.Claim(name)
	s, _ := v.(string)
	return s
}

// claimTime reads a numeric date claim; zero when absent (verify has
// checked its range).
func claimTime(c *verify.Claims, name string) time.Time {
	v, _ := c.Claim(name)
	f, ok := v.(float64)
	if !ok {
		return time.Time{}
	}
	return time.Unix(int64(f), 0)
}

// required checks the scopes and groups every caller must hold.
func (h *Handler) required(id *verify.Identity) (reason string, err error) {
	for _, s := range h.cfg.RequiredScopes {
		if !slices.Contains(id.Scopes, s) {
			return ReasonMissingScope, fmt.Errorf("scope %q required", s)
		}
	}
	for _, g := range h.cfg.RequiredGroups {
		if !slices.Contains(id.Groups, g) {
			return ReasonMissingGroup, fmt.Errorf("group %q required", g)
		}
	}
	return "", nil
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

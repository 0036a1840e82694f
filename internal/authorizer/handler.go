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

	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
	"github.com/gatehouse-dev/cognito-authorizer/internal/verify"
)

// Errors the handler returns to API Gateway.
var (
	// ErrUnauthorized is API Gateway's contract for a 401: the text must be
	// exactly "Unauthorized".
	ErrUnauthorized = errors.New("Unauthorized") //nolint:staticcheck // API Gateway matches this text.
	// ErrUnavailable means the token could not be checked: no signing key
	// could be had. API Gateway answers 500 (AUTHORIZER_FAILURE).
	ErrUnavailable = errors.New("authorizer unavailable: signing keys could not be fetched")
)

// Verifier checks a token; *verify.Verifier is one.
type Verifier interface {
	Verify(ctx context.Context, token string) (*verify.Claims, error)
}

// Config is what the handler decides with, beyond the token's verification.
type Config struct {
	// TokenHeader is the header of a REQUEST event that holds the token.
	TokenHeader string
	// RequiredScopes and RequiredGroups must all be held by every caller.
	RequiredScopes []string
	RequiredGroups []string
	// PolicyResource says what an Allow covers.
	PolicyResource settings.PolicyResource
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
		cfg.TokenHeader = settings.DefaultTokenHeader
	}
	if cfg.PolicyResource == "" {
		cfg.PolicyResource = settings.DefaultPolicyResource
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
	resource, err := policyResource(req.methodARN, h.cfg.PolicyResource)
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
	if reason, err := h.allowed(d.Identity); err != nil {
		d.Outcome, d.Reason, d.Err = Deny, reason, err
		return events.APIGatewayCustomAuthorizerResponse{
			PrincipalID:    d.Identity.Subject,
			PolicyDocument: policy("Deny", resource),
		}, d
	}
	d.Outcome = Allow
	return events.APIGatewayCustomAuthorizerResponse{
		PrincipalID:    d.Identity.Subject,
		PolicyDocument: policy("Allow", resource),
		Context:        Context(claims),
	}, d
}

// allowed checks the scopes and groups every caller must hold.
func (h *Handler) allowed(id *verify.Identity) (reason string, err error) {
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

func policy(effect, resource string) events.APIGatewayCustomAuthorizerPolicy {
	return events.APIGatewayCustomAuthorizerPolicy{
		Version: "2012-10-17",
		Statement: []events.IAMPolicyStatement{{
			Action:   []string{"execute-api:Invoke"},
			Effect:   effect,
			Resource: []string{resource},
		}},
	}
}

// ConfigFrom takes the handler's part of the authorizer's settings.
func ConfigFrom(s settings.Authorizer) Config {
	return Config{
		TokenHeader:    s.TokenHeader,
		RequiredScopes: s.RequiredScopes,
		RequiredGroups: s.RequiredGroups,
		PolicyResource: s.PolicyResource,
	}
}

// Package authorizer answers API Gateway's TOKEN and REQUEST authorizer
// events: it finds the token in the event, has it verified, and answers with
// an IAM policy whose context carries the token's claims.
//
// The answers follow API Gateway's contract: the error "Unauthorized" for a
// missing or invalid token (401), a Deny policy for a user who is signed in
// but lacks a required group or scope (403), and any other error when the
// token could not be checked at all because the signing keys are unavailable
// (500, which the deployed API maps to 503 so clients retry).
package authorizer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/gatehouse-dev/cognito-authorizer/internal/cognito"
	"github.com/gatehouse-dev/cognito-authorizer/internal/identity"
)

// MaxEventSize bounds the event decoded, in bytes. A REQUEST event carries
// the request's headers and query string, which API Gateway caps well below
// this.
const MaxEventSize = 256 << 10

// Errors the handler returns to API Gateway.
var (
	// ErrUnauthorized is API Gateway's contract for a 401: the text must be
	// exactly "Unauthorized".
	ErrUnauthorized = errors.New("Unauthorized") //nolint:staticcheck // API Gateway matches this text.
	// ErrUnavailable means the token could not be checked: no signing key
	// could be had. API Gateway answers 500 (AUTHORIZER_FAILURE).
	ErrUnavailable = errors.New("authorizer unavailable: signing keys could not be fetched")
)

// Event types API Gateway sends.
const (
	TokenEvent   = "TOKEN"
	RequestEvent = "REQUEST"
)

// Verifier checks a token; *cognito.Verifier is one.
type Verifier interface {
	Verify(ctx context.Context, token string) (*cognito.Claims, error)
}

// Handler answers authorizer events. It is safe for concurrent use.
type Handler struct {
	cfg      Config
	verifier Verifier
	log      *slog.Logger
}

// New returns a Handler that verifies tokens with v and logs decisions to log.
func New(cfg Config, v Verifier, log *slog.Logger) *Handler {
	return &Handler{cfg: cfg, verifier: v, log: log}
}

// event is both kinds of authorizer event: TOKEN events carry
// authorizationToken, REQUEST events the request's headers.
type event struct {
	events.APIGatewayCustomAuthorizerRequestTypeRequest
	AuthorizationToken string `json:"authorizationToken"`
}

// decision is what the log line of one event says.
type decision struct {
	outcome   string // allow, deny, unauthorized, error
	reason    string
	eventType string
	sub       string
	tokenUse  string
	err       error
}

// Handle answers one authorizer event. Its errors are ErrUnauthorized and
// ErrUnavailable only; a panic is recovered and answered ErrUnauthorized.
func (h *Handler) Handle(ctx context.Context, raw json.RawMessage) (resp events.APIGatewayCustomAuthorizerResponse, err error) {
	start := time.Now()
	var d decision
	defer func() {
		if p := recover(); p != nil {
			resp, err = events.APIGatewayCustomAuthorizerResponse{}, ErrUnauthorized
			d = decision{outcome: "unauthorized", reason: "panic", eventType: d.eventType,
				err: fmt.Errorf("panic: %v\n%s", p, debug.Stack())}
		}
		h.logDecision(ctx, d, time.Since(start))
	}()
	resp, d = h.handle(ctx, raw)
	switch d.outcome {
	case "unauthorized":
		return events.APIGatewayCustomAuthorizerResponse{}, ErrUnauthorized
	case "error":
		return events.APIGatewayCustomAuthorizerResponse{}, ErrUnavailable
	}
	return resp, nil
}

func (h *Handler) handle(ctx context.Context, raw json.RawMessage) (events.APIGatewayCustomAuthorizerResponse, decision) {
	unauthorized := func(d decision, reason string, err error) (events.APIGatewayCustomAuthorizerResponse, decision) {
		d.outcome, d.reason, d.err = "unauthorized", reason, err
		return events.APIGatewayCustomAuthorizerResponse{}, d
	}
	var d decision
	if len(raw) > MaxEventSize {
		return unauthorized(d, "bad_event", fmt.Errorf("event of %d bytes, the limit is %d", len(raw), MaxEventSize))
	}
	var ev event
	if err := json.Unmarshal(raw, &ev); err != nil {
		return unauthorized(d, "bad_event", fmt.Errorf("decoding event: %w", err))
	}
	d.eventType = ev.Type
	if len(d.eventType) > 16 {
		d.eventType = d.eventType[:16]
	}
	resource, err := policyResource(ev.MethodArn, h.cfg.PolicyResource)
	if err != nil {
		return unauthorized(d, "bad_method_arn", err)
	}
	token, err := extractToken(ev, h.cfg.TokenHeader)
	if err != nil {
		return unauthorized(d, cognito.Reason(err), err)
	}
	claims, err := h.verifier.Verify(ctx, token)
	if err != nil {
		if errors.Is(err, cognito.ErrKeysUnavailable) {
			d.outcome, d.reason, d.err = "error", cognito.Reason(err), err
			return events.APIGatewayCustomAuthorizerResponse{}, d
		}
		return unauthorized(d, cognito.Reason(err), err)
	}
	d.sub, d.tokenUse = claims.Subject(), string(claims.TokenUse())
	if reason, err := h.allowed(claims); err != nil {
		d.outcome, d.reason, d.err = "deny", reason, err
		return events.APIGatewayCustomAuthorizerResponse{
			PrincipalID:    d.sub,
			PolicyDocument: policy("Deny", resource),
		}, d
	}
	d.outcome = "allow"
	return events.APIGatewayCustomAuthorizerResponse{
		PrincipalID:    d.sub,
		PolicyDocument: policy("Allow", resource),
		Context:        Context(claims),
	}, d
}

// allowed checks the configured scopes and groups.
func (h *Handler) allowed(c *cognito.Claims) (reason string, err error) {
	if len(h.cfg.RequiredScopes) > 0 {
		have := c.Scopes()
		for _, s := range h.cfg.RequiredScopes {
			if !slices.Contains(have, s) {
				return "missing_scope", fmt.Errorf("scope %q required", s)
			}
		}
	}
	if len(h.cfg.RequiredGroups) > 0 {
		have := c.Groups()
		for _, g := range h.cfg.RequiredGroups {
			if !slices.Contains(have, g) {
				return "missing_group", fmt.Errorf("group %q required", g)
			}
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

// Context flattens a token's claims into what API Gateway accepts in an
// authorizer context: strings, numbers and booleans. Arrays of strings, such
// as cognito:groups, become their elements joined with commas; objects and
// other arrays become JSON text. The user's name is also given under
// identity.KeyUsername and the app client under identity.KeyClientID,
// whichever the kind of token.
func Context(c *cognito.Claims) map[string]any {
	claims := c.Map()
	ctx := make(map[string]any, len(claims)+2)
	for k, v := range claims {
		switch v := v.(type) {
		case string, float64, bool:
			ctx[k] = v
		case nil:
		case []any:
			ctx[k] = joinStrings(v)
		default:
			b, _ := json.Marshal(v)
			ctx[k] = string(b)
		}
	}
	ctx[identity.KeyUsername] = c.Username()
	ctx[identity.KeyClientID] = c.ClientID()
	return ctx
}

// joinStrings joins an array of strings with commas, as API Gateway users
// expect cognito:groups. An array holding anything else is kept whole as
// JSON text (Cognito's identities claim is an array of objects).
func joinStrings(v []any) string {
	parts := make([]string, 0, len(v))
	for _, e := range v {
		s, ok := e.(string)
		if !ok {
			b, _ := json.Marshal(v)
			return string(b)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ",")
}

func (h *Handler) logDecision(ctx context.Context, d decision, elapsed time.Duration) {
	level := slog.LevelInfo
	if d.outcome == "error" || d.reason == "panic" {
		level = slog.LevelError
	}
	attrs := make([]slog.Attr, 0, 8)
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		attrs = append(attrs, slog.String("request_id", lc.AwsRequestID))
	}
	attrs = append(attrs,
		slog.String("decision", d.outcome),
		slog.String("event_type", d.eventType),
	)
	if d.reason != "" {
		attrs = append(attrs, slog.String("reason", d.reason))
	}
	if d.sub != "" {
		attrs = append(attrs, slog.String("sub", d.sub), slog.String("token_use", d.tokenUse))
	}
	if d.err != nil {
		attrs = append(attrs, slog.String("error", d.err.Error()))
	}
	attrs = append(attrs, slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000))
	h.log.LogAttrs(ctx, level, "authorizer decision", attrs...)
}

package signout

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// deadlineMargin is how long before the invocation's deadline the calls to
// DynamoDB and Cognito are abandoned, so that the function still answers
// with its own 500 instead of API Gateway's bare 502.
const deadlineMargin = 300 * time.Millisecond

// Handler answers POST /sign-out through API Gateway's REST Lambda proxy
// integration. It is safe for concurrent use.
type Handler struct {
	issuers     []string
	store       Store
	pool        Pool
	flusher     Flusher
	log         *slog.Logger
	now         func() time.Time
	maxValidity time.Duration
	maxRefresh  time.Duration
}

// Option configures a Handler.
type Option func(*Handler)

// WithClock sets the clock (default time.Now).
func WithClock(now func() time.Time) Option { return func(h *Handler) { h.now = now } }

// WithRefreshMaxValidity sets the longest validity of the pool's refresh
// tokens (default DefaultRefreshMaxValidity): a session's revocation must
// outlive the refresh token that can mint new tokens of that session.
func WithRefreshMaxValidity(d time.Duration) Option {
	return func(h *Handler) { h.maxRefresh = d }
}

// WithTokenMaxValidity sets the longest validity of the pool's ID and access
// tokens (default DefaultTokenMaxValidity).
func WithTokenMaxValidity(d time.Duration) Option {
	return func(h *Handler) { h.maxValidity = d }
}

// WithIssuers limits sign-out to callers whose context's iss is one of
// issuers: the pool's own (cognito.Issuers). The authorizer may accept
// several issuers; the sign-out writes sub and origin_jti items and signs
// out, by name, in one pool only, so a caller of another issuer, whose
// name may be a user's of this pool, must not reach it (403).
func WithIssuers(issuers ...string) Option {
	return func(h *Handler) { h.issuers = append([]string(nil), issuers...) }
}

// WithFlusher has every sign-out also flush API Gateway's authorizer cache
// of the stage the request came through (default: no flush).
func WithFlusher(f Flusher) Option { return func(h *Handler) { h.flusher = f } }

// NewHandler returns a Handler recording sign-outs in store, signing users
// out everywhere at pool and logging one line per request to log (log nil:
// discarded).
func NewHandler(store Store, pool Pool, log *slog.Logger, opts ...Option) *Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := &Handler{store: store, pool: pool, log: log, now: time.Now, maxValidity: DefaultTokenMaxValidity, maxRefresh: DefaultRefreshMaxValidity}
	for _, opt := range opts {
		opt(h)
	}
	return h
}

type message struct {
	Message string `json:"message"`
}

// outcome is what serve decided, and what the log line says about it.
type outcome struct {
	status  int
	message string // the body's message; none for 204
	caller  caller
	scope   string // "session" or "everywhere"
	item    string // the kind of item written: "jti" or "sub"
	reason  string // why a request was refused with 400 or 403
	flushed bool
	err     error // what went wrong, for 401 and 500
	// flushErr is a failed flush, which does not fail the sign-out.
	flushErr error
}

// Handle answers one request:
//
//   - 204 without a body when the sign-out is recorded;
//   - 400 with {"message"} saying what is wrong with the body;
//   - 403 {"message"} for a caller of another issuer than the pool's
//     (WithIssuers);
//   - 401 {"message": "Unauthorized"} when the authorizer context has no
//     sub (the method was deployed without the authorizer);
//   - 500 with {"message"} when the sign-out could not be completed; what
//     was not done is said there, and the caller's tokens still work, so
//     the client can try again.
//
// It returns a nil error in every case: an error returned to Lambda would
// reach the caller as API Gateway's bare 502.
func (h *Handler) Handle(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	start := h.now()
	out := h.serve(ctx, req)
	h.logOutcome(ctx, req, out, h.now().Sub(start))
	if out.status == http.StatusNoContent {
		return events.APIGatewayProxyResponse{StatusCode: out.status}, nil
	}
	body, _ := json.Marshal(message{out.message})
	return events.APIGatewayProxyResponse{
		StatusCode: out.status,
		Headers:    map[string]string{"Content-Type": "application/json"},
		Body:       string(body),
	}, nil
}

func (h *Handler) serve(ctx context.Context, req events.APIGatewayProxyRequest) outcome {
	c, err := callerFrom(req.RequestContext.Authorizer)
	if err != nil {
		return outcome{status: http.StatusUnauthorized, message: "Unauthorized",
			err: fmt.Errorf("%w: is the method deployed without the authorizer?", err)}
	}
	if h.issuers != nil && !slices.Contains(h.issuers, c.issuer) {
		return outcome{status: http.StatusForbidden, message: "Forbidden: sign-out is for the user pool's own users", caller: c, reason: "other_issuer"}
	}
	everywhere, rej := readBody(req)
	if rej != nil {
		return outcome{status: http.StatusBadRequest, message: rej.Message, caller: c, reason: rej.Reason}
	}

	if deadline, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline.Add(-deadlineMargin))
		defer cancel()
	}
	out := outcome{status: http.StatusNoContent, caller: c, scope: "session"}
	if !everywhere && c.originJTI != "" {
		// The session's refresh token mints tokens of this origin_jti
		// until it expires: so must the item live.
		out.item = "jti"
		if err := h.store.RevokeSession(ctx, c.originJTI, h.now().Add(h.maxRefresh+Leeway)); err != nil {
			out.status, out.err = http.StatusInternalServerError, err
			out.message = "internal error: the sign-out was not recorded; try again"
			return out
		}
	} else {
		// Everywhere, or no session to name: the user's tokens issued
		// until now are refused, and their refresh tokens revoked, or a
		// refreshed token (a later iat) would pass at once.
		out.scope, out.item = "everywhere", "sub"
		if !everywhere {
			out.scope = "everywhere (no origin_jti)"
		}
		if err := h.pool.SignOutEverywhere(ctx, c.username); err != nil {
			out.status, out.err = http.StatusInternalServerError, err
			out.message = "internal error: the sign-out was not completed and nothing was recorded; try again"
			return out
		}
		// The time is read once Cognito has answered: until then a refresh
		// token could still mint a token, whose iat must fall before
		// revokedBefore. ClockSkew more allows for Cognito's clock, which
		// writes iat, running ahead of this one.
		before := h.now().Add(ClockSkew)
		expiresAt := before.Add(h.maxValidity + Leeway)
		if exp := c.expiresAt.Add(Leeway); exp.After(expiresAt) {
			expiresAt = exp
		}
		if err := h.store.RevokeUser(ctx, c.sub, before, expiresAt); err != nil {
			out.status, out.err = http.StatusInternalServerError, err
			out.message = "internal error: the sign-out was not recorded (refresh tokens were revoked); try again"
			return out
		}
	}

	if h.flusher != nil {
		rc := req.RequestContext
		if err := h.flusher.FlushAuthorizerCache(ctx, rc.APIID, rc.Stage); err != nil {
			out.flushErr = err
		} else {
			out.flushed = true
		}
	}
	return out
}

// logOutcome writes the request's one log line: ids and the outcome, never
// the headers (which carry the token).
func (h *Handler) logOutcome(ctx context.Context, req events.APIGatewayProxyRequest, out outcome, took time.Duration) {
	attrs := []slog.Attr{
		slog.Int("status", out.status),
		slog.String("api_request_id", req.RequestContext.RequestID),
	}
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		attrs = append(attrs, slog.String("request_id", lc.AwsRequestID))
	}
	if out.caller.sub != "" {
		attrs = append(attrs, slog.String("sub", out.caller.sub))
	}
	if out.scope != "" {
		attrs = append(attrs, slog.String("scope", out.scope))
	}
	if out.item != "" {
		attrs = append(attrs, slog.String("item", out.item))
	}
	if out.reason != "" {
		attrs = append(attrs, slog.String("reason", out.reason))
	}
	if out.flushed {
		attrs = append(attrs, slog.Bool("authorizer_cache_flushed", true))
	}
	if out.err != nil {
		attrs = append(attrs, slog.String("error", out.err.Error()))
	}
	if out.flushErr != nil {
		attrs = append(attrs, slog.String("flush_error", out.flushErr.Error()))
	}
	attrs = append(attrs, slog.Float64("duration_ms", float64(took.Microseconds())/1000))
	level := slog.LevelInfo
	if out.status >= http.StatusInternalServerError || out.status == http.StatusUnauthorized || out.flushErr != nil {
		level = slog.LevelError
	}
	h.log.LogAttrs(ctx, level, "sign-out", attrs...)
}

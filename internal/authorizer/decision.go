package authorizer

import (
	"context"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/gatehouse-dev/cognito-authorizer/internal/verify"
)

// Outcome is what the authorizer answers API Gateway.
type Outcome int

// The four answers. Their String is the decision field of the log line.
const (
	// Allow is an Allow policy: API Gateway calls the method.
	Allow Outcome = iota + 1
	// Deny is a Deny policy for a caller who is signed in but not allowed:
	// API Gateway answers 403.
	Deny
	// Unauthorized is the error "Unauthorized": API Gateway answers 401.
	Unauthorized
	// Unavailable is any other error: the token could not be checked at
	// all. API Gateway answers 500, which the deployed API maps to 503.
	Unavailable
)

// String returns the outcome's name in the logs.
func (o Outcome) String() string {
	switch o {
	case Allow:
		return "allow"
	case Deny:
		return "deny"
	case Unauthorized:
		return "unauthorized"
	case Unavailable:
		return "error"
	}
	return "unknown"
}

// Reasons the authorizer gives of its own. A token's failure is named by
// verify.Reason ("expired", "bad_signature", ...), extraction's by
// tokenReason, a route rule's refusal by policy.Reason ("not_owner",
// "no_rule", ...), a sign-out by revocation.Reason ("revoked",
// "revocation_unavailable").
const (
	ReasonBadEvent     = "bad_event"
	ReasonBadMethodARN = "bad_method_arn"
	ReasonPanic        = "panic"
	ReasonNoToken      = "no_token"
	ReasonMalformed    = "malformed"
	ReasonMissingGroup = "missing_group"
	ReasonMissingScope = "missing_scope"
)

// Decision is the answer to one event and why, as its log line tells it.
type Decision struct {
	Outcome Outcome
	// Reason names why the caller was not allowed, or the outage; empty
	// for Allow.
	Reason string
	// EventType is the event's type as sent (TOKEN or REQUEST), cut to 16
	// bytes.
	EventType string
	// Identity is the verified caller, nil when the token did not verify.
	Identity *verify.Identity
	// Route is the route rule that decided, if any.
	Route string
	// Err is the detail for the log; it never reaches the caller.
	Err error
}

// log writes d as the invocation's one log line. The token is never logged;
// the caller is named by sub only.
func (d *Decision) log(ctx context.Context, l *slog.Logger, elapsed time.Duration) {
	level := slog.LevelInfo
	if d.Outcome == Unavailable || d.Reason == ReasonPanic {
		level = slog.LevelError
	}
	attrs := make([]slog.Attr, 0, 8)
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		attrs = append(attrs, slog.String("request_id", lc.AwsRequestID))
	}
	attrs = append(attrs,
		slog.String("decision", d.Outcome.String()),
		slog.String("event_type", d.EventType),
	)
	if d.Reason != "" {
		attrs = append(attrs, slog.String("reason", d.Reason))
	}
	if d.Route != "" {
		attrs = append(attrs, slog.String("route", d.Route))
	}
	if d.Identity != nil {
		attrs = append(attrs, slog.String("sub", d.Identity.Subject), slog.String("token_use", d.Identity.TokenUse))
	}
	if d.Err != nil {
		attrs = append(attrs, slog.String("error", d.Err.Error()))
	}
	attrs = append(attrs, slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000))
	l.LogAttrs(ctx, level, "authorizer decision", attrs...)
}

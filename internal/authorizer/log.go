package authorizer

import (
	"context"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/gatehouse-dev/cognito-authorizer/internal/decide"
)

// none is the log line's reason of an Allow and, with route rules, its
// route when no rule matched: a dimension's value must be a non-empty
// string.
const none = "none"

// logDecision renders inv's decision as the invocation's one log line,
// with its metrics when they are on (metrics.go). The token is never
// logged; the caller is named by sub and issuer only.
func (h *Handler) logDecision(ctx context.Context, inv *invocation) {
	d := &inv.d
	level := slog.LevelInfo
	if d.Outcome == decide.Unavailable || d.Reason == decide.ReasonPanic {
		level = slog.LevelError
	}
	if !h.log.Enabled(ctx, level) {
		return
	}
	// One clock reading: the line's timestamp, its duration and its
	// metrics' Timestamp agree.
	now := time.Now()
	elapsed := now.Sub(inv.start)
	attrs := make([]slog.Attr, 0, 16)
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		attrs = append(attrs, slog.String("request_id", lc.AwsRequestID))
	}
	reason := string(d.Reason)
	if d.Reason == decide.ReasonNone {
		reason = none
	}
	attrs = append(attrs,
		slog.String("decision", d.Outcome.String()),
		slog.String("event_type", inv.eventType),
		slog.String("reason", reason),
	)
	if route := d.Route; route != "" || h.routed {
		if route == "" {
			route = none
		}
		attrs = append(attrs, slog.String("route", route))
	}
	if d.Identity != nil {
		attrs = append(attrs,
			slog.String("sub", d.Identity.Subject),
			slog.String("iss", d.Identity.Issuer),
			slog.String("token_use", d.Identity.TokenUse))
	}
	if d.Err != nil {
		attrs = append(attrs, slog.String("error", d.Err.Error()))
	}
	ms := float64(elapsed.Microseconds()) / 1000
	attrs = append(attrs, slog.Float64("duration_ms", ms))
	if h.metrics != nil {
		attrs = h.metrics.append(attrs, d.Outcome, ms, inv.calls, now)
	}
	r := slog.NewRecord(now, level, "authorizer decision", 0)
	r.AddAttrs(attrs...)
	_ = h.log.Handler().Handle(ctx, r)
}

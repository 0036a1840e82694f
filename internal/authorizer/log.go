package authorizer

import (
	"context"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/gatehouse-dev/cognito-authorizer/internal/decide"
)

// logDecision renders d as the invocation's one log line. The token is
// never logged; the caller is named by sub and issuer only.
func logDecision(ctx context.Context, l *slog.Logger, d *decide.Decision, eventType string, elapsed time.Duration) {
	level := slog.LevelInfo
	if d.Outcome == decide.Unavailable || d.Reason == decide.ReasonPanic {
		level = slog.LevelError
	}
	attrs := make([]slog.Attr, 0, 10)
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		attrs = append(attrs, slog.String("request_id", lc.AwsRequestID))
	}
	attrs = append(attrs,
		slog.String("decision", d.Outcome.String()),
		slog.String("event_type", eventType),
	)
	if d.Reason != decide.ReasonNone {
		attrs = append(attrs, slog.String("reason", string(d.Reason)))
	}
	if d.Route != "" {
		attrs = append(attrs, slog.String("route", d.Route))
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
	attrs = append(attrs, slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000))
	l.LogAttrs(ctx, level, "authorizer decision", attrs...)
}

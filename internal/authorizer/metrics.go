package authorizer

import (
	"encoding/json"
	"log/slog"
	"time"

	"github.com/gatehouse-dev/cognito-authorizer/internal/decide"
	"github.com/gatehouse-dev/cognito-authorizer/internal/netcalls"
)

// The metrics and dimensions of the decision lines: settings names them
// for the deploy templates (settings.MetricDecisions...), which this
// package does not import; the tests read the lines by settings' names.
const (
	metricDecisions         = "Decisions"
	metricDecisionLatency   = "DecisionLatency"
	metricJWKSFetches       = "JWKSFetches"
	metricRevocationLookups = "RevocationLookups"
	dimensionOutcome        = "outcome"
	dimensionReason         = "reason"
	dimensionRoute          = "route"
)

// WithMetrics has each decision's log line carry its metrics, in the
// CloudWatch namespace given, in CloudWatch's Embedded Metric Format
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html):
// CloudWatch Logs extracts them from the line, with no API call and no
// permission beyond writing logs. The namespace must be one CloudWatch
// accepts (settings checks METRICS_NAMESPACE); empty, the default: no
// metrics.
//
// Each line then holds the members outcome, reason ("none" for an Allow),
// Decisions (1) and DecisionLatency (milliseconds, the line's duration_ms),
// with the dimension sets [outcome] and [outcome, reason] and, when the
// Decider has route rules, [route, outcome] (route "none" when no rule
// matched). A line whose invocation fetched an issuer's keys or read the
// revocation table adds JWKSFetches or RevocationLookups (Count), each
// defined on that line only.
func WithMetrics(namespace string) Option { return func(h *Handler) { h.namespace = namespace } }

// metrics renders a decision's metrics as EMF members of its log line.
type metrics struct {
	// directives are the line's _aws.CloudWatchMetrics, by the optional
	// metrics it carries (bit 0 JWKSFetches, bit 1 RevocationLookups),
	// rendered once at New: a line marshals no JSON of its own.
	directives [4]json.RawMessage
}

// The EMF metric directive (the specification's MetricDirective and
// MetricDefinition objects).
type (
	metricDirective struct {
		Namespace  string             `json:"Namespace"`
		Dimensions [][]string         `json:"Dimensions"`
		Metrics    []metricDefinition `json:"Metrics"`
	}
	metricDefinition struct {
		Name string `json:"Name"`
		Unit string `json:"Unit"`
	}
)

// newMetrics renders the directives of namespace; routed adds the
// dimension set [route, outcome].
func newMetrics(namespace string, routed bool) *metrics {
	dimensions := [][]string{{dimensionOutcome}, {dimensionOutcome, dimensionReason}}
	if routed {
		dimensions = append(dimensions, []string{dimensionRoute, dimensionOutcome})
	}
	m := &metrics{}
	for set := range m.directives {
		defs := []metricDefinition{{metricDecisions, "Count"}, {metricDecisionLatency, "Milliseconds"}}
		if set&1 != 0 {
			defs = append(defs, metricDefinition{metricJWKSFetches, "Count"})
		}
		if set&2 != 0 {
			defs = append(defs, metricDefinition{metricRevocationLookups, "Count"})
		}
		b, err := json.Marshal([]metricDirective{{Namespace: namespace, Dimensions: dimensions, Metrics: defs}})
		if err != nil {
			panic("authorizer: the metric directive does not marshal: " + err.Error())
		}
		m.directives[set] = b
	}
	return m
}

// append adds to a line's attrs its metrics' members and the _aws object
// that declares them, timestamped now. The dimensions reason and route are
// the line's own members, which logDecision writes.
func (m *metrics) append(attrs []slog.Attr, o decide.Outcome, latencyMS float64, calls *netcalls.Counter, now time.Time) []slog.Attr {
	attrs = append(attrs,
		slog.String(dimensionOutcome, o.String()),
		slog.Int(metricDecisions, 1),
		slog.Float64(metricDecisionLatency, latencyMS))
	set := 0
	if n := calls.Count(netcalls.JWKSFetch); n > 0 {
		attrs = append(attrs, slog.Int64(metricJWKSFetches, n))
		set |= 1
	}
	if n := calls.Count(netcalls.RevocationLookup); n > 0 {
		attrs = append(attrs, slog.Int64(metricRevocationLookups, n))
		set |= 2
	}
	return append(attrs, slog.Attr{Key: "_aws", Value: slog.GroupValue(
		slog.Int64("Timestamp", now.UnixMilli()),
		// A pointer, which an interface holds without allocating.
		slog.Any("CloudWatchMetrics", &m.directives[set]),
	)})
}

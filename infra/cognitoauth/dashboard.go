package cognitoauth

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/jsii-runtime-go"

	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
)

// MetricsPeriodMinutes is the period of the dashboard's graphs and of the
// alarm.
const MetricsPeriodMinutes = 5

func metricsPeriod() awscdk.Duration {
	return awscdk.Duration_Minutes(jsii.Number(MetricsPeriodMinutes))
}

// outcomeColor keeps each outcome's color the same on every graph.
func outcomeColor(outcome string) *string {
	switch outcome {
	case "allow":
		return awscloudwatch.Color_GREEN()
	case "deny":
		return awscloudwatch.Color_ORANGE()
	case "unauthorized":
		return awscloudwatch.Color_BLUE()
	case "unavailable":
		return awscloudwatch.Color_RED()
	}
	return nil
}

// MetricsNamespace is the CloudWatch namespace of the function's metrics:
// Props.MetricsNamespace or settings.DefaultMetricsNamespace.
func (a *Authorizer) MetricsNamespace() string {
	return a.props.MetricsNamespace
}

// MetricDecisions is the count of decisions with the outcome (one of
// settings.Outcomes), summed over MetricsPeriodMinutes.
func (a *Authorizer) MetricDecisions(outcome string) awscloudwatch.Metric {
	return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
		Namespace:     jsii.String(a.props.MetricsNamespace),
		MetricName:    jsii.String(settings.MetricDecisions),
		DimensionsMap: &map[string]*string{settings.DimensionOutcome: jsii.String(outcome)},
		Statistic:     jsii.String("Sum"),
		Period:        metricsPeriod(),
		Label:         jsii.String(outcome),
		Color:         outcomeColor(outcome),
	})
}

// addMonitoring adds the dashboard and the alarm that Props leave in.
// The alarm comes first, so that the dashboard can show it.
func (a *Authorizer) addMonitoring() {
	if !a.props.NoAlarms {
		a.UnavailableAlarm = awscloudwatch.NewAlarm(a.Construct, jsii.String("UnavailableAlarm"), &awscloudwatch.AlarmProps{
			AlarmDescription: jsii.String("The Cognito authorizer answered Unavailable (API Gateway's 503): " +
				"a key set or the revocation table could not be read in time. The function's log lines say which."),
			Metric:             a.MetricDecisions("unavailable"),
			Threshold:          jsii.Number(1),
			EvaluationPeriods:  jsii.Number(1),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
			// No decision at all is no outage of the authorizer.
			TreatMissingData: awscloudwatch.TreatMissingData_NOT_BREACHING,
		})
	}
	if a.props.NoDashboard {
		return
	}
	a.Dashboard = awscloudwatch.NewDashboard(a.Construct, jsii.String("Dashboard"), &awscloudwatch.DashboardProps{
		DefaultInterval: awscdk.Duration_Hours(jsii.Number(3)),
	})
	byOutcome := make([]awscloudwatch.IMetric, len(settings.Outcomes))
	for i, o := range settings.Outcomes {
		byOutcome[i] = a.MetricDecisions(o)
	}
	a.Dashboard.AddWidgets(
		graph("Decisions by outcome", 12, byOutcome...),
		// Reasons are many and grow with the authorizer: a search finds
		// every outcome and reason that occurred.
		graph("Decisions by reason", 12, a.search(settings.MetricDecisions, "Sum",
			"${PROP('Dim."+settings.DimensionOutcome+"')} ${PROP('Dim."+settings.DimensionReason+"')}",
			settings.DimensionOutcome, settings.DimensionReason)),
	)

	// DecisionLatency has no dimensionless set (every set of the line
	// holds outcome or route), and percentiles do not add up across
	// outcomes:
	// p50 and p99 of each outcome.
	latency := graph("Decision latency p50 and p99 (ms)", 8,
		a.search(settings.MetricDecisionLatency, "p50", "p50 ${PROP('Dim."+settings.DimensionOutcome+"')}", settings.DimensionOutcome),
		a.search(settings.MetricDecisionLatency, "p99", "p99 ${PROP('Dim."+settings.DimensionOutcome+"')}", settings.DimensionOutcome))
	fetchesTitle, fetches := "JWKS fetches", []awscloudwatch.IMetric{a.total(settings.MetricJWKSFetches, "JWKS fetches")}
	if a.props.RevocationTable != nil {
		fetchesTitle = "JWKS fetches and revocation lookups"
		fetches = append(fetches, a.total(settings.MetricRevocationLookups, "revocation table reads"))
	}
	row := []awscloudwatch.IWidget{latency, graph(fetchesTitle, 8, fetches...)}
	if a.UnavailableAlarm != nil {
		row = append(row, awscloudwatch.NewAlarmWidget(&awscloudwatch.AlarmWidgetProps{
			Title:  jsii.String("Unavailable decisions (alarm)"),
			Alarm:  a.UnavailableAlarm,
			Width:  jsii.Number(8),
			Height: jsii.Number(6),
		}))
	} else {
		row = append(row, graph("Unavailable decisions", 8, a.MetricDecisions("unavailable")))
	}
	a.Dashboard.AddWidgets(row...)
}

// graph is a line graph of metrics, width columns of the dashboard's 24
// wide and 6 high.
func graph(title string, width float64, metrics ...awscloudwatch.IMetric) awscloudwatch.GraphWidget {
	return awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
		Title:  jsii.String(title),
		Left:   &metrics,
		Width:  jsii.Number(width),
		Height: jsii.Number(6),
		Period: metricsPeriod(),
	})
}

// search is a SEARCH expression over the metric name's dimension set
// dims (exactly those dimensions) in the namespace: one line per
// combination of their values that occurred, labelled by label (a
// dynamic label: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/graph-dynamic-labels.html).
func (a *Authorizer) search(metric, stat, label string, dims ...string) awscloudwatch.MathExpression {
	return awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
		Expression: jsii.String(SearchExpression(a.props.MetricsNamespace, metric, stat, dims...)),
		Label:      jsii.String(label),
		Period:     metricsPeriod(),
	})
}

// total is the sum over every outcome of a count the log line carries per
// outcome.
func (a *Authorizer) total(metric, label string) awscloudwatch.MathExpression {
	return awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
		Expression: jsii.String("SUM(" + SearchExpression(a.props.MetricsNamespace, metric, "Sum", settings.DimensionOutcome) + ")"),
		Label:      jsii.String(label),
		Period:     metricsPeriod(),
	})
}

// SearchExpression is CloudWatch's SEARCH of the metric named metric with
// exactly the dimensions dims in namespace, as statistic stat
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/search-expression-syntax.html).
// A namespace of other characters than letters and digits is quoted, as
// the syntax asks.
func SearchExpression(namespace, metric, stat string, dims ...string) string {
	schema := append([]string{quoteSchemaName(namespace)}, dims...)
	return fmt.Sprintf(`SEARCH('{%s} MetricName="%s"', '%s')`, strings.Join(schema, ","), metric, stat)
}

func quoteSchemaName(s string) string {
	for _, c := range s {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return `"` + s + `"`
		}
	}
	return s
}

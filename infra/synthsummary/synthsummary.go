// Package synthsummary reads the monitoring of a synthesized CloudFormation
// template: its dashboards (their bodies resolved, widgets and metrics as
// values, the grid drawn as text), its alarms and its metric filters. make
// synth prints it (cmd/synth-summary), and the tests read dashboards through
// it.
//
// A dashboard body is the JSON document of
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html;
// the CDK writes it as an Fn::Join of strings and references, which Render
// turns back into one string.
package synthsummary

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Template is what the package reads of a template.
type Template struct {
	Resources map[string]Resource
}

// Resource is one resource of a Template.
type Resource struct {
	Type       string
	Properties map[string]any
}

// Parse reads a template in JSON.
func Parse(raw []byte) (Template, error) {
	var t Template
	if err := json.Unmarshal(raw, &t); err != nil {
		return Template{}, fmt.Errorf("parsing the template: %w", err)
	}
	return t, nil
}

// ofType returns the logical ids of the resources of type typ, sorted.
func (t Template) ofType(typ string) []string {
	var ids []string
	for id, r := range t.Resources {
		if r.Type == typ {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// Render writes a template value as one string: a literal as it is, an
// Fn::Join's parts joined, a Ref as ${LogicalId}, an Fn::GetAtt as
// ${LogicalId.Attribute}, an Fn::Sub's template as it is; anything else as
// its JSON. References render without quotes or backslashes, so that a
// JSON document joined around them stays valid.
func Render(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case map[string]any:
		if join, ok := v["Fn::Join"].([]any); ok && len(join) == 2 {
			sep, _ := join[0].(string)
			parts, _ := join[1].([]any)
			out := make([]string, len(parts))
			for i, p := range parts {
				out[i] = Render(p)
			}
			return strings.Join(out, sep)
		}
		if ref, ok := v["Ref"].(string); ok {
			return "${" + ref + "}"
		}
		if att, ok := v["Fn::GetAtt"].([]any); ok && len(att) == 2 {
			return fmt.Sprintf("${%v.%v}", att[0], att[1])
		}
		if sub, ok := v["Fn::Sub"].(string); ok {
			return sub
		}
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// Dashboard is an AWS::CloudWatch::Dashboard of a template.
type Dashboard struct {
	// ID is its logical id.
	ID      string
	Widgets []Widget `json:"widgets"`
}

// Widget is one widget of a dashboard body: its place on the grid of 24
// columns, and what it shows.
type Widget struct {
	Type       string `json:"type"`
	X          int    `json:"x"`
	Y          int    `json:"y"`
	Width      int    `json:"width"`
	Height     int    `json:"height"`
	Properties struct {
		Title   string  `json:"title"`
		Period  int     `json:"period"`
		Metrics [][]any `json:"metrics"`
		// Annotations.Alarms holds an alarm widget's alarm ARNs.
		Annotations struct {
			Alarms []string `json:"alarms"`
		} `json:"annotations"`
	} `json:"properties"`
}

// Metric is one entry of a metric widget's metrics array: a metric by
// namespace, name and dimensions, or an expression.
type Metric struct {
	Namespace, Name string
	// Dimensions are name, value pairs in their order.
	Dimensions []string
	Expression string
	Label      string
	Stat       string
}

// Metrics returns the widget's metrics: each array's leading strings are
// the namespace, the name and dimension pairs, its last object the
// options (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html#CloudWatch-Dashboard-Properties-Metrics-Array-Format).
func (w Widget) Metrics() []Metric {
	var out []Metric
	for _, entry := range w.Properties.Metrics {
		var m Metric
		var names []string
		for _, e := range entry {
			switch e := e.(type) {
			case string:
				names = append(names, e)
			case map[string]any:
				m.Expression, _ = e["expression"].(string)
				m.Label, _ = e["label"].(string)
				m.Stat, _ = e["stat"].(string)
			}
		}
		if len(names) >= 2 {
			m.Namespace, m.Name, m.Dimensions = names[0], names[1], names[2:]
		}
		out = append(out, m)
	}
	return out
}

// Dashboards returns the template's dashboards, by logical id.
func (t Template) Dashboards() ([]Dashboard, error) {
	var out []Dashboard
	for _, id := range t.ofType("AWS::CloudWatch::Dashboard") {
		body := Render(t.Resources[id].Properties["DashboardBody"])
		d := Dashboard{ID: id}
		if err := json.Unmarshal([]byte(body), &d); err != nil {
			return nil, fmt.Errorf("%s: DashboardBody: %w", id, err)
		}
		out = append(out, d)
	}
	return out, nil
}

// Alarm is an AWS::CloudWatch::Alarm, as Summary writes it.
type Alarm struct {
	ID                           string
	Namespace, Metric, Stat      string
	Dimensions                   []string // name=value
	Period, EvaluationPeriods    float64
	Threshold                    float64
	Comparison, TreatMissingData string
}

// Alarms returns the template's alarms on one metric, with the metric
// given either at the top (MetricName, Namespace, Dimensions, Statistic,
// Period: as SAM templates write it) or as the one MetricStat of Metrics
// (as the CDK writes it).
func (t Template) Alarms() []Alarm {
	var out []Alarm
	for _, id := range t.ofType("AWS::CloudWatch::Alarm") {
		p := t.Resources[id].Properties
		a := Alarm{ID: id}
		a.Comparison, _ = p["ComparisonOperator"].(string)
		a.TreatMissingData, _ = p["TreatMissingData"].(string)
		a.Threshold, _ = p["Threshold"].(float64)
		a.EvaluationPeriods, _ = p["EvaluationPeriods"].(float64)
		metric := p
		a.Stat, _ = p["Statistic"].(string)
		a.Period, _ = p["Period"].(float64)
		if ms, _ := p["Metrics"].([]any); len(ms) == 1 {
			q, _ := ms[0].(map[string]any)
			stat, _ := q["MetricStat"].(map[string]any)
			metric, _ = stat["Metric"].(map[string]any)
			a.Stat, _ = stat["Stat"].(string)
			a.Period, _ = stat["Period"].(float64)
		}
		a.Namespace = Render(metric["Namespace"])
		a.Metric = Render(metric["MetricName"])
		dims, _ := metric["Dimensions"].([]any)
		for _, d := range dims {
			d, _ := d.(map[string]any)
			a.Dimensions = append(a.Dimensions, Render(d["Name"])+"="+Render(d["Value"]))
		}
		out = append(out, a)
	}
	return out
}

// String is the alarm in one line: its metric, statistic, period and
// condition.
func (a Alarm) String() string {
	dims := ""
	if len(a.Dimensions) > 0 {
		dims = "{" + strings.Join(a.Dimensions, ",") + "}"
	}
	return fmt.Sprintf("%s %s%s %s over %gs %s %g (%g period(s); missing data: %s)",
		a.Namespace, a.Metric, dims, a.Stat, a.Period, comparisons[a.Comparison], a.Threshold, a.EvaluationPeriods, a.TreatMissingData)
}

var comparisons = map[string]string{
	"GreaterThanOrEqualToThreshold": ">=",
	"GreaterThanThreshold":          ">",
	"LessThanThreshold":             "<",
	"LessThanOrEqualToThreshold":    "<=",
}

// MetricFilter is an AWS::Logs::MetricFilter with one transformation.
type MetricFilter struct {
	ID                string
	LogGroup, Pattern string
	Namespace, Metric string
	Value             string
}

// MetricFilters returns the template's metric filters.
func (t Template) MetricFilters() []MetricFilter {
	var out []MetricFilter
	for _, id := range t.ofType("AWS::Logs::MetricFilter") {
		p := t.Resources[id].Properties
		f := MetricFilter{ID: id, LogGroup: Render(p["LogGroupName"]), Pattern: Render(p["FilterPattern"])}
		if ts, _ := p["MetricTransformations"].([]any); len(ts) == 1 {
			tr, _ := ts[0].(map[string]any)
			f.Namespace, f.Metric, f.Value = Render(tr["MetricNamespace"]), Render(tr["MetricName"]), Render(tr["MetricValue"])
		}
		out = append(out, f)
	}
	return out
}

// Summary is the template's monitoring in a few lines: each dashboard
// with its grid drawn, each alarm, each metric filter; "" for a template
// with none.
func (t Template) Summary() (string, error) {
	dashboards, err := t.Dashboards()
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, d := range dashboards {
		fmt.Fprintf(&b, "dashboard %s (%d widgets):\n%s", d.ID, len(d.Widgets), d.Layout())
	}
	for _, a := range t.Alarms() {
		fmt.Fprintf(&b, "alarm %s: %s\n", a.ID, a)
	}
	for _, f := range t.MetricFilters() {
		fmt.Fprintf(&b, "metric filter %s: %s on %s -> %s %s (value %s)\n", f.ID, f.Pattern, f.LogGroup, f.Namespace, f.Metric, f.Value)
	}
	return b.String(), nil
}

package synthsummary_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/cognito-authorizer/infra/synthsummary"
)

// template has a dashboard as the CDK writes one (an Fn::Join around the
// region and an alarm's ARN), an alarm as SAM templates write one, and a
// metric filter.
const template = `{"Resources": {
  "Dash": {"Type": "AWS::CloudWatch::Dashboard", "Properties": {"DashboardBody": {"Fn::Join": ["", [
    "{\"widgets\":[{\"type\":\"metric\",\"x\":0,\"y\":0,\"width\":16,\"height\":4,\"properties\":{\"title\":\"A rather long title that wraps\",\"region\":\"",
    {"Ref": "AWS::Region"},
    "\",\"metrics\":[[\"NS\",\"Decisions\",\"outcome\",\"allow\",{\"stat\":\"Sum\",\"label\":\"allow\"}],[{\"expression\":\"SEARCH('{NS,outcome} MetricName=\\\"X\\\"', 'Sum')\"}]]}},",
    "{\"type\":\"metric\",\"x\":16,\"y\":0,\"width\":8,\"height\":6,\"properties\":{\"title\":\"Alarm\",\"annotations\":{\"alarms\":[\"",
    {"Fn::GetAtt": ["Alarm", "Arn"]},
    "\"]}}}]}"]]}}},
  "Alarm": {"Type": "AWS::CloudWatch::Alarm", "Properties": {"Namespace": "NS", "MetricName": "Decisions",
    "Dimensions": [{"Name": "outcome", "Value": "unavailable"}], "Statistic": "Sum", "Period": 60,
    "EvaluationPeriods": 2, "Threshold": 1, "ComparisonOperator": "GreaterThanThreshold", "TreatMissingData": "notBreaching"}},
  "Filter": {"Type": "AWS::Logs::MetricFilter", "Properties": {"LogGroupName": {"Ref": "Logs"}, "FilterPattern": "{ $.x = \"*\" }",
    "MetricTransformations": [{"MetricNamespace": "NS", "MetricName": "X", "MetricValue": "1"}]}}
}}`

func TestSummary(t *testing.T) {
	tmpl, err := synthsummary.Parse([]byte(template))
	if err != nil {
		t.Fatal(err)
	}
	ds, err := tmpl.Dashboards()
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 || len(ds[0].Widgets) != 2 {
		t.Fatalf("Dashboards() = %+v, want one of two widgets", ds)
	}
	wantMetrics := []synthsummary.Metric{
		{Namespace: "NS", Name: "Decisions", Dimensions: []string{"outcome", "allow"}, Label: "allow", Stat: "Sum"},
		{Expression: `SEARCH('{NS,outcome} MetricName="X"', 'Sum')`},
	}
	if diff := cmp.Diff(wantMetrics, ds[0].Widgets[0].Metrics()); diff != "" {
		t.Errorf("Metrics() (-want +got):\n%s", diff)
	}
	if got := ds[0].Widgets[1].Properties.Annotations.Alarms; !cmp.Equal(got, []string{"${Alarm.Arn}"}) {
		t.Errorf("alarm widget's alarms = %q, want ${Alarm.Arn}", got)
	}

	got, err := tmpl.Summary()
	if err != nil {
		t.Fatal(err)
	}
	want := `dashboard Dash (2 widgets):
+-----------------------------------------------+-----------------------+
| A rather long title that wraps                | Alarm                 |
|                                               |                       |
| x=0 y=0 w=16 h=4                              |                       |
+-----------------------------------------------+                       |
                                                | x=16 y=0 w=8 h=6      |
                                                +-----------------------+
alarm Alarm: NS Decisions{outcome=unavailable} Sum over 60s > 1 (2 period(s); missing data: notBreaching)
metric filter Filter: { $.x = "*" } on ${Logs} -> NS X (value 1)
`
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Summary() (-want +got):\n%s", diff)
	}
}

func TestLayoutWraps(t *testing.T) {
	d := synthsummary.Dashboard{Widgets: []synthsummary.Widget{{Type: "metric", Width: 6, Height: 6}}}
	d.Widgets[0].Properties.Title = "Decision latency p50 and p99 (ms)"
	want := `+-----------------+
| Decision        |
| latency p50 and |
| p99 (ms)        |
|                 |
| x=0 y=0 w=6 h=6 |
+-----------------+
`
	if diff := cmp.Diff(want, d.Layout()); diff != "" {
		t.Errorf("Layout() (-want +got):\n%s", diff)
	}
}

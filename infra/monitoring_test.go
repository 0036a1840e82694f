package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"
	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/cognito-authorizer/infra/synthsummary"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/testenv"
)

// widget is what the tests compare of a dashboard's widget.
type widget struct {
	Title      string
	X, Y, W, H int
	// Metrics are "namespace name dim=value ... stat" or an expression.
	Metrics []string
	// Alarms are the alarm widget's alarms, as ${LogicalId.Arn}.
	Alarms []string
}

func widgets(t *testing.T, d synthsummary.Dashboard) []widget {
	t.Helper()
	var out []widget
	for _, w := range d.Widgets {
		got := widget{Title: w.Properties.Title, X: w.X, Y: w.Y, W: w.Width, H: w.Height, Alarms: w.Properties.Annotations.Alarms}
		for _, m := range w.Metrics() {
			if m.Expression != "" {
				got.Metrics = append(got.Metrics, m.Expression)
				continue
			}
			parts := []string{m.Namespace, m.Name}
			for i := 0; i+1 < len(m.Dimensions); i += 2 {
				parts = append(parts, m.Dimensions[i]+"="+m.Dimensions[i+1])
			}
			got.Metrics = append(got.Metrics, strings.Join(append(parts, m.Stat), " "))
		}
		out = append(out, got)
	}
	return out
}

// dashboards returns the template's dashboards as synthsummary reads
// them.
func (s *synthesized) dashboards(t *testing.T) []synthsummary.Dashboard {
	t.Helper()
	tmpl := s.summary(t)
	ds, err := tmpl.Dashboards()
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

func (s *synthesized) summary(t *testing.T) synthsummary.Template {
	t.Helper()
	raw, err := os.ReadFile(s.file)
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := synthsummary.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return tmpl
}

// TestDashboard checks the stack's one dashboard: the authorizer's rows
// (the construct's) and the sample API's row below them.
func TestDashboard(t *testing.T) {
	s := defaultStack(t)
	ds := s.dashboards(t)
	if len(ds) != 1 {
		t.Fatalf("%d dashboards, want 1", len(ds))
	}
	const ns = settings.DefaultMetricsNamespace
	search := func(metric, stat string, dims ...string) string {
		return fmt.Sprintf(`SEARCH('{%s} MetricName="%s"', '%s')`, strings.Join(append([]string{ns}, dims...), ","), metric, stat)
	}
	var byOutcome []string
	for _, o := range []string{"allow", "deny", "unauthorized", "unavailable"} {
		byOutcome = append(byOutcome, ns+" Decisions outcome="+o+" Sum")
	}
	apiName := s.resource(t, s.id(t, "NotesApi"), "AWS::ApiGateway::RestApi").Properties["Name"]
	stage := "Stage=${" + s.id(t, "NotesApi", "DeploymentStage."+DefaultStageName) + "}"
	want := []widget{
		{Title: "Decisions by outcome", X: 0, Y: 0, W: 12, H: 6, Metrics: byOutcome},
		{Title: "Decisions by reason", X: 12, Y: 0, W: 12, H: 6, Metrics: []string{search("Decisions", "Sum", "outcome", "reason")}},
		{Title: "Decision latency p50 and p99 (ms)", X: 0, Y: 6, W: 8, H: 6, Metrics: []string{
			search("DecisionLatency", "p50", "outcome"), search("DecisionLatency", "p99", "outcome"),
		}},
		{Title: "JWKS fetches and revocation lookups", X: 8, Y: 6, W: 8, H: 6, Metrics: []string{
			"SUM(" + search("JWKSFetches", "Sum", "outcome") + ")", "SUM(" + search("RevocationLookups", "Sum", "outcome") + ")",
		}},
		{Title: "Unavailable decisions (alarm)", X: 16, Y: 6, W: 8, H: 6, Alarms: []string{"${" + s.id(t, "Authorizer", "UnavailableAlarm") + ".Arn}"}},
		{Title: "Sample API 4XX and 5XX answers", X: 0, Y: 12, W: 12, H: 6, Metrics: []string{
			fmt.Sprintf("AWS/ApiGateway 4XXError ApiName=%s %s Sum", apiName, stage),
			fmt.Sprintf("AWS/ApiGateway 5XXError ApiName=%s %s Sum", apiName, stage),
		}},
		{Title: "Sign-out flush errors (alarm)", X: 12, Y: 12, W: 12, H: 6, Alarms: []string{"${" + s.id(t, "SignOutFlushErrorsAlarm") + ".Arn}"}},
	}
	if diff := cmp.Diff(want, widgets(t, ds[0])); diff != "" {
		t.Errorf("dashboard widgets (-want +got):\n%s", diff)
	}
	for _, w := range ds[0].Widgets {
		if w.Properties.Period != 0 && w.Properties.Period != 300 {
			t.Errorf("%q: period %d s, want 300", w.Properties.Title, w.Properties.Period)
		}
	}
}

// wantAlarms are the stack's alarms, as synthsummary writes them, by
// what they watch: the same in template.yaml.
var wantAlarms = map[string]string{
	"unavailable": settings.DefaultMetricsNamespace + " " + settings.MetricDecisions +
		"{outcome=unavailable} Sum over 300s >= 1 (1 period(s); missing data: notBreaching)",
	"flush": settings.DefaultMetricsNamespace + " " + settings.MetricSignOutFlushErrors +
		" Sum over 300s >= 1 (1 period(s); missing data: notBreaching)",
}

// alarmsByMetric returns the template's alarms as synthsummary writes
// them, keyed as wantAlarms.
func alarmsByMetric(t *testing.T, tmpl synthsummary.Template) map[string]string {
	t.Helper()
	got := map[string]string{}
	for _, a := range tmpl.Alarms() {
		key := a.Metric
		switch a.Metric {
		case settings.MetricDecisions:
			key = "unavailable"
		case settings.MetricSignOutFlushErrors:
			key = "flush"
		}
		if _, dup := got[key]; dup {
			t.Errorf("two alarms on %s", key)
		}
		got[key] = a.String()
	}
	return got
}

// TestAlarms checks the alarm on Unavailable decisions (the construct's)
// and the one on the sign-out's failed flushes, with its metric filter on
// the sign-out function's log group.
func TestAlarms(t *testing.T) {
	s := defaultStack(t)
	tmpl := s.summary(t)
	if diff := cmp.Diff(wantAlarms, alarmsByMetric(t, tmpl)); diff != "" {
		t.Errorf("alarms (-want +got):\n%s", diff)
	}
	for _, a := range tmpl.Alarms() {
		if actions := s.parsed.Resources[a.ID].Properties["AlarmActions"]; actions != nil {
			t.Errorf("%s has actions %v, want none (the user adds them)", a.ID, actions)
		}
	}
	want := []synthsummary.MetricFilter{{
		ID:        s.id(t, "SignOutFlushErrors"),
		LogGroup:  "${" + s.id(t, "SignOutLogs") + "}",
		Pattern:   settings.SignOutFlushErrorPattern,
		Namespace: settings.DefaultMetricsNamespace,
		Metric:    settings.MetricSignOutFlushErrors,
		Value:     "1",
	}}
	if diff := cmp.Diff(want, tmpl.MetricFilters()); diff != "" {
		t.Errorf("metric filters (-want +got):\n%s", diff)
	}
}

// TestNoMonitoring checks the opt-outs: without dashboard and alarms the
// stack has neither, nor the metric filter, nor their outputs.
func TestNoMonitoring(t *testing.T) {
	s := synth(t, NotesStackProps{NoDashboard: true, NoAlarms: true})
	for _, typ := range []string{"AWS::CloudWatch::Dashboard", "AWS::CloudWatch::Alarm", "AWS::Logs::MetricFilter"} {
		if ids := s.ofType(typ); len(ids) > 0 {
			t.Errorf("%s: %v, want none", typ, ids)
		}
	}
	for _, name := range []string{"DashboardName", "UnavailableAlarmName", "SignOutFlushErrorsAlarmName"} {
		if _, ok := s.parsed.Outputs[name]; ok {
			t.Errorf("output %s, want none", name)
		}
	}
}

// TestFlushErrorPatternIsFieldExists checks the sign-out's filter pattern
// against the CDK's FilterPattern.exists, documented as matching "if the
// field exists"; cmd/sign-out's tests match it against the function's
// log lines.
func TestFlushErrorPatternIsFieldExists(t *testing.T) {
	testenv.LookPath(t, "node", "install Node.js 22+ (https://nodejs.org)")
	got := *awslogs.FilterPattern_Exists(jsii.String("$.flush_error")).LogPatternString()
	if got != settings.SignOutFlushErrorPattern {
		t.Errorf("FilterPattern.exists($.flush_error) = %q, settings.SignOutFlushErrorPattern = %q", got, settings.SignOutFlushErrorPattern)
	}
}

// TestSAMAlarmsMatchStack checks that template.yaml, as the SAM
// translator deploys it, has the stack's alarms and metric filter.
func TestSAMAlarmsMatchStack(t *testing.T) {
	raw := translateSAMRaw(t, samTemplatePath)
	tmpl, err := synthsummary.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	// The SAM alarms' namespace is the MetricsNamespace parameter, whose
	// default is the stack's (checked below).
	samAlarms := alarmsByMetric(t, tmpl)
	for k, v := range samAlarms {
		samAlarms[k] = strings.Replace(v, "${MetricsNamespace}", settings.DefaultMetricsNamespace, 1)
	}
	if diff := cmp.Diff(wantAlarms, samAlarms); diff != "" {
		t.Errorf("template.yaml's alarms (-stack +template.yaml):\n%s", diff)
	}
	want := []synthsummary.MetricFilter{{
		ID:        "SignOutFlushErrors",
		LogGroup:  "${SignOutLogs}",
		Pattern:   settings.SignOutFlushErrorPattern,
		Namespace: "${MetricsNamespace}",
		Metric:    settings.MetricSignOutFlushErrors,
		Value:     "1",
	}}
	if diff := cmp.Diff(want, tmpl.MetricFilters()); diff != "" {
		t.Errorf("template.yaml's metric filters (-want +got):\n%s", diff)
	}
	// One namespace, a parameter: the function's metrics and the alarms'.
	var doc struct {
		Parameters map[string]struct{ Default string }
		Resources  map[string]struct {
			Properties struct {
				Environment struct{ Variables map[string]any }
			}
		}
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if got := doc.Parameters["MetricsNamespace"].Default; got != settings.DefaultMetricsNamespace {
		t.Errorf("template.yaml's MetricsNamespace defaults to %q, want %q", got, settings.DefaultMetricsNamespace)
	}
	if got := synthsummary.Render(doc.Resources["AuthorizerFunction"].Properties.Environment.Variables[settings.EnvMetricsNamespace]); got != "${MetricsNamespace}" {
		t.Errorf("the authorizer's %s = %s, want the MetricsNamespace parameter", settings.EnvMetricsNamespace, got)
	}
	// The log group the sign-out function writes to.
	fn := tmpl.Resources["SignOutFunction"].Properties
	logging, _ := fn["LoggingConfig"].(map[string]any)
	if got := synthsummary.Render(logging["LogGroup"]); got != "${SignOutLogs}" {
		t.Errorf("SignOutFunction logs to %s, want ${SignOutLogs}, the metric filter's", got)
	}
}

// dashboardDoc holds the drawing of the stack's dashboard, between the
// markers, which TestDashboardLayoutDoc keeps to the synthesized stack.
const (
	dashboardDoc         = "../docs/metrics.md"
	dashboardStartMarker = "<!-- dashboard-layout -->\n"
	dashboardEndMarker   = "<!-- /dashboard-layout -->\n"
)

var update = flag.Bool("update", false, "rewrite the dashboard's drawing in "+dashboardDoc+" from the synthesized stack")

// TestDashboardLayoutDoc checks the drawing of the dashboard in
// docs/metrics.md against the default stack's, drawn from its
// synthesized DashboardBody; with -update it rewrites the drawing.
func TestDashboardLayoutDoc(t *testing.T) {
	ds := defaultStack(t).dashboards(t)
	if len(ds) != 1 {
		t.Fatalf("%d dashboards, want 1", len(ds))
	}
	for doc, drawing := range map[string]string{dashboardDoc: ds[0].Layout(), readmeDoc: ds[0].CompactLayout()} {
		checkDrawing(t, doc, "```text\n"+drawing+"```\n")
	}
}

// readmeDoc holds the dashboard's compact drawing.
const readmeDoc = "../README.md"

// checkDrawing compares the drawing between path's dashboard markers with
// want, rewriting it with -update.
func checkDrawing(t *testing.T, path, want string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	before, rest, ok := strings.Cut(doc, dashboardStartMarker)
	got, after, ok2 := strings.Cut(rest, dashboardEndMarker)
	if !ok || !ok2 {
		t.Fatalf("%s: no %q ... %q block for the dashboard's drawing", path, strings.TrimSpace(dashboardStartMarker), strings.TrimSpace(dashboardEndMarker))
	}
	if got == want {
		return
	}
	if *update {
		if err := os.WriteFile(path, []byte(before+dashboardStartMarker+want+dashboardEndMarker+after), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: the dashboard's drawing rewritten", path)
		return
	}
	t.Errorf("%s: the dashboard's drawing differs from the synthesized stack's; "+
		"run go test -run TestDashboardLayoutDoc . -update in infra/ to rewrite it (-doc +stack):\n%s",
		path, cmp.Diff(got, want))
}

package cognitoauth_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/jsii-runtime-go"
	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/cognito-authorizer/infra/cognitoauth"
	"github.com/gatehouse-dev/cognito-authorizer/infra/synthsummary"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/testenv"
)

// summaryOf reads the stack's template through synthsummary.
func summaryOf(t *testing.T, stack awscdk.Stack) synthsummary.Template {
	t.Helper()
	raw, err := json.Marshal(assertions.Template_FromStack(stack, nil).ToJSON())
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := synthsummary.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return tmpl
}

// dashboardWidget is what the tests compare of a widget: its title, its
// place and its metrics ("namespace name dim=value ... stat", or the
// expression).
type dashboardWidget struct {
	Title      string
	X, Y, W, H int
	Metrics    []string
	Alarms     int
}

func dashboardWidgets(t *testing.T, tmpl synthsummary.Template) []dashboardWidget {
	t.Helper()
	ds, err := tmpl.Dashboards()
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 {
		t.Fatalf("%d dashboards, want 1", len(ds))
	}
	var out []dashboardWidget
	for _, w := range ds[0].Widgets {
		got := dashboardWidget{Title: w.Properties.Title, X: w.X, Y: w.Y, W: w.Width, H: w.Height, Alarms: len(w.Properties.Annotations.Alarms)}
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

// authorizerDashboard is the construct's dashboard in namespace ns: with
// the revocation lookups when revocation is on, and the alarm's widget, or
// a graph of Unavailable decisions without the alarm.
func authorizerDashboard(ns, schema string, revocation, alarm bool) []dashboardWidget {
	search := func(metric, stat string, dims ...string) string {
		return fmt.Sprintf(`SEARCH('{%s} MetricName="%s"', '%s')`, strings.Join(append([]string{schema}, dims...), ","), metric, stat)
	}
	var byOutcome []string
	for _, o := range settings.Outcomes {
		byOutcome = append(byOutcome, ns+" Decisions outcome="+o+" Sum")
	}
	fetches := dashboardWidget{Title: "JWKS fetches", X: 8, Y: 6, W: 8, H: 6, Metrics: []string{"SUM(" + search("JWKSFetches", "Sum", "outcome") + ")"}}
	if revocation {
		fetches.Title = "JWKS fetches and revocation lookups"
		fetches.Metrics = append(fetches.Metrics, "SUM("+search("RevocationLookups", "Sum", "outcome")+")")
	}
	unavailable := dashboardWidget{Title: "Unavailable decisions (alarm)", X: 16, Y: 6, W: 8, H: 6, Alarms: 1}
	if !alarm {
		unavailable = dashboardWidget{Title: "Unavailable decisions", X: 16, Y: 6, W: 8, H: 6, Metrics: []string{ns + " Decisions outcome=unavailable Sum"}}
	}
	return []dashboardWidget{
		{Title: "Decisions by outcome", X: 0, Y: 0, W: 12, H: 6, Metrics: byOutcome},
		{Title: "Decisions by reason", X: 12, Y: 0, W: 12, H: 6, Metrics: []string{search("Decisions", "Sum", "outcome", "reason")}},
		{Title: "Decision latency p50 and p99 (ms)", X: 0, Y: 6, W: 8, H: 6, Metrics: []string{
			search("DecisionLatency", "p50", "outcome"), search("DecisionLatency", "p99", "outcome"),
		}},
		fetches,
		unavailable,
	}
}

// unavailableAlarm is the alarm as synthsummary writes it, in namespace
// ns.
func unavailableAlarm(ns string) string {
	return ns + " Decisions{outcome=unavailable} Sum over 300s >= 1 (1 period(s); missing data: notBreaching)"
}

// TestMonitoring checks the dashboard and the alarm New adds by default
// (the existing API's stack), and what each opt-out and another namespace
// change.
func TestMonitoring(t *testing.T) {
	stack, auth := existingAPIStack(t)
	if auth.Dashboard == nil || auth.UnavailableAlarm == nil {
		t.Fatalf("Dashboard %v, UnavailableAlarm %v, want both", auth.Dashboard, auth.UnavailableAlarm)
	}
	tmpl := summaryOf(t, stack)
	if diff := cmp.Diff(authorizerDashboard(settings.DefaultMetricsNamespace, settings.DefaultMetricsNamespace, true, true), dashboardWidgets(t, tmpl)); diff != "" {
		t.Errorf("dashboard (-want +got):\n%s", diff)
	}
	alarms := tmpl.Alarms()
	if len(alarms) != 1 || alarms[0].String() != unavailableAlarm(settings.DefaultMetricsNamespace) {
		t.Errorf("alarms = %v, want one: %s", alarms, unavailableAlarm(settings.DefaultMetricsNamespace))
	}
	if got := auth.MetricsNamespace(); got != settings.DefaultMetricsNamespace {
		t.Errorf("MetricsNamespace() = %q, want %q", got, settings.DefaultMetricsNamespace)
	}

	tests := []struct {
		name             string
		props            cognitoauth.Props
		dashboard, alarm bool
		ns, schema       string
		env              string // METRICS_NAMESPACE: only another than the default
	}{
		{name: "NoAlarms", props: cognitoauth.Props{NoAlarms: true}, dashboard: true,
			ns: settings.DefaultMetricsNamespace, schema: settings.DefaultMetricsNamespace},
		{name: "NoDashboard", props: cognitoauth.Props{NoDashboard: true}, alarm: true,
			ns: settings.DefaultMetricsNamespace},
		{name: "neither", props: cognitoauth.Props{NoDashboard: true, NoAlarms: true}},
		// A namespace of other characters than letters and digits is
		// quoted in the search's schema.
		{name: "MetricsNamespace", props: cognitoauth.Props{MetricsNamespace: "Acme/Auth"}, dashboard: true, alarm: true,
			ns: "Acme/Auth", schema: `"Acme/Auth"`, env: "Acme/Auth"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stack := awscdk.NewStack(awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())}), jsii.String("Tiny"), nil)
			p := tt.props
			p.UserPool = awscognito.UserPool_FromUserPoolId(stack, jsii.String("Pool"), jsii.String(poolID))
			p.ClientIDs = *jsii.Strings("client1")
			p.CodeDir = dummyCode(t)
			auth := cognitoauth.New(stack, "Auth", &p)
			// An authorizer must guard a method to synthesize.
			api := awsapigateway.RestApi_FromRestApiAttributes(stack, jsii.String("Api"), &awsapigateway.RestApiAttributes{
				RestApiId: jsii.String(apiID), RootResourceId: jsii.String(rootID),
			})
			api.Root().AddMethod(jsii.String("GET"), awsapigateway.NewMockIntegration(nil), &awsapigateway.MethodOptions{
				AuthorizationType: awsapigateway.AuthorizationType_CUSTOM, Authorizer: auth.Authorizer,
			})
			tmpl := summaryOf(t, stack)
			if (auth.Dashboard != nil) != tt.dashboard || (auth.UnavailableAlarm != nil) != tt.alarm {
				t.Errorf("Dashboard %v, UnavailableAlarm %v; want dashboard %v, alarm %v", auth.Dashboard, auth.UnavailableAlarm, tt.dashboard, tt.alarm)
			}
			if ds, _ := tmpl.Dashboards(); len(ds) != map[bool]int{true: 1}[tt.dashboard] {
				t.Errorf("%d dashboards, want dashboard %v", len(ds), tt.dashboard)
			}
			if tt.dashboard {
				if diff := cmp.Diff(authorizerDashboard(tt.ns, tt.schema, false, tt.alarm), dashboardWidgets(t, tmpl)); diff != "" {
					t.Errorf("dashboard (-want +got):\n%s", diff)
				}
			}
			var want, alarms []string
			if tt.alarm {
				want = []string{unavailableAlarm(tt.ns)}
			}
			for _, a := range tmpl.Alarms() {
				alarms = append(alarms, a.String())
			}
			if diff := cmp.Diff(want, alarms); diff != "" {
				t.Errorf("alarms (-want +got):\n%s", diff)
			}
			// The function writes its metrics where the dashboard and the
			// alarm read them: METRICS_NAMESPACE unless the default.
			var got string
			if v := p.Environment()[settings.EnvMetricsNamespace]; v != nil {
				got = *v
			}
			if got != tt.env {
				t.Errorf("Environment()[%s] = %q, want %q", settings.EnvMetricsNamespace, got, tt.env)
			}
		})
	}
}

// TestCheckMetricsNamespace checks that a namespace the function would
// refuse is refused, named by its variable.
func TestCheckMetricsNamespace(t *testing.T) {
	testenv.LookPath(t, "node", "install Node.js 22+ (https://nodejs.org)")
	stack := awscdk.NewStack(nil, jsii.String("Check"), nil)
	p := cognitoauth.Props{
		UserPool:         awscognito.UserPool_FromUserPoolId(stack, jsii.String("Pool"), jsii.String(poolID)),
		ClientIDs:        *jsii.Strings("client1"),
		CodeDir:          dummyCode(t),
		MetricsNamespace: "AWS/Lambda",
	}
	if err := p.Check(); err == nil || !strings.Contains(err.Error(), settings.EnvMetricsNamespace) {
		t.Errorf("Check() with MetricsNamespace %q = %v, want an error naming %s", p.MetricsNamespace, err, settings.EnvMetricsNamespace)
	}
}

func TestSearchExpression(t *testing.T) {
	for _, tt := range []struct {
		namespace string
		dims      []string
		want      string
	}{
		{"CognitoAuthorizer", []string{"outcome", "reason"}, `SEARCH('{CognitoAuthorizer,outcome,reason} MetricName="Decisions"', 'Sum')`},
		{"My App", []string{"outcome"}, `SEARCH('{"My App",outcome} MetricName="Decisions"', 'Sum')`},
	} {
		if got := cognitoauth.SearchExpression(tt.namespace, "Decisions", "Sum", tt.dims...); got != tt.want {
			t.Errorf("SearchExpression(%q, Decisions, Sum, %q) = %s, want %s", tt.namespace, tt.dims, got, tt.want)
		}
	}
}

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestRun(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	empty := write("Empty.template.json", `{"Resources": {"T": {"Type": "AWS::DynamoDB::Table"}}}`)
	alarm := write("Watched.template.json", `{"Resources": {"A": {"Type": "AWS::CloudWatch::Alarm", "Properties": {
		"Namespace": "NS", "MetricName": "M", "Statistic": "Sum", "Period": 300, "EvaluationPeriods": 1,
		"Threshold": 1, "ComparisonOperator": "GreaterThanOrEqualToThreshold", "TreatMissingData": "notBreaching"}}}}`)
	var out bytes.Buffer
	if err := run(&out, []string{empty, alarm}); err != nil {
		t.Fatalf("run() = %v", err)
	}
	want := "Empty: no dashboards, alarms or metric filters\n" +
		"Watched: monitoring\nalarm A: NS M Sum over 300s >= 1 (1 period(s); missing data: notBreaching)\n"
	if got := out.String(); got != want {
		t.Errorf("run() wrote\n%s\nwant\n%s", got, want)
	}
	if err := run(&out, nil); err == nil {
		t.Error("run() without files = nil error")
	}
	if err := run(&out, []string{write("bad.template.json", "{")}); err == nil {
		t.Error("run() on bad JSON = nil error")
	}
}

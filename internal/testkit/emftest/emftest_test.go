package emftest_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/emftest"
)

// specExample is the specification's own example of a valid document.
const specExample = `{
  "_aws": {
    "Timestamp": 1574109732004,
    "CloudWatchMetrics": [
      {
        "Namespace": "lambda-function-metrics",
        "Dimensions": [["functionVersion"]],
        "Metrics": [
          {
            "Name": "time",
            "Unit": "Milliseconds"
          }
        ]
      }
    ]
  },
  "functionVersion": "$LATEST",
  "time": 100,
  "requestId": "989ffbf8-9ace-4817-a57c-e4dd734019ee"
}`

func TestParseValid(t *testing.T) {
	d, err := emftest.Parse([]byte(specExample))
	if err != nil {
		t.Fatalf("Parse(the specification's example) = %v", err)
	}
	want := []emftest.Directive{{
		Namespace:  "lambda-function-metrics",
		Dimensions: [][]string{{"functionVersion"}},
		Metrics:    []emftest.Metric{{Name: "time", Unit: "Milliseconds"}},
	}}
	if diff := cmp.Diff(want, d.Directives); diff != "" {
		t.Errorf("Directives (-want +got):\n%s", diff)
	}
	if d.Timestamp != 1574109732004 || d.Members["time"] != json.Number("100") || d.Members["functionVersion"] != "$LATEST" {
		t.Errorf("Parse() = %+v", d)
	}

	for name, doc := range map[string]string{
		"no unit, high resolution": doc(`{"Name": "time", "StorageResolution": 1}`, `"time": 1.5`),
		"standard resolution":      doc(`{"Name": "time", "StorageResolution": 60}`, `"time": 1`),
		"array of values":          doc(`{"Name": "time", "Unit": "Count/Second"}`, `"time": [1, 2.5, 3e2]`),
		"empty dimension set":      strings.Replace(doc(`{"Name": "time"}`, `"time": 1`), `[["functionVersion"]]`, `[[]]`, 1),
		"30 dimensions":            manyDimensions(30),
		"100 metrics":              manyMetrics(100),
		"a dotted name is a root member": strings.ReplaceAll(doc(`{"Name": "A.a"}`, `"A.a": 1`),
			`"functionVersion"`, `"fn.version"`),
		"a namespace of every allowed character": strings.Replace(doc(`{"Name": "time"}`, `"time": 1`),
			`"lambda-function-metrics"`, `"az AZ 09 ._-/#:"`, 1),
		"no directive":   `{"_aws": {"Timestamp": 0, "CloudWatchMetrics": []}}`,
		"two directives": strings.Replace(doc(`{"Name": "time"}`, `"time": 1`), `}]}]`, `}]}, {"Namespace": "other", "Dimensions": [[]], "Metrics": []}]`, 1),
	} {
		if err := emftest.Validate([]byte(doc)); err != nil {
			t.Errorf("Validate(%s) = %v, want nil:\n%s", name, err, doc)
		}
	}
}

// doc is a document with one directive of metric definition def and the
// extra root members.
func doc(def, members string) string {
	return `{"_aws": {"Timestamp": 1574109732004, "CloudWatchMetrics": [{"Namespace": "lambda-function-metrics",` +
		` "Dimensions": [["functionVersion"]], "Metrics": [` + def + `]}]}, "functionVersion": "$LATEST", ` + members + `}`
}

func manyDimensions(n int) string {
	var keys, members []string
	for i := range n {
		keys = append(keys, fmt.Sprintf(`"d%d"`, i))
		members = append(members, fmt.Sprintf(`"d%d": "v"`, i))
	}
	return `{"_aws": {"Timestamp": 1, "CloudWatchMetrics": [{"Namespace": "n", "Dimensions": [[` + strings.Join(keys, ",") +
		`]], "Metrics": []}]}, ` + strings.Join(members, ",") + `}`
}

func manyMetrics(n int) string {
	var defs, members []string
	for i := range n {
		defs = append(defs, fmt.Sprintf(`{"Name": "m%d"}`, i))
		members = append(members, fmt.Sprintf(`"m%d": %d`, i, i))
	}
	return `{"_aws": {"Timestamp": 1, "CloudWatchMetrics": [{"Namespace": "n", "Dimensions": [[]], "Metrics": [` +
		strings.Join(defs, ",") + `]}]}, ` + strings.Join(members, ",") + `}`
}

func TestValidateRefuses(t *testing.T) {
	valid := doc(`{"Name": "time", "Unit": "Milliseconds"}`, `"time": 100`)
	edit := func(old, new string) string {
		if !strings.Contains(valid, old) {
			panic("no " + old + " in " + valid)
		}
		return strings.Replace(valid, old, new, 1)
	}
	tests := []struct {
		name, doc string
		want      string // in the error
	}{
		{"not JSON", `{"_aws": `, "not one JSON value"},
		{"data after the object", valid + ` {}`, "data after"},
		{"text before the object", `INFO ` + valid, "not one JSON value"},
		{"an array", `[` + valid + `]`, "not a JSON object"},
		{"too large", edit(`"time": 100`, `"time": 100, "pad": "`+strings.Repeat("x", emftest.MaxSize)+`"`), "more than"},
		{"no _aws", `{"time": 100}`, "no _aws"},
		{"_aws not an object", `{"_aws": [], "time": 100}`, "_aws: an array, want an object"},
		{"_aws given twice", edit(`"time": 100`, `"time": 100, "_aws": {}`), `member "_aws" given twice`},
		{"a member given twice", edit(`"time": 100`, `"time": 100, "time": 200`), `member "time" given twice`},
		{"a member given twice in _aws", edit(`"Timestamp": 1574109732004,`, `"Timestamp": 1574109732004, "Timestamp": 1,`), `_aws: member "Timestamp" given twice`},
		{"another member in _aws", edit(`"Timestamp"`, `"LogGroupName": "x", "Timestamp"`), `_aws: member "LogGroupName" is not one of`},
		{"no Timestamp", edit(`"Timestamp": 1574109732004,`, ``), "_aws: no Timestamp"},
		{"Timestamp a string", edit(`1574109732004`, `"1574109732004"`), "_aws.Timestamp: the string"},
		{"Timestamp in seconds with a fraction", edit(`1574109732004`, `1574109732.004`), "_aws.Timestamp: the number 1574109732.004"},
		{"Timestamp negative", edit(`1574109732004`, `-1`), "_aws.Timestamp"},
		{"no CloudWatchMetrics", `{"_aws": {"Timestamp": 1}}`, "_aws: no CloudWatchMetrics"},
		{"CloudWatchMetrics an object", `{"_aws": {"Timestamp": 1, "CloudWatchMetrics": {}}}`, "_aws.CloudWatchMetrics: an object"},
		{"a directive not an object", `{"_aws": {"Timestamp": 1, "CloudWatchMetrics": ["x"]}}`, "CloudWatchMetrics[0]: a string"},
		{"no Namespace", edit(`"Namespace": "lambda-function-metrics",`, ``), "CloudWatchMetrics[0]: no Namespace"},
		{"no Dimensions", edit(` "Dimensions": [["functionVersion"]],`, ``), "CloudWatchMetrics[0]: no Dimensions"},
		{"no Metrics", edit(`, "Metrics": [{"Name": "time", "Unit": "Milliseconds"}]`, ``), "CloudWatchMetrics[0]: no Metrics"},
		{"another member in a directive", edit(`"Namespace"`, `"Name": "x", "Namespace"`), `CloudWatchMetrics[0]: member "Name" is not one of`},
		{"Namespace a number", edit(`"lambda-function-metrics"`, `7`), "Namespace: a number"},
		{"Namespace empty", edit(`"lambda-function-metrics"`, `""`), "Namespace"},
		{"Namespace too long", edit(`"lambda-function-metrics"`, `"`+strings.Repeat("n", 256)+`"`), "Namespace"},
		{"Namespace of AWS", edit(`"lambda-function-metrics"`, `"AWS/Lambda"`), "reserved"},
		{"Namespace with a comma", edit(`"lambda-function-metrics"`, `"a,b"`), "not allowed"},
		{"Dimensions not an array", edit(`[["functionVersion"]]`, `"functionVersion"`), "Dimensions: a string"},
		{"Dimensions empty", edit(`[["functionVersion"]]`, `[]`), "Dimensions: empty"},
		{"a DimensionSet not an array", edit(`[["functionVersion"]]`, `["functionVersion"]`), "Dimensions[0]: a string"},
		{"31 dimensions", manyDimensions(31), "31 dimension keys, want at most 30"},
		{"a dimension key a number", edit(`[["functionVersion"]]`, `[[1]]`), "Dimensions[0][0]: a number"},
		{"a dimension naming nothing", edit(`[["functionVersion"]]`, `[["stage"]]`), `dimension "stage" names no member`},
		{"a dimension nested", edit(`[["functionVersion"]]`, `[["fn.version"]]`) + ``, `dimension "fn.version" names no member`},
		{"a dimension a number", edit(`"functionVersion": "$LATEST"`, `"functionVersion": 1`), `dimension "functionVersion" is the number 1, want a string`},
		{"a dimension null", edit(`"functionVersion": "$LATEST"`, `"functionVersion": null`), `dimension "functionVersion" is null`},
		{"a dimension empty", edit(`"functionVersion": "$LATEST"`, `"functionVersion": ""`), `dimension "functionVersion"`},
		{"a dimension blank", edit(`"functionVersion": "$LATEST"`, `"functionVersion": "  "`), `whitespace`},
		{"a dimension not ASCII", edit(`"functionVersion": "$LATEST"`, `"functionVersion": "é"`), `ASCII`},
		{"a dimension too long", edit(`"functionVersion": "$LATEST"`, `"functionVersion": "`+strings.Repeat("v", 1025)+`"`), `1 to 1024`},
		{"a dimension name with a colon", strings.ReplaceAll(valid, `"functionVersion"`, `":fn"`), `starts with a colon`},
		{"Metrics not an array", edit(`[{"Name": "time", "Unit": "Milliseconds"}]`, `{"Name": "time"}`), "Metrics: an object"},
		{"101 metrics", manyMetrics(101), "101 MetricDefinitions, want at most 100"},
		{"a metric definition a string", edit(`{"Name": "time", "Unit": "Milliseconds"}`, `"time"`), "Metrics[0]: a string"},
		{"no Name", edit(`"Name": "time", `, ``), "Metrics[0]: no Name"},
		{"Name a number", edit(`"Name": "time"`, `"Name": 1`), "Metrics[0].Name: a number"},
		{"a metric naming nothing", edit(`"Name": "time"`, `"Name": "latency"`), `metric "latency" names no member`},
		{"a metric a string", edit(`"time": 100`, `"time": "100"`), `metric "time" is the string "100"`},
		{"a metric an object", edit(`"time": 100`, `"time": {"v": 100}`), `metric "time" is an object`},
		{"a metric null", edit(`"time": 100`, `"time": null`), `metric "time" is null`},
		{"a metric a boolean", edit(`"time": 100`, `"time": true`), `metric "time" is the boolean true`},
		{"a metric array with a string", edit(`"time": 100`, `"time": [1, "2"]`), `metric "time" value 1 is the string "2"`},
		{"a metric of 101 values", edit(`"time": 100`, `"time": [`+strings.TrimSuffix(strings.Repeat("1,", 101), ",")+`]`), "101 values, want at most 100"},
		{"Unit unknown", edit(`"Milliseconds"`, `"Millis"`), `the string "Millis" is not a CloudWatch unit`},
		{"Unit in lower case", edit(`"Milliseconds"`, `"milliseconds"`), `not a CloudWatch unit`},
		{"Unit a number", edit(`"Milliseconds"`, `1`), `the number 1 is not a CloudWatch unit`},
		{"StorageResolution 30", edit(`"Unit": "Milliseconds"`, `"StorageResolution": 30`), "StorageResolution: the number 30, want 1"},
		{"StorageResolution a string", edit(`"Unit": "Milliseconds"`, `"StorageResolution": "1"`), "StorageResolution: the string"},
		{"another member in a definition", edit(`"Unit": "Milliseconds"`, `"Unit": "Milliseconds", "Value": 1`), `Metrics[0]: member "Value" is not one of`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := emftest.Validate([]byte(tt.doc))
			if err == nil {
				t.Fatalf("Validate() = nil, want an error with %q:\n%.300s", tt.want, tt.doc)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate() = %v, want an error with %q", err, tt.want)
			}
		})
	}
}

// TestValidateReportsEveryProblem: one call names them all.
func TestValidateReportsEveryProblem(t *testing.T) {
	err := emftest.Validate([]byte(`{"_aws": {"Timestamp": "now", "CloudWatchMetrics": [{"Namespace": "", "Dimensions": [["x"]], "Metrics": [{"Name": "y", "Unit": "Furlongs"}]}]}}`))
	for _, want := range []string{"Timestamp", "Namespace", `"x" names no member`, `"y" names no member`, "Furlongs"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate() = %v, want it to name %s", err, want)
		}
	}
}

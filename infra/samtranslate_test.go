package main

import (
	"encoding/json"
	"os/exec"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/testenv"
)

// translateSAM runs template.yaml through the SAM translator, as
// CloudFormation's Serverless transform would, and returns the result. It
// skips (fails under CI=true) when aws-sam-translator is not installed.
func translateSAM(t *testing.T) cfnTemplate {
	t.Helper()
	python := testenv.LookPath(t, "python3", "install Python 3 and pip install aws-sam-translator")
	if err := exec.Command(python, "-c", "import samtranslator").Run(); err != nil {
		testenv.Missing(t, "python3 cannot import samtranslator: pip install aws-sam-translator (cfn-lint brings it)")
	}
	out, err := exec.Command(python, "testdata/sam_translate.py", samTemplatePath).Output()
	if err != nil {
		var stderr string
		if exit, ok := err.(*exec.ExitError); ok {
			stderr = string(exit.Stderr)
		}
		t.Fatalf("sam_translate.py %s: %v\n%s", samTemplatePath, err, stderr)
	}
	var tmpl cfnTemplate
	if err := json.Unmarshal(out, &tmpl); err != nil {
		t.Fatalf("translated template: %v", err)
	}
	return tmpl
}

// TestSAMTranslatedStage checks that SAM creates the one stage, prod, and
// not the extra stage named Stage it adds to an Api without
// OpenApiVersion.
func TestSAMTranslatedStage(t *testing.T) {
	tmpl := translateSAM(t)
	var stages []string
	for id, r := range tmpl.Resources {
		switch r.Type {
		case "AWS::ApiGateway::Stage":
			stages = append(stages, r.Properties["StageName"].(string))
		case "AWS::ApiGateway::Deployment":
			if name, ok := r.Properties["StageName"]; ok {
				stages = append(stages, name.(string)+" (deployment "+id+")")
			}
		}
	}
	sort.Strings(stages)
	if diff := cmp.Diff([]string{DefaultStageName}, stages); diff != "" {
		t.Errorf("stages (-want +got):\n%s", diff)
	}
}

// TestSAMTranslatedPermissions checks who may invoke the functions: the
// methods on the prod stage only (as in the CDK stack), and the authorizer
// of the API.
func TestSAMTranslatedPermissions(t *testing.T) {
	tmpl := translateSAM(t)
	got := map[string][]string{}
	for id, r := range tmpl.Resources {
		if r.Type != "AWS::Lambda::Permission" {
			continue
		}
		if r.Properties["Principal"] != "apigateway.amazonaws.com" || r.Properties["Action"] != "lambda:InvokeFunction" {
			t.Errorf("%s: %v", id, r.Properties)
		}
		fn := logicalID(r.Properties["FunctionName"])
		got[fn] = append(got[fn], renderSub(t, r.Properties["SourceArn"]))
		sort.Strings(got[fn])
	}
	// One permission per method of Routes, on the prod stage, as in the
	// CDK stack; a {variable} segment is any one segment.
	const prefix = "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${NotesApi}"
	want := map[string][]string{"AuthorizerFunction": {prefix + "/authorizers/*"}}
	for _, r := range Routes {
		fn := samFunctionOf[r.Function]
		path := regexp.MustCompile(`\{[^}]+\}`).ReplaceAllString(r.Path, "*")
		want[fn] = append(want[fn], prefix+"/"+DefaultStageName+"/"+r.Method+path)
		sort.Strings(want[fn])
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("permissions' source ARNs by function (-want +got):\n%s", diff)
	}
}

// logicalID returns X of {"Ref": X} or {"Fn::GetAtt": [X, ...]}.
func logicalID(v any) string {
	m, _ := v.(map[string]any)
	if ref, ok := m["Ref"].(string); ok {
		return ref
	}
	if att, ok := m["Fn::GetAtt"].([]any); ok && len(att) > 0 {
		s, _ := att[0].(string)
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// renderSub writes an Fn::Sub as one string, its variables filled in
// (literals as they are, Refs as ${LogicalId}), and SAM's literal partition as
// ${AWS::Partition}, so that equal ARNs compare equal.
func renderSub(t *testing.T, v any) string {
	t.Helper()
	m, _ := v.(map[string]any)
	var s string
	switch sub := m["Fn::Sub"].(type) {
	case string:
		s = sub
	case []any:
		s, _ = sub[0].(string)
		vars, _ := sub[1].(map[string]any)
		for name, val := range vars {
			if lit, ok := val.(string); ok {
				s = strings.ReplaceAll(s, "${"+name+"}", lit)
			} else {
				s = strings.ReplaceAll(s, "${"+name+"}", "${"+logicalID(val)+"}")
			}
		}
	default:
		b, _ := json.Marshal(v)
		t.Errorf("SourceArn %s: not an Fn::Sub", b)
		return string(b)
	}
	return strings.Replace(s, "arn:aws:", "arn:${AWS::Partition}:", 1)
}

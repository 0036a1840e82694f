package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/testenv"
)

// synthesized is one NotesStack, synthesized once and shared by the
// subtests that check it.
type synthesized struct {
	stack    awscdk.Stack
	template assertions.Template
	// file is the template as cdk synth writes it, for cfn-lint.
	file string
	// parsed is that file, for checks that want Go values.
	parsed cfnTemplate
}

type cfnTemplate struct {
	Resources map[string]cfnResource
	Outputs   map[string]struct {
		Value any
	}
}

type cfnResource struct {
	Type           string
	Properties     map[string]any
	DeletionPolicy string
}

// readCDKContext returns cdk.json's context: the defaults and the feature
// flags that cdk synth uses.
func readCDKContext(t *testing.T) map[string]any {
	t.Helper()
	raw, err := os.ReadFile("cdk.json")
	if err != nil {
		t.Fatal(err)
	}
	var cdkJSON struct {
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(raw, &cdkJSON); err != nil {
		t.Fatalf("cdk.json: %v", err)
	}
	return cdkJSON.Context
}

// synth synthesizes a NotesStack with props into a temporary directory,
// with cdk.json's context (the feature flags that cdk synth uses) and
// function code directories holding a dummy bootstrap. It skips the test
// when Node.js, which the CDK runs on, is missing.
func synth(t *testing.T, props NotesStackProps) *synthesized {
	t.Helper()
	testenv.LookPath(t, "node", "install Node.js 20+ (https://nodejs.org)")

	cdkContext := readCDKContext(t)

	props.AuthorizerCodeDir = dummyCode(t)
	props.AddNoteCodeDir = dummyCode(t)
	outdir := t.TempDir()
	app := awscdk.NewApp(&awscdk.AppProps{
		Context: &cdkContext,
		Outdir:  jsii.String(outdir),
	})
	stack := NewNotesStack(app, StackName, &props)
	app.Synth(nil)

	s := &synthesized{
		stack:    stack,
		template: assertions.Template_FromStack(stack, nil),
		file:     filepath.Join(outdir, StackName+".template.json"),
	}
	raw, err := os.ReadFile(s.file)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &s.parsed); err != nil {
		t.Fatalf("%s: %v", s.file, err)
	}
	return s
}

// dummyCode returns a directory holding a bootstrap file, standing in for
// a function built by make build.
func dummyCode(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bootstrap"), []byte("not a binary\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// id returns the logical id of the CloudFormation resource behind the
// construct at path (construct ids from the stack down).
func (s *synthesized) id(t *testing.T, path ...string) string {
	t.Helper()
	var c constructs.IConstruct = s.stack
	for _, name := range path {
		c = c.Node().TryFindChild(jsii.String(name))
		if c == nil {
			t.Fatalf("no construct %v in the stack", path)
		}
	}
	if child := c.Node().DefaultChild(); child != nil {
		c = child
	}
	el, ok := c.(awscdk.CfnElement)
	if !ok {
		t.Fatalf("construct %v is not a CloudFormation element", path)
	}
	return *s.stack.GetLogicalId(el)
}

// resource returns the resource with the logical id id, checking its type.
func (s *synthesized) resource(t *testing.T, id, typ string) cfnResource {
	t.Helper()
	r, ok := s.parsed.Resources[id]
	if !ok {
		t.Fatalf("no resource %s in the template", id)
	}
	if r.Type != typ {
		t.Fatalf("resource %s is a %s, want %s", id, r.Type, typ)
	}
	return r
}

// ofType returns the logical ids of the resources of type typ.
func (s *synthesized) ofType(typ string) []string {
	var ids []string
	for id, r := range s.parsed.Resources {
		if r.Type == typ {
			ids = append(ids, id)
		}
	}
	return ids
}

// assert runs an assertion of the assertions module, which panics on a
// mismatch, and reports the mismatch as an error of t instead, so that the
// other checks still run.
func assert(t *testing.T, check func()) {
	t.Helper()
	defer func() {
		t.Helper()
		if r := recover(); r != nil {
			t.Error(fmt.Sprint(r))
		}
	}()
	check()
}

// ref and getAtt are CloudFormation's intrinsic functions as they appear
// in a synthesized template.
func ref(id string) map[string]any { return map[string]any{"Ref": id} }

func getAtt(id, attr string) map[string]any {
	return map[string]any{"Fn::GetAtt": []any{id, attr}}
}

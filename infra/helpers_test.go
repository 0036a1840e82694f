package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/google/go-cmp/cmp"

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
	Parameters map[string]struct {
		Default string
	}
	Conditions map[string]any
	Resources  map[string]cfnResource
	Outputs    map[string]struct {
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

var (
	sharedMu     sync.Mutex
	sharedStacks = map[string]*synthesized{}
	// sharedDir holds the shared stacks' cloud assemblies, which outlive
	// the test that happened to synthesize them; TestMain removes it.
	sharedDir string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedDir != "" {
		os.RemoveAll(sharedDir)
	}
	os.Exit(code)
}

// sharedSynth is synth for props that several tests check: each name is
// synthesized once per test binary (a synthesis takes a second or two).
func sharedSynth(t *testing.T, name string, props NotesStackProps) *synthesized {
	t.Helper()
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if s, ok := sharedStacks[name]; ok {
		return s
	}
	if sharedDir == "" {
		dir, err := os.MkdirTemp("", "infra-test-")
		if err != nil {
			t.Fatal(err)
		}
		sharedDir = dir
	}
	s := synthIn(t, filepath.Join(sharedDir, name), props)
	sharedStacks[name] = s
	return s
}

// defaultStack is the stack cdk deploy deploys by default, with a TOKEN
// authorizer.
func defaultStack(t *testing.T) *synthesized {
	t.Helper()
	return sharedSynth(t, "default", NotesStackProps{})
}

// requestStack changes every default: a REQUEST authorizer reading the
// header named token, as the first Cognito tutorial sends it, groups, the
// flush on (which sets the revocation cache to 0 by itself), and the
// removal and retention props.
func requestStack(t *testing.T) *synthesized {
	t.Helper()
	return sharedSynth(t, "request", NotesStackProps{
		AuthorizerType:                RequestAuthorizer,
		TokenHeader:                   "token",
		CacheTTL:                      awscdk.Duration_Seconds(jsii.Number(0)),
		TokenValidity:                 awscdk.Duration_Minutes(jsii.Number(15)),
		FlushAuthorizerCacheOnSignOut: true,
		TokenUse:                      "access",
		RequiredGroups:                []string{"writers"},
		RequiredScopes:                []string{"notes/write", "openid"},
		Groups:                        []string{"writers", "readers"},
		LogLevel:                      "debug",
		DeletionProtection:            true,
		TableRemovalPolicy:            awscdk.RemovalPolicy_DESTROY,
		LogRetention:                  awslogs.RetentionDays_ONE_WEEK,
	})
}

// synth synthesizes a NotesStack with props into a temporary directory,
// with cdk.json's context (the feature flags that cdk synth uses) and
// function code directories holding a dummy bootstrap. It skips the test
// when Node.js, which the CDK runs on, is missing.
func synth(t *testing.T, props NotesStackProps) *synthesized {
	t.Helper()
	return synthIn(t, t.TempDir(), props)
}

// synthIn is synth into the directory outdir.
func synthIn(t *testing.T, outdir string, props NotesStackProps) *synthesized {
	t.Helper()
	testenv.LookPath(t, "node", "install Node.js 22+ (https://nodejs.org)")

	cdkContext := readCDKContext(t)

	props.AuthorizerCodeDir = dummyCode(t)
	props.AddNoteCodeDir = dummyCode(t)
	props.ListNotesCodeDir = dummyCode(t)
	props.SignOutCodeDir = dummyCode(t)
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

// envOf returns the environment variables of the function id.
func envOf(t *testing.T, s *synthesized, id string) map[string]any {
	t.Helper()
	r := s.resource(t, id, "AWS::Lambda::Function")
	env, _ := r.Properties["Environment"].(map[string]any)
	vars, _ := env["Variables"].(map[string]any)
	if len(vars) == 0 {
		t.Fatalf("%s has no environment variables", id)
	}
	return vars
}

func keys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// checkRole checks that the role has no managed policies and that its only
// policy holds exactly the statements want, with no wildcard anywhere.
func checkRole(t *testing.T, s *synthesized, role string, want []any) {
	t.Helper()
	if mp := s.resource(t, role, "AWS::IAM::Role").Properties["ManagedPolicyArns"]; mp != nil {
		t.Errorf("%s has managed policies %v, want none", role, mp)
	}
	var policies []cfnResource
	for _, id := range s.ofType("AWS::IAM::Policy") {
		r := s.parsed.Resources[id]
		if roles, _ := r.Properties["Roles"].([]any); slices.ContainsFunc(roles, func(v any) bool {
			return cmp.Equal(v, ref(role))
		}) {
			policies = append(policies, r)
		}
	}
	if len(policies) != 1 {
		t.Fatalf("%s has %d policies, want 1", role, len(policies))
	}
	doc, _ := policies[0].Properties["PolicyDocument"].(map[string]any)
	if diff := cmp.Diff(want, doc["Statement"]); diff != "" {
		t.Errorf("%s policy statements (-want +got):\n%s", role, diff)
	}
	if raw, _ := json.Marshal(doc); strings.Contains(string(raw), "*") {
		t.Errorf("%s policy has a wildcard: %s", role, raw)
	}
}

// stageNames returns the StageName of every AWS::ApiGateway::Stage of
// tmpl, sorted.
func stageNames(t *testing.T, tmpl cfnTemplate) []string {
	t.Helper()
	var names []string
	for id, r := range tmpl.Resources {
		if r.Type != "AWS::ApiGateway::Stage" {
			continue
		}
		name, ok := r.Properties["StageName"].(string)
		if !ok {
			t.Errorf("%s: StageName %v is not a literal", id, r.Properties["StageName"])
		}
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// flushARN matches the resource FlushStageAuthorizersCache is granted on.
var flushARN = regexp.MustCompile(`::/restapis/[^/]+/stages/([^/]+)/cache/authorizers$`)

// flushStages returns the stages whose authorizer cache some policy of
// tmpl allows flushing (apigateway:DELETE), sorted. Every apigateway:DELETE
// must be such a flush.
func flushStages(t *testing.T, tmpl cfnTemplate) []string {
	t.Helper()
	var stages []string
	for id, r := range tmpl.Resources {
		if r.Type != "AWS::IAM::Policy" {
			continue
		}
		doc, _ := r.Properties["PolicyDocument"].(map[string]any)
		statements, _ := doc["Statement"].([]any)
		for _, st := range statements {
			st, _ := st.(map[string]any)
			if actions := fmt.Sprint(st["Action"]); !strings.Contains(actions, "apigateway:DELETE") {
				continue
			}
			resources, ok := st["Resource"].([]any)
			if !ok {
				resources = []any{st["Resource"]}
			}
			for _, res := range resources {
				arn := renderARN(res)
				m := flushARN.FindStringSubmatch(arn)
				if m == nil {
					t.Errorf("%s: apigateway:DELETE on %s, want only .../stages/<stage>/cache/authorizers", id, arn)
					continue
				}
				stages = append(stages, m[1])
			}
		}
	}
	slices.Sort(stages)
	return stages
}

// renderARN writes a literal, an Fn::Sub of a string or an Fn::Join as
// one string, references as ${LogicalId}.
func renderARN(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case map[string]any:
		if sub, ok := v["Fn::Sub"].(string); ok {
			return sub
		}
		if join, ok := v["Fn::Join"].([]any); ok && len(join) == 2 {
			sep, _ := join[0].(string)
			parts, _ := join[1].([]any)
			out := make([]string, len(parts))
			for i, p := range parts {
				out[i] = renderARN(p)
			}
			return strings.Join(out, sep)
		}
		if ref, ok := v["Ref"].(string); ok {
			return "${" + ref + "}"
		}
	}
	b, _ := json.Marshal(v)
	return string(b)
}

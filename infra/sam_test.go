package main

import (
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"

	"github.com/gatehouse-dev/cognito-authorizer/infra/cognitoauth"
	"github.com/gatehouse-dev/cognito-authorizer/internal/apispec"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/testenv"
)

const samTemplatePath = "../template.yaml"

// samFunctions are the functions of template.yaml, by logical id; each
// has a make target build-<LogicalId> for sam build.
var samFunctions = []string{"AuthorizerFunction", "AddNoteFunction", "ListNotesFunction", "SignOutFunction"}

// samFunctionOf is the function template.yaml has for each of Routes'
// functions.
var samFunctionOf = map[string]string{
	fnAddNote:   "AddNoteFunction",
	fnListNotes: "ListNotesFunction",
	fnSignOut:   "SignOutFunction",
}

// samTemplate holds what the tests read of template.yaml. Values that may
// be intrinsic functions (!Ref, !GetAtt, !Sub) stay yaml.Nodes, which keep
// CloudFormation's short-form tags instead of failing on them.
type samTemplate struct {
	Parameters map[string]struct {
		Default       string   `yaml:"Default"`
		AllowedValues []string `yaml:"AllowedValues"`
	} `yaml:"Parameters"`
	Mappings map[string]map[string]map[string]string `yaml:"Mappings"`
	Globals  struct {
		Function samFunction `yaml:"Function"`
	} `yaml:"Globals"`
	Resources map[string]samResource `yaml:"Resources"`
	Outputs   map[string]yaml.Node   `yaml:"Outputs"`
}

type samResource struct {
	Type     string `yaml:"Type"`
	Metadata struct {
		BuildMethod string `yaml:"BuildMethod"`
	} `yaml:"Metadata"`
	Properties struct {
		samFunction                      `yaml:",inline"`
		KeySchema                        []map[string]string `yaml:"KeySchema"`
		AttributeDefinitions             []map[string]string `yaml:"AttributeDefinitions"`
		BillingMode                      string              `yaml:"BillingMode"`
		PointInTimeRecoverySpecification struct {
			PointInTimeRecoveryEnabled bool `yaml:"PointInTimeRecoveryEnabled"`
		} `yaml:"PointInTimeRecoverySpecification"`
		TimeToLiveSpecification struct {
			AttributeName string `yaml:"AttributeName"`
			Enabled       bool   `yaml:"Enabled"`
		} `yaml:"TimeToLiveSpecification"`
		DefinitionBody struct {
			Paths map[string]map[string]struct {
				Integration struct {
					URI yaml.Node `yaml:"uri"`
				} `yaml:"x-amazon-apigateway-integration"`
			} `yaml:"paths"`
		} `yaml:"DefinitionBody"`
		Auth struct {
			DefaultAuthorizer string `yaml:"DefaultAuthorizer"`
			Authorizers       map[string]struct {
				FunctionPayloadType string `yaml:"FunctionPayloadType"`
				Identity            struct {
					Header               string `yaml:"Header"`
					ValidationExpression string `yaml:"ValidationExpression"`
					ReauthorizeEvery     int    `yaml:"ReauthorizeEvery"`
				} `yaml:"Identity"`
			} `yaml:"Authorizers"`
		} `yaml:"Auth"`
		GatewayResponses map[string]struct {
			StatusCode         int `yaml:"StatusCode"`
			ResponseParameters struct {
				Headers map[string]string `yaml:"Headers"`
			} `yaml:"ResponseParameters"`
			ResponseTemplates map[string]string `yaml:"ResponseTemplates"`
		} `yaml:"GatewayResponses"`
	} `yaml:"Properties"`
}

type samFunction struct {
	Runtime       string   `yaml:"Runtime"`
	Architectures []string `yaml:"Architectures"`
	Handler       string   `yaml:"Handler"`
	MemorySize    int      `yaml:"MemorySize"`
	CodeUri       string   `yaml:"CodeUri"`
	Environment   struct {
		Variables map[string]yaml.Node `yaml:"Variables"`
	} `yaml:"Environment"`
}

func readSAMTemplate(t *testing.T) samTemplate {
	t.Helper()
	raw, err := os.ReadFile(samTemplatePath)
	if err != nil {
		t.Fatal(err)
	}
	var tmpl samTemplate
	if err := yaml.Unmarshal(raw, &tmpl); err != nil {
		t.Fatalf("%s: %v", samTemplatePath, err)
	}
	return tmpl
}

// TestSAMTemplateEnvironmentNames checks that template.yaml sets on each
// function only variables its package reads, and every one it requires.
// SAM merges Globals into each function, and so does the test.
func TestSAMTemplateEnvironmentNames(t *testing.T) {
	tmpl := readSAMTemplate(t)
	for name, list := range map[string][]settings.Setting{
		"AuthorizerFunction": append(append([]settings.Setting{}, settings.AuthorizerSettings...), settings.RevocationSettings...),
		"AddNoteFunction":    settings.NotesSettings,
		"ListNotesFunction":  settings.NotesSettings,
		"SignOutFunction":    settings.SignOutSettings,
	} {
		fn, ok := tmpl.Resources[name]
		if !ok || fn.Type != "AWS::Serverless::Function" {
			t.Errorf("%s: no AWS::Serverless::Function %s", samTemplatePath, name)
			continue
		}
		vars := maps.Clone(tmpl.Globals.Function.Environment.Variables)
		if vars == nil {
			vars = map[string]yaml.Node{}
		}
		maps.Copy(vars, fn.Properties.Environment.Variables)
		checkEnvNames(t, name, keys(vars), list)
	}
}

// TestSAMEnvVarsFile checks events/env.json, the --env-vars file of make
// invoke: sam local invoke applies only the variables the template
// declares on a function and silently drops the others.
func TestSAMEnvVarsFile(t *testing.T) {
	tmpl := readSAMTemplate(t)
	raw, err := os.ReadFile("../events/env.json")
	if err != nil {
		t.Fatal(err)
	}
	var env map[string]map[string]string
	if err := json.Unmarshal(raw, &env); err != nil {
		t.Fatalf("events/env.json: %v", err)
	}
	for fn, vars := range env {
		r, ok := tmpl.Resources[fn]
		if !ok || r.Type != "AWS::Serverless::Function" {
			t.Errorf("events/env.json sets variables of %s, which template.yaml does not declare as a function", fn)
			continue
		}
		for _, name := range keys(vars) {
			_, local := r.Properties.Environment.Variables[name]
			_, global := tmpl.Globals.Function.Environment.Variables[name]
			if !local && !global {
				t.Errorf("events/env.json sets %s on %s, which template.yaml does not declare: sam local invoke would drop it", name, fn)
			}
		}
	}
}

// TestSAMTemplateMatchesStack checks that template.yaml describes the
// functions, the table and the authorizer as the CDK stack does.
func TestSAMTemplateMatchesStack(t *testing.T) {
	tmpl := readSAMTemplate(t)
	makefile, err := os.ReadFile("../Makefile")
	if err != nil {
		t.Fatal(err)
	}

	for _, name := range samFunctions {
		fn := tmpl.Resources[name]
		props := fn.Properties.samFunction
		g := tmpl.Globals.Function
		pick := func(local, global string) string {
			if local != "" {
				return local
			}
			return global
		}
		got := samFunction{
			Runtime:       pick(props.Runtime, g.Runtime),
			Architectures: props.Architectures,
			Handler:       pick(props.Handler, g.Handler),
			MemorySize:    props.MemorySize,
			CodeUri:       props.CodeUri,
		}
		if got.Architectures == nil {
			got.Architectures = g.Architectures
		}
		if got.MemorySize == 0 {
			got.MemorySize = g.MemorySize
		}
		want := samFunction{
			Runtime:       "provided.al2023",
			Architectures: []string{"arm64"},
			Handler:       "bootstrap",
			MemorySize:    128,
			CodeUri:       ".",
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", name, diff)
		}
		// sam build runs make build-<LogicalId>.
		if fn.Metadata.BuildMethod != "makefile" {
			t.Errorf("%s Metadata.BuildMethod = %q, want makefile", name, fn.Metadata.BuildMethod)
		}
		if !regexp.MustCompile(`(?m)^build-` + name + `:`).Match(makefile) {
			t.Errorf("Makefile has no target build-%s for sam build", name)
		}
	}

	revocations := tmpl.Resources["RevocationTable"]
	if diff := cmp.Diff([]map[string]string{{"AttributeName": settings.RevocationPartitionKey, "KeyType": "HASH"}}, revocations.Properties.KeySchema); diff != "" {
		t.Errorf("RevocationTable KeySchema (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]map[string]string{{"AttributeName": settings.RevocationPartitionKey, "AttributeType": "S"}}, revocations.Properties.AttributeDefinitions); diff != "" {
		t.Errorf("RevocationTable AttributeDefinitions (-want +got):\n%s", diff)
	}
	if ttl := revocations.Properties.TimeToLiveSpecification; ttl.AttributeName != settings.RevocationTTLAttribute || !ttl.Enabled ||
		revocations.Properties.BillingMode != "PAY_PER_REQUEST" || !revocations.Properties.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled {
		t.Errorf("RevocationTable: TTL %+v, BillingMode %q, PITR %v; want TTL on %s, PAY_PER_REQUEST, PITR on",
			ttl, revocations.Properties.BillingMode, revocations.Properties.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled,
			settings.RevocationTTLAttribute)
	}

	table := tmpl.Resources["NotesTable"]
	if table.Type != "AWS::DynamoDB::Table" {
		t.Fatalf("NotesTable is a %q, want AWS::DynamoDB::Table", table.Type)
	}
	wantKeys := []map[string]string{
		{"AttributeName": settings.NotesPartitionKey, "KeyType": "HASH"},
		{"AttributeName": settings.NotesSortKey, "KeyType": "RANGE"},
	}
	if diff := cmp.Diff(wantKeys, table.Properties.KeySchema); diff != "" {
		t.Errorf("NotesTable KeySchema (-want +got):\n%s", diff)
	}
	wantAttrs := []map[string]string{
		{"AttributeName": settings.NotesPartitionKey, "AttributeType": "S"},
		{"AttributeName": settings.NotesSortKey, "AttributeType": "S"},
	}
	if diff := cmp.Diff(wantAttrs, table.Properties.AttributeDefinitions); diff != "" {
		t.Errorf("NotesTable AttributeDefinitions (-want +got):\n%s", diff)
	}
	if table.Properties.BillingMode != "PAY_PER_REQUEST" || !table.Properties.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled {
		t.Errorf("NotesTable: BillingMode %q, PITR %v; want PAY_PER_REQUEST and PITR on",
			table.Properties.BillingMode, table.Properties.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled)
	}

	var apis []string
	for id, r := range tmpl.Resources {
		if r.Type == "AWS::Serverless::Api" {
			apis = append(apis, id)
		}
	}
	if len(apis) != 1 {
		t.Fatalf("template.yaml has APIs %v, want one", apis)
	}
	auth := tmpl.Resources[apis[0]].Properties.Auth
	def, ok := auth.Authorizers[auth.DefaultAuthorizer]
	if !ok {
		t.Fatalf("DefaultAuthorizer %q is not among the Authorizers", auth.DefaultAuthorizer)
	}
	if def.FunctionPayloadType != "TOKEN" || def.Identity.Header != DefaultTokenHeader ||
		def.Identity.ValidationExpression != cognitoauth.TokenPattern || def.Identity.ReauthorizeEvery != DefaultCacheTTLSeconds {
		t.Errorf("default authorizer = %+v, want TOKEN on %s, ValidationExpression TokenPattern (%s), ReauthorizeEvery %d",
			def, DefaultTokenHeader, cognitoauth.TokenPattern, DefaultCacheTTLSeconds)
	}
	// The gateway responses are apispec's, as the construct deploys them
	// and the local API plays them: status, headers (literals quoted) and
	// body.
	got := map[string]apispec.GatewayResponse{}
	for typ, r := range tmpl.Resources[apis[0]].Properties.GatewayResponses {
		gr := apispec.GatewayResponse{Type: typ, StatusCode: r.StatusCode, Body: r.ResponseTemplates["application/json"]}
		for k, v := range r.ResponseParameters.Headers {
			if gr.Headers == nil {
				gr.Headers = map[string]string{}
			}
			gr.Headers[k] = strings.Trim(v, "'")
		}
		got[typ] = gr
	}
	want := map[string]apispec.GatewayResponse{}
	for _, gr := range apispec.GatewayResponses() {
		want[gr.Type] = gr
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("template.yaml's GatewayResponses (-apispec +template):\n%s", diff)
	}
}

// The stacks' outputs, as the README's table lists them: the ones both
// have (scripts may rely on them whichever deployed the stack), and the
// ones only one has.
var (
	sharedOutputs = []string{
		"ApiUrl", "NotesTableName", "RevocationTableName",
		// The functions log to groups of their own: the outputs say where.
		"AuthorizerLogGroupName", "AddNoteLogGroupName", "ListNotesLogGroupName", "SignOutLogGroupName",
		"AccessLogGroupName",
		// The alarms, whose names CloudFormation makes up.
		"UnavailableAlarmName", "SignOutFlushErrorsAlarmName",
	}
	// template.yaml takes an existing pool and its clients as parameters,
	// and has alarms but no dashboard.
	cdkOnlyOutputs = []string{"UserPoolId", "UserPoolClientId", "DashboardName"}
	samOnlyOutputs = []string{"AuthorizerFunctionName"}
)

// TestOutputsCDKAndSAM checks the outputs of the synthesized CDK stack and
// of template.yaml against sharedOutputs and the ones only one has.
func TestOutputsCDKAndSAM(t *testing.T) {
	want := func(only []string) []string {
		names := append(slices.Clone(sharedOutputs), only...)
		slices.Sort(names)
		return names
	}
	if diff := cmp.Diff(want(cdkOnlyOutputs), keys(defaultStack(t).parsed.Outputs)); diff != "" {
		t.Errorf("CDK stack outputs (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want(samOnlyOutputs), keys(readSAMTemplate(t).Outputs)); diff != "" {
		t.Errorf("template.yaml outputs (-want +got):\n%s", diff)
	}
}

// checkEnvNames reports the variables set on a function that its package
// does not read (a typo, or a name since renamed) and the ones it requires
// that are not set.
func checkEnvNames(t *testing.T, function string, names []string, list []settings.Setting) {
	t.Helper()
	if len(names) == 0 {
		t.Errorf("%s: no environment variables", function)
		return
	}
	known := map[string]bool{}
	for _, s := range list {
		known[s.Name] = true
		if s.Required && !slices.Contains(names, s.Name) {
			t.Errorf("%s: required variable %s is not set", function, s.Name)
		}
	}
	for _, n := range names {
		if !known[n] {
			t.Errorf("%s: variable %s is set, but the function does not read it (see its Settings)", function, n)
		}
	}
}

// TestSAMRoutesMatchStack checks that template.yaml carries the route
// rules of the CDK app (Routes), compared as parsed JSON, and the same
// routes, each served by the same function.
func TestSAMRoutesMatchStack(t *testing.T) {
	tmpl := readSAMTemplate(t)
	node, ok := tmpl.Resources["AuthorizerFunction"].Properties.Environment.Variables[settings.EnvRouteRules]
	if !ok {
		t.Fatalf("template.yaml: AuthorizerFunction has no %s", settings.EnvRouteRules)
	}
	var sam, cdk any
	if err := json.Unmarshal([]byte(node.Value), &sam); err != nil {
		t.Fatalf("template.yaml %s: %v", settings.EnvRouteRules, err)
	}
	if err := json.Unmarshal([]byte(RouteRules(Routes)), &cdk); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(cdk, sam); diff != "" {
		t.Errorf("route rules (-CDK +SAM):\n%s", diff)
	}
	// The rules as the authorizer reads them.
	if _, err := settings.LoadAuthorizer(func(name string) string {
		return map[string]string{
			settings.EnvUserPoolID: placeholderUserPoolID, settings.EnvClientIDs: placeholderClientID,
			settings.EnvRouteRules: node.Value,
		}[name]
	}); err != nil {
		t.Errorf("template.yaml's rules: %v", err)
	}

	var apis []string
	for id, r := range tmpl.Resources {
		if r.Type == "AWS::Serverless::Api" {
			apis = append(apis, id)
		}
	}
	if len(apis) != 1 {
		t.Fatalf("template.yaml has APIs %v, want one", apis)
	}
	fnRef := regexp.MustCompile(`\$\{(\w+)\.Arn\}`)
	got := map[string]string{}
	for path, methods := range tmpl.Resources[apis[0]].Properties.DefinitionBody.Paths {
		for method, op := range methods {
			m := fnRef.FindStringSubmatch(op.Integration.URI.Value)
			if m == nil {
				t.Errorf("%s %s: integration uri %q names no function", method, path, op.Integration.URI.Value)
				continue
			}
			got[strings.ToUpper(method)+" "+path] = m[1]
		}
	}
	want := map[string]string{}
	for _, r := range Routes {
		want[r.Method+" "+r.Path] = samFunctionOf[r.Function]
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("routes and their functions (-Routes +template.yaml):\n%s", diff)
	}
}

// TestRoutesMatchSampleRules checks Routes against events/rules.json, the
// rules make demo and make e2e run: every route of both has the same rule
// in each (the file adds routes the sample API does not serve).
func TestRoutesMatchSampleRules(t *testing.T) {
	raw, err := os.ReadFile("../events/rules.json")
	if os.IsNotExist(err) {
		t.Skip("no events/rules.json")
	}
	if err != nil {
		t.Fatal(err)
	}
	var sample, ours []map[string]any
	if err := json.Unmarshal(raw, &sample); err != nil {
		t.Fatalf("events/rules.json: %v", err)
	}
	if err := json.Unmarshal([]byte(RouteRules(Routes)), &ours); err != nil {
		t.Fatal(err)
	}
	byRoute := map[string]map[string]any{}
	for _, r := range sample {
		byRoute[r["route"].(string)] = r
	}
	for _, r := range ours {
		if s, ok := byRoute[r["route"].(string)]; ok {
			if diff := cmp.Diff(s, r); diff != "" {
				t.Errorf("%s (-events/rules.json +Routes):\n%s", r["route"], diff)
			}
		}
	}
}

// TestSAMLogLevels checks template.yaml's LogLevel parameter and its map
// to Lambda's application log filter against the CDK app's.
func TestSAMLogLevels(t *testing.T) {
	tmpl := readSAMTemplate(t)
	levels := tmpl.Parameters["LogLevel"].AllowedValues
	if len(levels) == 0 {
		t.Fatal("template.yaml: parameter LogLevel has no AllowedValues")
	}
	for _, level := range levels {
		got := tmpl.Mappings["LambdaLogLevel"][level]["Level"]
		if want := string(cognitoauth.ApplicationLogLevel(level)); got != want {
			t.Errorf("template.yaml LambdaLogLevel[%s] = %q, want %s", level, got, want)
		}
		if _, err := settings.ParseLogLevel(level); err != nil {
			t.Errorf("template.yaml LogLevel %q: %v", level, err)
		}
	}
}

// TestSAMBuildTargets checks the Makefile's build-<LogicalId> targets, as
// sam build runs them: each builds its function's main into
// $(ARTIFACTS_DIR)/bootstrap, and refuses an empty ARTIFACTS_DIR (which
// would write /bootstrap).
func TestSAMBuildTargets(t *testing.T) {
	makeBin := testenv.LookPath(t, "make", "install make")
	dirs := map[string]string{"AuthorizerFunction": "authorizer"}
	for fn, sam := range samFunctionOf {
		dirs[sam] = fn
	}
	for _, name := range samFunctions {
		out, err := exec.Command(makeBin, "-C", "..", "-n", "build-"+name, "ARTIFACTS_DIR=/artifacts").CombinedOutput()
		if err != nil {
			t.Errorf("make -n build-%s: %v\n%s", name, err, out)
			continue
		}
		if want := "-o /artifacts/bootstrap ./cmd/" + dirs[name]; !strings.Contains(string(out), want) {
			t.Errorf("make -n build-%s:\n%s\nwant a go build with %q", name, out, want)
		}
		out, err = exec.Command(makeBin, "-C", "..", "-s", "build-"+name, "ARTIFACTS_DIR=").CombinedOutput()
		if err == nil || !strings.Contains(string(out), "ARTIFACTS_DIR") {
			t.Errorf("make build-%s ARTIFACTS_DIR= = %v, %s; want a failure naming ARTIFACTS_DIR", name, err, out)
		}
	}
}

// TestSAMConfig checks samconfig.toml, read with Python's tomllib: it
// parses, deploys with the capability the template's roles need, and
// names an --env-vars file that exists.
func TestSAMConfig(t *testing.T) {
	python := testenv.LookPath(t, "python3", "install Python 3.11+")
	out, err := exec.Command(python, "-c",
		"import json, sys, tomllib; json.dump(tomllib.load(open('../samconfig.toml', 'rb')), sys.stdout)").Output()
	if err != nil {
		t.Fatalf("samconfig.toml: %v", err)
	}
	var cfg struct {
		Version float64 `json:"version"`
		Default map[string]struct {
			Parameters map[string]any `json:"parameters"`
		} `json:"default"`
	}
	if err := json.Unmarshal(out, &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Version != 0.1 {
		t.Errorf("samconfig.toml version = %v, want 0.1", cfg.Version)
	}
	if got := cfg.Default["deploy"].Parameters["capabilities"]; got != "CAPABILITY_IAM" {
		t.Errorf("samconfig.toml deploy capabilities = %v, want CAPABILITY_IAM (the template creates roles)", got)
	}
	file, _ := cfg.Default["local_invoke"].Parameters["env_vars"].(string)
	if _, err := os.Stat("../" + file); err != nil {
		t.Errorf("samconfig.toml local_invoke env_vars = %q: %v", file, err)
	}
}

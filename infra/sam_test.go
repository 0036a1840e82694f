package main

import (
	"encoding/json"
	"maps"
	"os"
	"regexp"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"

	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
)

const samTemplatePath = "../template.yaml"

// samTemplate holds what the tests read of template.yaml. Values that may
// be intrinsic functions (!Ref, !GetAtt, !Sub) stay yaml.Nodes, which keep
// CloudFormation's short-form tags instead of failing on them.
type samTemplate struct {
	Globals struct {
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
			StatusCode        int               `yaml:"StatusCode"`
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
		"AuthorizerFunction": settings.AuthorizerSettings,
		"AddNoteFunction":    settings.NotesSettings,
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

	for _, name := range []string{"AuthorizerFunction", "AddNoteFunction"} {
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
		def.Identity.ValidationExpression != TokenPattern || def.Identity.ReauthorizeEvery != DefaultCacheTTLSeconds {
		t.Errorf("default authorizer = %+v, want TOKEN on %s, ValidationExpression TokenPattern (%s), ReauthorizeEvery %d",
			def, DefaultTokenHeader, TokenPattern, DefaultCacheTTLSeconds)
	}
	gotStatus := map[string]int{}
	for typ, r := range tmpl.Resources[apis[0]].Properties.GatewayResponses {
		gotStatus[typ] = r.StatusCode
	}
	wantStatus := map[string]int{
		"UNAUTHORIZED": 401, "ACCESS_DENIED": 403,
		"AUTHORIZER_FAILURE": 503, "AUTHORIZER_CONFIGURATION_ERROR": 503,
	}
	if diff := cmp.Diff(wantStatus, gotStatus); diff != "" {
		t.Errorf("GatewayResponses (-want +got):\n%s", diff)
	}
	for _, typ := range []string{"AUTHORIZER_FAILURE", "AUTHORIZER_CONFIGURATION_ERROR"} {
		r := tmpl.Resources[apis[0]].Properties.GatewayResponses[typ]
		if got := r.ResponseTemplates["application/json"]; got != UnavailableBody {
			t.Errorf("GatewayResponses.%s body = %s, want %s", typ, got, UnavailableBody)
		}
	}

	// The functions log to groups of their own: the outputs say where.
	for _, name := range []string{"AuthorizerLogGroupName", "AddNoteLogGroupName", "AccessLogGroupName"} {
		if _, ok := tmpl.Outputs[name]; !ok {
			t.Errorf("template.yaml has no output %s", name)
		}
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

package e2e

import (
	"archive/zip"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/mototest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/testenv"
)

// motoAccount is the account id moto gives every resource.
const motoAccount = "123456789012"

// readmeMarked returns the ```sh block between <!-- name --> and
// <!-- /name --> in README.md.
func readmeMarked(tb testing.TB, name string) string {
	tb.Helper()
	return readmeSh(tb, "<!-- "+name+" -->", "<!-- /"+name+" -->")
}

// awsRunner runs the aws CLI against one moto_server, with nothing of the
// developer's AWS settings.
type awsRunner struct {
	tb  testing.TB
	env []string
}

func newAWSRunner(tb testing.TB, endpoint string) *awsRunner {
	return &awsRunner{tb: tb, env: []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + tb.TempDir(),
		"AWS_ENDPOINT_URL=" + endpoint,
		"AWS_ACCESS_KEY_ID=testing",
		"AWS_SECRET_ACCESS_KEY=testing",
		"AWS_DEFAULT_REGION=" + mototest.Region,
		"AWS_PAGER=",
	}}
}

// json runs aws with args and decodes its JSON output into v.
func (r *awsRunner) json(v any, args ...string) {
	r.tb.Helper()
	cmd := exec.CommandContext(r.tb.Context(), "aws", append(args, "--output", "json")...)
	cmd.Env = r.env
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		r.tb.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	if err := json.Unmarshal(out, v); err != nil {
		r.tb.Fatalf("aws %s printed %q: %v", strings.Join(args, " "), out, err)
	}
}

// writeBootstrapZip writes a zip holding only an executable bootstrap, the
// shape make zip gives bin/authorizer.zip. moto stores a function's code
// without running it, so the bootstrap need not be the real binary.
func writeBootstrapZip(tb testing.TB, path string) {
	tb.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		tb.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	zw := zip.NewWriter(f)
	h := &zip.FileHeader{Name: "bootstrap", Method: zip.Deflate}
	h.SetMode(0o755)
	w, err := zw.CreateHeader(h)
	if err == nil {
		_, err = w.Write([]byte("#!/bin/sh\nexit 1\n"))
	}
	if err == nil {
		err = zw.Close()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		tb.Fatal(err)
	}
}

// updateMethodShim stands in for `aws apigateway update-method`, which moto
// (5.2) does not implement (NotImplementedError, HTTP 500): it records the
// arguments, which the test checks, and applies nothing. Every other command
// goes to the real aws CLI.
const updateMethodShim = `aws() {
  if [ "${1:-} ${2:-}" = "apigateway update-method" ]; then
    shift 2; printf '%s\n' "$@" > update-method.args; return 0
  fi
  command aws "$@"
}
`

// makeZipShim stands in for `make zip RULES=<file>` (its own test,
// infra's TestZipRules, builds the real zip): it records the arguments and
// keeps a copy of the rules file, which the block deletes at its end; the
// function's code is the bootstrap-only zip the test wrote.
const makeZipShim = `make() {
  printf '%s\n' "$@" > make.args
  for a in "$@"; do case "$a" in RULES=*) cp "${a#RULES=}" rules.shipped.json;; esac; done
}
`

// TestREADMEAttachCLI runs the README's "Use it with your own API" AWS CLI
// steps against moto_server, on a REST API with one method made here, and
// checks what they created: the role, the make zip call and its rules, the
// function, the TOKEN authorizer, the permission scoped to the
// authorizer's ARN, the method's authorizer, the gateway responses and the
// deployment.
func TestREADMEAttachCLI(t *testing.T) {
	testenv.LookPath(t, "aws", "pip install awscli")
	script := readmeMarked(t, "attach-cli")
	// moto knows AWS's managed policies (AWSLambdaBasicExecutionRole) only
	// when asked to load them.
	t.Setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
	endpoint := mototest.Start(t)
	// After Start: moto_server inherits the environment, and its Lambda and
	// IAM backends (botocore) fail on the empty AWS_PROFILE IsolateAWS sets
	// ("The config profile () could not be found"). The aws commands below
	// get an environment of their own anyway.
	mototest.IsolateAWS(t)
	run := newAWSRunner(t, endpoint)

	// What the reader already has: a REST API with a method.
	var api struct{ ID string }
	run.json(&api, "apigateway", "create-rest-api", "--name", "notes")
	var resources struct{ Items []struct{ ID, Path string } }
	run.json(&resources, "apigateway", "get-resources", "--rest-api-id", api.ID)
	var resource struct{ ID string }
	run.json(&resource, "apigateway", "create-resource", "--rest-api-id", api.ID,
		"--parent-id", resources.Items[0].ID, "--path-part", "notes")
	var ignored any
	run.json(&ignored, "apigateway", "put-method", "--rest-api-id", api.ID, "--resource-id", resource.ID,
		"--http-method", "GET", "--authorization-type", "NONE")
	run.json(&ignored, "apigateway", "put-integration", "--rest-api-id", api.ID, "--resource-id", resource.ID,
		"--http-method", "GET", "--type", "MOCK")

	dir := t.TempDir()
	writeBootstrapZip(t, filepath.Join(dir, "bin", "authorizer.zip"))
	const poolID, clientIDs = mototest.Region + "_AbC123xyz", "1example23456789,2example23456789"
	cmd := exec.CommandContext(t.Context(), "bash", "-c", "set -euo pipefail\n"+updateMethodShim+makeZipShim+script)
	cmd.Dir = dir
	cmd.Env = append(run.env,
		"REGION="+mototest.Region,
		"ACCOUNT_ID="+motoAccount,
		"API_ID="+api.ID,
		"RESOURCE_ID="+resource.ID,
		"HTTP_METHOD=GET",
		"STAGE=prod",
		"POOL_ID="+poolID,
		"CLIENT_IDS="+clientIDs,
	)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the README's attach steps failed: %v\n%s", err, out)
	}

	t.Run("role", func(t *testing.T) {
		var role struct {
			Role struct {
				AssumeRolePolicyDocument any
			}
		}
		run.json(&role, "iam", "get-role", "--role-name", "cognito-authorizer")
		trust, _ := json.Marshal(role.Role.AssumeRolePolicyDocument)
		if !strings.Contains(string(trust), `"Service":"lambda.amazonaws.com"`) || !strings.Contains(string(trust), `"sts:AssumeRole"`) {
			t.Errorf("the role's trust policy = %s, want lambda.amazonaws.com allowed sts:AssumeRole", trust)
		}
		var attached struct{ AttachedPolicies []struct{ PolicyArn string } }
		run.json(&attached, "iam", "list-attached-role-policies", "--role-name", "cognito-authorizer")
		const basic = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
		if len(attached.AttachedPolicies) != 1 || attached.AttachedPolicies[0].PolicyArn != basic {
			t.Errorf("the role's policies = %+v, want %s alone", attached.AttachedPolicies, basic)
		}
	})

	t.Run("zip and rules", func(t *testing.T) {
		args, err := os.ReadFile(filepath.Join(dir, "make.args"))
		if err != nil {
			t.Fatalf("the README's steps did not run make zip: %v", err)
		}
		if f := strings.Fields(string(args)); len(f) != 2 || f[0] != "zip" || !strings.HasPrefix(f[1], "RULES=") {
			t.Errorf("make %q, want make zip RULES=<file>", f)
		}
		rules, err := os.ReadFile(filepath.Join(dir, "rules.shipped.json"))
		if err != nil {
			t.Fatalf("make zip's RULES file: %v", err)
		}
		// The function's settings as deployed, its rules file the one the
		// block shipped: the authorizer's own validation takes them.
		var fn struct {
			Environment struct{ Variables map[string]string }
		}
		run.json(&fn, "lambda", "get-function-configuration", "--function-name", "cognito-authorizer")
		env := fn.Environment.Variables
		if env[settings.EnvRouteRulesFile] != "/var/task/rules.json" || env[settings.EnvFunctionTimeout] != "5s" {
			t.Errorf("function's %s, %s = %q, %q; want /var/task/rules.json (rules.json beside bootstrap), 5s",
				settings.EnvRouteRulesFile, settings.EnvFunctionTimeout, env[settings.EnvRouteRulesFile], env[settings.EnvFunctionTimeout])
		}
		local := filepath.Join(t.TempDir(), "rules.json")
		if err := os.WriteFile(local, rules, 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, err := settings.LoadAuthorizer(func(k string) string {
			if k == settings.EnvRouteRulesFile {
				return local
			}
			return env[k]
		})
		if err != nil {
			t.Fatalf("the function's settings do not load: %v", err)
		}
		if cfg.Rules == nil {
			t.Errorf("the function has no route rules; want the README's (%s)", rules)
		}
	})

	t.Run("function", func(t *testing.T) {
		var fn struct {
			Runtime, Handler string
			Architectures    []string
			Timeout          int
			Environment      struct{ Variables map[string]string }
		}
		run.json(&fn, "lambda", "get-function-configuration", "--function-name", "cognito-authorizer")
		if fn.Runtime != "provided.al2023" || fn.Handler != "bootstrap" || len(fn.Architectures) != 1 || fn.Architectures[0] != "arm64" {
			t.Errorf("function: runtime %q, handler %q, architectures %q; want provided.al2023, bootstrap, [arm64]",
				fn.Runtime, fn.Handler, fn.Architectures)
		}
		for k, want := range map[string]string{"COGNITO_USER_POOL_ID": poolID, "COGNITO_CLIENT_IDS": clientIDs} {
			if got := fn.Environment.Variables[k]; got != want {
				t.Errorf("function's %s = %q, want %q", k, got, want)
			}
		}
	})

	var authorizers struct {
		Items []struct {
			ID, Name, Type, AuthorizerURI, IdentitySource string
			AuthorizerResultTTLInSeconds                  int `json:"authorizerResultTtlInSeconds"`
		}
	}
	run.json(&authorizers, "apigateway", "get-authorizers", "--rest-api-id", api.ID)
	if len(authorizers.Items) != 1 {
		t.Fatalf("the API has %d authorizers, want 1: %+v", len(authorizers.Items), authorizers.Items)
	}
	authz := authorizers.Items[0]

	t.Run("authorizer", func(t *testing.T) {
		wantURI := "arn:aws:apigateway:" + mototest.Region + ":lambda:path/2015-03-31/functions/arn:aws:lambda:" +
			mototest.Region + ":" + motoAccount + ":function:cognito-authorizer/invocations"
		if authz.Type != "TOKEN" || authz.IdentitySource != "method.request.header.Authorization" ||
			authz.AuthorizerResultTTLInSeconds != 300 || authz.AuthorizerURI != wantURI {
			t.Errorf("authorizer = %+v, want TOKEN, method.request.header.Authorization, TTL 300, URI %s", authz, wantURI)
		}
	})

	t.Run("validation expression", func(t *testing.T) {
		// moto does not keep identityValidationExpression; check the
		// README's against the SAM template's (the CDK app's TokenPattern
		// is the same) and against headers.
		m := regexp.MustCompile(`--identity-validation-expression '([^']+)'`).FindStringSubmatch(script)
		if m == nil {
			t.Fatal("the README's create-authorizer has no --identity-validation-expression '...'")
		}
		tmpl, err := os.ReadFile("../template.yaml")
		if err != nil {
			t.Fatal(err)
		}
		y := regexp.MustCompile(`ValidationExpression: ("[^\n]+")`).FindSubmatch(tmpl)
		if y == nil {
			t.Fatal("template.yaml has no ValidationExpression")
		}
		want, err := strconv.Unquote(string(y[1]))
		if err != nil {
			t.Fatalf("template.yaml's ValidationExpression %s: %v", y[1], err)
		}
		if m[1] != want {
			t.Errorf("the README's validation expression = %s, want template.yaml's %s", m[1], want)
		}
		re := regexp.MustCompile(m[1])
		for header, ok := range map[string]bool{
			"Bearer aaa.bbb.ccc": true, "bearer aaa.bbb.ccc": true, "aaa.bbb.ccc": true,
			"Basic dXNlcjpwdw==": false, "Bearer not-a-jwt": false, "": false, "Bearer aaa.bbb.ccc\n": false,
		} {
			if got := re.MatchString(header); got != ok {
				t.Errorf("validation expression matches %q = %v, want %v", header, got, ok)
			}
		}
	})

	t.Run("permission", func(t *testing.T) {
		var policy struct{ Policy string }
		run.json(&policy, "lambda", "get-policy", "--function-name", "cognito-authorizer")
		var doc struct {
			Statement []struct {
				Effect, Action string
				Principal      struct{ Service string }
				Condition      struct {
					ArnLike map[string]string
				}
			}
		}
		if err := json.Unmarshal([]byte(policy.Policy), &doc); err != nil {
			t.Fatalf("policy %q: %v", policy.Policy, err)
		}
		want := "arn:aws:execute-api:" + mototest.Region + ":" + motoAccount + ":" + api.ID + "/authorizers/" + authz.ID
		if len(doc.Statement) != 1 {
			t.Fatalf("the function's policy has %d statements, want 1: %s", len(doc.Statement), policy.Policy)
		}
		s := doc.Statement[0]
		if s.Effect != "Allow" || s.Action != "lambda:InvokeFunction" || s.Principal.Service != "apigateway.amazonaws.com" ||
			s.Condition.ArnLike["AWS:SourceArn"] != want {
			t.Errorf("permission = %+v, want apigateway.amazonaws.com allowed lambda:InvokeFunction from %s", s, want)
		}
	})

	t.Run("method", func(t *testing.T) {
		b, err := os.ReadFile(filepath.Join(dir, "update-method.args"))
		if err != nil {
			t.Fatalf("the README's steps did not run aws apigateway update-method: %v", err)
		}
		args := strings.Fields(string(b))
		want := []string{
			"--rest-api-id", api.ID, "--resource-id", resource.ID, "--http-method", "GET", "--patch-operations",
			"op=replace,path=/authorizationType,value=CUSTOM", "op=replace,path=/authorizerId,value=" + authz.ID,
		}
		if strings.Join(args, " ") != strings.Join(want, " ") {
			t.Errorf("aws apigateway update-method %q, want %q", args, want)
		}
	})

	t.Run("gateway responses", func(t *testing.T) {
		var responses struct {
			Items []struct {
				ResponseType, StatusCode string
				ResponseParameters       map[string]string
				ResponseTemplates        map[string]string
			}
		}
		run.json(&responses, "apigateway", "get-gateway-responses", "--rest-api-id", api.ID)
		got := map[string]string{}
		for _, r := range responses.Items {
			got[r.ResponseType] = r.StatusCode + " " + strings.Join(sortedPairs(r.ResponseParameters), " ") +
				" " + r.ResponseTemplates["application/json"]
		}
		const unavailable = `{"message":"Authorization is temporarily unavailable; retry later"}`
		for typ, want := range map[string]string{
			"UNAUTHORIZED":                   "401 gatewayresponse.header.WWW-Authenticate='Bearer' ",
			"AUTHORIZER_FAILURE":             "503 gatewayresponse.header.Retry-After='5' " + unavailable,
			"AUTHORIZER_CONFIGURATION_ERROR": "503 gatewayresponse.header.Retry-After='5' " + unavailable,
		} {
			if got[typ] != want {
				t.Errorf("gateway response %s = %q, want %q", typ, got[typ], want)
			}
		}
	})

	t.Run("deployment", func(t *testing.T) {
		var stage struct{ StageName, DeploymentID string }
		run.json(&stage, "apigateway", "get-stage", "--rest-api-id", api.ID, "--stage-name", "prod")
		if stage.StageName != "prod" || stage.DeploymentID == "" {
			t.Errorf("stage prod = %+v, want a deployment", stage)
		}
	})
}

// sortedPairs returns m as sorted key=value strings.
func sortedPairs(m map[string]string) []string {
	var out []string
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	slices.Sort(out)
	return out
}

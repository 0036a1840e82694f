package main

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"debug/elf"
	"encoding/json"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/cognito-authorizer/internal/identity"
	"github.com/gatehouse-dev/cognito-authorizer/internal/revocation"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/apigwtest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/cognitotest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/dynamotest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/mototest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/notestest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/testenv"
)

// root is the project's directory: its Makefile, template.yaml and events/.
var root = filepath.Join("..", "..")

const installMake = "install GNU make (apt-get install make; macOS: xcode-select --install): " +
	"cmd/invoke builds each function with make build-<LogicalId>, as sam build does"

// TestInvokeSampleEvents runs every function of template.yaml on its sample
// event, as make invoke does: built by its make target, with its section of
// events/env.json, where the JWKS URL points at a local pool and the
// DynamoDB endpoint at the test kit's DynamoDB, holding the tables the file names. The
// caller is the one the sample proxy events' requestContext.authorizer
// names, with the groups they give.
func TestInvokeSampleEvents(t *testing.T) {
	testenv.LookPath(t, "make", installMake)
	sections := readEnvFile(t, filepath.Join(root, "events", "env.json"))
	authz := sections["AuthorizerFunction"]
	clientID, _, _ := strings.Cut(authz[settings.EnvClientIDs], ",")
	pool, jwksURL := cognitotest.Start(t, authz[settings.EnvUserPoolID], clientID)

	caller, err := identity.FromAuthorizer(apigwtest.ProxyRequest(t, sampleEvent("add-note.json")).RequestContext.Authorizer)
	if err != nil {
		t.Fatalf("events/add-note.json: %v", err)
	}
	user := cognitotest.User{Sub: caller.Sub, Username: caller.Username, Email: caller.Email, Groups: caller.Groups}
	dir := t.TempDir()
	tokenFile := func(name string, u cognitotest.User) string {
		tok, err := pool.IDToken(u, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return writeFile(t, filepath.Join(dir, name), tok+"\n")
	}
	callerToken := tokenFile("caller-token", user)
	outsider := user
	outsider.Groups = nil
	outsiderToken := tokenFile("outsider-token", outsider)

	t.Run("AuthorizerFunction", func(t *testing.T) {
		if table := authz[settings.EnvRevocationTable]; table != "" {
			t.Fatalf("events/env.json's authorizer reads the revocation table %q: this test gives it no DynamoDB", table)
		}
		env := writeEnv(t, dir, sections, jwksURL, "")
		ev := sampleEvent("token.json")
		var tokenEvent events.APIGatewayCustomAuthorizerRequest
		b, err := os.ReadFile(ev)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &tokenEvent); err != nil {
			t.Fatalf("%s: %v", ev, err)
		}

		out, line := invoke(t, "AuthorizerFunction", ev, env, callerToken)
		var resp events.APIGatewayCustomAuthorizerResponse
		decode(t, out, &resp)
		if resp.PrincipalID != caller.Sub || !apigwtest.Allows(resp.PolicyDocument, tokenEvent.MethodArn) {
			t.Errorf("answer = %+v, want %s allowed on %s", resp, caller.Sub, tokenEvent.MethodArn)
		}
		if line["decision"] != "allow" {
			t.Errorf("log line = %v, want decision allow", line)
		}

		// The rules of events/env.json hold: POST /add-note is the
		// sample's writers' only.
		out, line = invoke(t, "AuthorizerFunction", ev, env, outsiderToken)
		decode(t, out, &resp)
		if apigwtest.Allows(resp.PolicyDocument, tokenEvent.MethodArn) || line["decision"] != "deny" {
			t.Errorf("answer for a caller in no group = %+v, log %v, want a deny of %s", resp, line, tokenEvent.MethodArn)
		}

		// An HTTP API's payload 2.0 event: the simple answer (the
		// default HTTP_API_RESPONSE), for the writer and the outsider.
		httpEv := sampleEvent("http-api.json")
		for _, tt := range []struct {
			token string
			want  bool
		}{{callerToken, true}, {outsiderToken, false}} {
			out, line := invoke(t, "AuthorizerFunction", httpEv, env, tt.token)
			var simple struct {
				IsAuthorized *bool `json:"isAuthorized"`
			}
			decode(t, out, &simple)
			if simple.IsAuthorized == nil || *simple.IsAuthorized != tt.want || line["event_type"] != "http-v2" {
				t.Errorf("events/http-api.json: answer %s, log %v, want isAuthorized %t", out, line, tt.want)
			}
		}
	})

	t.Run("DynamoDB functions", func(t *testing.T) {
		// The test kit's DynamoDB: Go only (its conformance with moto is
		// dynamotest's own test).
		srv, err := dynamotest.Start("")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { srv.Close() })
		endpoint := srv.URL()
		cfg := mototest.Config(endpoint)
		cfg.Region = region // where the functions look for the tables
		db := dynamodb.NewFromConfig(cfg)
		notesTable := sections["AddNoteFunction"][settings.EnvNotesTable]
		if got := sections["ListNotesFunction"][settings.EnvNotesTable]; got != notesTable {
			t.Fatalf("events/env.json: ListNotesFunction reads the notes of %q, AddNoteFunction writes them to %q", got, notesTable)
		}
		notestest.CreateTable(t, db, notesTable)
		revocations := sections["SignOutFunction"][settings.EnvRevocationTable]
		mototest.CreateRevocationTable(t, db, revocations)
		env := writeEnv(t, dir, sections, jwksURL, endpoint)

		out, line := invoke(t, "AddNoteFunction", sampleEvent("add-note.json"), env, "")
		var resp events.APIGatewayProxyResponse
		decode(t, out, &resp)
		var created struct{ ID, Note string }
		if resp.StatusCode != http.StatusCreated || json.Unmarshal([]byte(resp.Body), &created) != nil || created.ID == "" {
			t.Fatalf("add-note answered %d %s, want 201 with the note", resp.StatusCode, resp.Body)
		}
		if line["status"] != float64(http.StatusCreated) {
			t.Errorf("add-note's log line = %v, want status 201", line)
		}

		out, line = invoke(t, "ListNotesFunction", sampleEvent("list-notes.json"), env, "")
		decode(t, out, &resp)
		var listing struct{ Notes []struct{ ID, Note string } }
		if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(resp.Body), &listing) != nil {
			t.Fatalf("list-notes answered %d %s, want 200 with a listing", resp.StatusCode, resp.Body)
		}
		if len(listing.Notes) != 1 || listing.Notes[0].ID != created.ID || listing.Notes[0].Note != created.Note {
			t.Errorf("list-notes listed %+v, want the note add-note stored, %+v", listing.Notes, created)
		}
		if line["status"] != float64(http.StatusOK) {
			t.Errorf("list-notes' log line = %v, want status 200", line)
		}

		signOut := sampleEvent("sign-out.json")
		out, line = invoke(t, "SignOutFunction", signOut, env, "")
		decode(t, out, &resp)
		if resp.StatusCode != http.StatusNoContent {
			t.Fatalf("sign-out answered %d %s, want 204", resp.StatusCode, resp.Body)
		}
		if line["status"] != float64(http.StatusNoContent) || line["item"] != "jti" {
			t.Errorf("sign-out's log line = %v, want status 204 and a jti item", line)
		}
		jti, _ := apigwtest.ProxyRequest(t, signOut).RequestContext.Authorizer[identity.KeyOriginJTI].(string)
		item, err := db.GetItem(t.Context(), &dynamodb.GetItemInput{
			TableName: aws.String(revocations),
			Key:       map[string]types.AttributeValue{revocation.AttrID: &types.AttributeValueMemberS{Value: revocation.PrefixJTI + jti}},
		})
		if err != nil || item.Item == nil || jti == "" {
			t.Errorf("GetItem(%s%s) = %v, %v, want the session's revocation", revocation.PrefixJTI, jti, item, err)
		}
	})
}

// TestEnvFileMatchesTemplate checks events/env.json against template.yaml,
// read the way SAM reads it: a section for every function, naming exactly
// the variables the template declares for it (Globals' included), since
// sam local invoke drops any other and keeps the template's value of any
// left out; the authorizer's route rules are the template's. It also checks
// that cmd/invoke knows every function and its Timeout.
func TestEnvFileMatchesTemplate(t *testing.T) {
	tmpl := readTemplate(t, filepath.Join(root, "template.yaml"))
	if diff := cmp.Diff(slices.Sorted(maps.Keys(tmpl)), slices.Sorted(slices.Values(functions))); diff != "" {
		t.Errorf("functions (-template.yaml +cmd/invoke):\n%s", diff)
	}
	for name, fn := range tmpl {
		if got, want := timeouts[name], fn.timeout; got != want {
			t.Errorf("timeouts[%s] = %v, want template.yaml's %v", name, got, want)
		}
	}

	sections := readEnvFile(t, filepath.Join(root, "events", "env.json"))
	if diff := cmp.Diff(slices.Sorted(maps.Keys(tmpl)), slices.Sorted(maps.Keys(sections))); diff != "" {
		t.Errorf("events/env.json's sections (-template.yaml's functions +sections):\n%s", diff)
	}
	for name, fn := range tmpl {
		if diff := cmp.Diff(slices.Sorted(maps.Keys(fn.vars)), slices.Sorted(maps.Keys(sections[name]))); diff != "" {
			t.Errorf("events/env.json's %s (-template.yaml +env.json):\n%s", name, diff)
		}
	}

	var want, got any
	if err := json.Unmarshal([]byte(tmpl["AuthorizerFunction"].vars[settings.EnvRouteRules]), &want); err != nil {
		t.Fatalf("template.yaml's %s: %v", settings.EnvRouteRules, err)
	}
	if err := json.Unmarshal([]byte(sections["AuthorizerFunction"][settings.EnvRouteRules]), &got); err != nil {
		t.Fatalf("events/env.json's %s: %v", settings.EnvRouteRules, err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events/env.json's %s (-template.yaml +env.json):\n%s", settings.EnvRouteRules, diff)
	}
}

// TestBuildIsTheMakefileRecipe builds a function as run does and reads
// the flags it was built with from the binary: the Makefile's, but for the
// platform. It also checks that LAMBDA_ENV, which run overrides on make's
// command line, holds nothing else run would drop.
func TestBuildIsTheMakefileRecipe(t *testing.T) {
	makefile, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^LAMBDA_ENV\s*:?=\s*(.*)$`).FindSubmatch(makefile)
	if m == nil {
		t.Fatal("the Makefile sets no LAMBDA_ENV")
	}
	notPlatform := func(s string) []string {
		return slices.DeleteFunc(strings.Fields(s), func(f string) bool {
			return strings.HasPrefix(f, "GOOS=") || strings.HasPrefix(f, "GOARCH=")
		})
	}
	if diff := cmp.Diff(notPlatform(string(m[1])), notPlatform(lambdaEnv())); diff != "" {
		t.Errorf("LAMBDA_ENV but the platform (-Makefile +lambdaEnv()):\n%s", diff)
	}
	ld := regexp.MustCompile(`(?m)^GOFLAGS_LAMBDA\s*:?=.*-ldflags='([^']*)'`).FindSubmatch(makefile)
	if ld == nil || !slices.Contains(strings.Fields(string(ld[1])), "-s") {
		t.Fatalf("the Makefile's GOFLAGS_LAMBDA has no -ldflags='... -s ...' (%q): this test reads -s from the binary", ld)
	}

	testenv.LookPath(t, "make", installMake)
	binary, err := build(t.Context(), root, "AuthorizerFunction", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	info, err := buildinfo.ReadFile(binary)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, s := range info.Settings {
		got[s.Key] = s.Value
	}
	want := map[string]string{
		"GOOS": runtime.GOOS, "GOARCH": runtime.GOARCH, "CGO_ENABLED": "0",
		"-tags": "lambda.norpc", "-trimpath": "true",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("bootstrap built with %s=%q, want %q", k, got[k], v)
		}
	}
	// -trimpath keeps -ldflags out of the build info; -s shows as an ELF
	// binary without a symbol table.
	if f, err := elf.Open(binary); err == nil {
		defer f.Close()
		if f.Section(".symtab") != nil {
			t.Errorf("bootstrap has a symbol table, want it stripped by the Makefile's -ldflags %q", ld[1])
		}
	} else if runtime.GOOS == "linux" {
		t.Errorf("elf.Open(bootstrap) = %v", err)
	}
	if info.Path != "github.com/gatehouse-dev/cognito-authorizer/cmd/authorizer" {
		t.Errorf("bootstrap is %s, want cmd/authorizer", info.Path)
	}
}

// TestMakeInvokePassesItsVariables checks the Makefile's invoke recipe
// hands FUNCTION, EVENT, ENV_VARS and TOKEN to cmd/invoke, and defaults to
// the authorizer.
func TestMakeInvokePassesItsVariables(t *testing.T) {
	makeBin := testenv.LookPath(t, "make", installMake)
	dryRun := func(vars ...string) string {
		cmd := exec.CommandContext(t.Context(), makeBin, append([]string{"--no-print-directory", "-n", "-C", root, "invoke"}, vars...)...)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("make -n invoke %v: %v", vars, err)
		}
		return string(out)
	}
	out := dryRun("FUNCTION=SignOutFunction", "EVENT=e.json", "ENV_VARS=env.json", "TOKEN=tok")
	if !strings.Contains(out, "./cmd/invoke -function SignOutFunction -event e.json -env env.json -token tok") {
		t.Errorf("make -n invoke FUNCTION=... = %q, want cmd/invoke run with each variable", out)
	}
	if out := dryRun(); !strings.Contains(out, "-function AuthorizerFunction ") {
		t.Errorf("make -n invoke = %q, want -function AuthorizerFunction by default", out)
	}
}

func TestRunRefuses(t *testing.T) {
	dir := t.TempDir()
	env := writeFile(t, filepath.Join(dir, "env.json"), `{"AuthorizerFunction": {}}`)
	for name, args := range map[string][]string{
		"a function template.yaml lacks": {"-function", "Nope"},
		"no section for the function":    {"-function", "SignOutFunction", "-env", env},
		"an env file that is not SAM's":  {"-env", writeFile(t, filepath.Join(dir, "bad.json"), `["x"]`)},
	} {
		var stdout, stderr bytes.Buffer
		if err := run(t.Context(), args, &stdout, &stderr); err == nil {
			t.Errorf("run(%s) = nil error, want one", name)
		}
	}
}

// invoke runs run for function on event with the env-vars file env and
// the token file token, and returns the answer and the log line it printed.
func invoke(t *testing.T, function, event, env, token string) (answer []byte, line map[string]any) {
	t.Helper()
	args := []string{"-function", function, "-event", event, "-env", env, "-dir", root}
	if token != "" {
		args = append(args, "-token", token)
	}
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute) // a cold build cache compiles for a minute or more
	defer cancel()
	if err := run(ctx, args, &stdout, &stderr); err != nil {
		t.Fatalf("run(%s) = %v\n%s", function, err, stderr.String())
	}
	_, rest, ok := strings.Cut(stdout.String(), "answer:\n")
	body, log, ok2 := strings.Cut(rest, "\nlog:\n")
	if !ok || !ok2 {
		t.Fatalf("run(%s) printed %q, want an answer and a log line", function, stdout.String())
	}
	if err := json.Unmarshal([]byte(log), &line); err != nil {
		t.Errorf("run(%s)'s log line %q: %v", function, log, err)
	}
	return []byte(body), line
}

func decode(t *testing.T, answer []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(answer, v); err != nil {
		t.Fatalf("answer %s: %v", answer, err)
	}
}

func sampleEvent(name string) string { return filepath.Join(root, "events", name) }

func writeFile(t *testing.T, path, body string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func readEnvFile(t *testing.T, path string) map[string]map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var sections map[string]map[string]string
	if err := json.Unmarshal(b, &sections); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return sections
}

// writeEnv writes sections, with every COGNITO_JWKS_URL set to jwksURL
// and, unless dynamoURL is empty, every AWS_ENDPOINT_URL_DYNAMODB to
// dynamoURL, both as a SAM env-vars file spells a host address for the
// container (http://host.docker.internal:<port>), and returns its path.
func writeEnv(t *testing.T, dir string, sections map[string]map[string]string, jwksURL, dynamoURL string) string {
	t.Helper()
	docker := func(u string) string {
		return strings.Replace(u, "http://127.0.0.1:", "http://host.docker.internal:", 1)
	}
	out := map[string]map[string]string{}
	for fn, vars := range sections {
		out[fn] = maps.Clone(vars)
		if _, ok := vars[settings.EnvJWKSURL]; ok {
			out[fn][settings.EnvJWKSURL] = docker(jwksURL)
		}
		if _, ok := vars[settings.EnvEndpointDynamoDB]; ok && dynamoURL != "" {
			out[fn][settings.EnvEndpointDynamoDB] = docker(dynamoURL)
		}
	}
	b, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.CreateTemp(dir, "env-*.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(b); err != nil {
		t.Fatal(err)
	}
	return f.Name()
}

// samFunction is what the tests read of one AWS::Serverless::Function.
type samFunction struct {
	timeout time.Duration
	// vars are the environment variables the function gets, Globals'
	// included, by name; a folded scalar's lines are joined with spaces.
	vars map[string]string
}

// readTemplate reads the functions of a SAM template. It is a reader for
// template.yaml's own block style, not for YAML at large (the main module
// has no YAML parser; infra's tests use one): keys by indentation, plain,
// double-quoted and folded scalars; list items and flow collections are
// skipped, since nothing read here sits in one.
func readTemplate(t *testing.T, path string) map[string]samFunction {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	keyLine := regexp.MustCompile(`^( *)([A-Za-z_][A-Za-z0-9_]*):(?: +(.*))?$`)
	type frame struct {
		indent int
		key    string
	}
	var (
		stack     []frame
		globals   = map[string]string{}
		kinds     = map[string]string{}
		timeouts  = map[string]string{}
		vars      = map[string]map[string]string{}
		fold      func(string) // appends a line to the folded scalar being read
		foldAbove int          // the folded scalar's lines are indented more than this
	)
	for n, line := range strings.Split(string(b), "\n") {
		indent := len(line) - len(strings.TrimLeft(line, " "))
		text := strings.TrimSpace(line)
		if fold != nil {
			if text == "" || indent > foldAbove {
				fold(text)
				continue
			}
			fold = nil
		}
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		m := keyLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		for len(stack) > 0 && stack[len(stack)-1].indent >= indent {
			stack = stack[:len(stack)-1]
		}
		stack = append(stack, frame{indent, m[2]})
		keys := make([]string, len(stack))
		for i, f := range stack {
			keys[i] = f.key
		}
		value := m[3]
		if strings.HasPrefix(value, `"`) {
			if value, err = strconv.Unquote(value); err != nil {
				t.Fatalf("%s:%d: %s: %v", path, n+1, m[3], err)
			}
		}
		var set func(string)
		switch {
		case len(keys) == 5 && slices.Equal(keys[:4], []string{"Globals", "Function", "Environment", "Variables"}):
			set = func(v string) { globals[keys[4]] = v }
		case len(keys) == 3 && keys[0] == "Resources" && keys[2] == "Type":
			set = func(v string) { kinds[keys[1]] = v }
		case len(keys) == 4 && keys[0] == "Resources" && keys[2] == "Properties" && keys[3] == "Timeout":
			set = func(v string) { timeouts[keys[1]] = v }
		case len(keys) == 6 && keys[0] == "Resources" && slices.Equal(keys[2:5], []string{"Properties", "Environment", "Variables"}):
			if vars[keys[1]] == nil {
				vars[keys[1]] = map[string]string{}
			}
			set = func(v string) { vars[keys[1]][keys[5]] = v }
		}
		if set == nil {
			continue
		}
		switch value {
		case ">", ">-", "|", "|-":
			var folded []string
			fold, foldAbove = func(l string) { folded = append(folded, l); set(strings.TrimSpace(strings.Join(folded, " "))) }, indent
			set("")
		default:
			set(value)
		}
	}

	fns := map[string]samFunction{}
	for name, typ := range kinds {
		if typ != "AWS::Serverless::Function" {
			continue
		}
		secs, err := strconv.Atoi(timeouts[name])
		if err != nil {
			t.Fatalf("%s: %s's Timeout %q: %v", path, name, timeouts[name], err)
		}
		fn := samFunction{timeout: time.Duration(secs) * time.Second, vars: maps.Clone(globals)}
		maps.Copy(fn.vars, vars[name])
		fns[name] = fn
	}
	if len(fns) == 0 {
		t.Fatalf("%s: no AWS::Serverless::Function found", path)
	}
	return fns
}

// Command invoke runs one of template.yaml's functions on this machine,
// under the test kit's local Lambda Runtime API, answers one event and
// prints the answer and the function's log line for it: sam local invoke
// without Docker.
//
//	go run ./cmd/devtoken &                          # a local pool, .local/
//	go run ./cmd/invoke -event .local/token.json     # make invoke
//	go run ./cmd/invoke -function AddNoteFunction -event events/add-note.json -env events/env.json
//
// It builds the function the way sam build does, through the Makefile's
// build-<LogicalId> target with ARTIFACTS_DIR set, overriding only the
// platform (LAMBDA_ENV) with this machine's, so that the binary is built by
// the recipe that ships. The settings come from an env-vars file in SAM's
// format (the one make devtoken writes, .local/env.json, or events/env.json),
// where http://host.docker.internal becomes 127.0.0.1, since nothing runs in
// Docker here. The function gets the shell's AWS credentials and region, as
// sam local invoke passes them (resolved by the SDK: the AWS_* variables,
// AWS_PROFILE, ~/.aws), or dummy ones when the shell has none; the env-vars
// file's own AWS_* settings come last. An event holding the {{token}}
// placeholder gets the token in -token (devtoken's ID token, .local/id-token).
// When the settings name a key set on this machine (make devtoken's) that
// nothing serves, it says so before building.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/apigwtest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/lambdatest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/shellaws"
)

// functions are template.yaml's functions, by logical id: each has a
// build-<LogicalId> target in the Makefile, as sam build needs.
var functions = []string{"AuthorizerFunction", "AddNoteFunction", "ListNotesFunction", "SignOutFunction"}

// timeouts are the functions' Timeout in template.yaml: each invocation's
// deadline, as sam local invoke sets it.
var timeouts = map[string]time.Duration{
	"AuthorizerFunction": 5 * time.Second,
	"AddNoteFunction":    10 * time.Second,
	"ListNotesFunction":  10 * time.Second,
	"SignOutFunction":    10 * time.Second,
}

// region is the function's AWS_REGION unless the env-vars file sets one:
// the sample pool's (events/env.json, make devtoken).
const region = "eu-west-1"

// dummyCredentials are the function's AWS credentials: enough to sign a
// request to a local DynamoDB, useless anywhere else.
var dummyCredentials = map[string]string{"AWS_ACCESS_KEY_ID": "local-invoke", "AWS_SECRET_ACCESS_KEY": "local-invoke"}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "invoke:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("invoke", flag.ContinueOnError)
	fs.SetOutput(stderr)
	event := fs.String("event", "events/token.json", "the event file")
	envFile := fs.String("env", ".local/env.json", "env-vars file in SAM's format (empty: none)")
	function := fs.String("function", "AuthorizerFunction", "the function's logical id in template.yaml: "+strings.Join(functions, ", "))
	tokenFile := fs.String("token", ".local/id-token", "file holding the token for an event's {{token}}")
	dir := fs.String("dir", ".", "the project's directory, whose Makefile builds the function")
	timeout := fs.Duration("timeout", 0, "the invocation's deadline (0: the function's Timeout in template.yaml)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if !slices.Contains(functions, *function) {
		return fmt.Errorf("-function %q: want one of template.yaml's functions: %s", *function, strings.Join(functions, ", "))
	}
	if *timeout <= 0 {
		*timeout = timeouts[*function]
	}
	shell, err := shellaws.Env(ctx, os.Getenv)
	if err != nil {
		// A region-only config or an expired session: the function gets
		// dummy credentials, as with none, which serve local tables.
		fmt.Fprintf(stderr, "invoke: %v; the function gets dummy credentials\n", err)
		shell = nil
	}
	env, err := readEnv(*envFile, *function, shell)
	if err != nil {
		return err
	}
	if err := checkLocalJWKS(ctx, env[settings.EnvJWKSURL]); err != nil {
		return err
	}
	payload, err := os.ReadFile(*event)
	if err != nil {
		return fmt.Errorf("-event: %w", err)
	}
	if bytes.Contains(payload, []byte("{{token}}")) {
		tok, err := os.ReadFile(*tokenFile)
		if err != nil {
			return fmt.Errorf("the event holds {{token}} and -token: %w (run make devtoken first)", err)
		}
		payload = apigwtest.FillToken(payload, strings.TrimSpace(string(tok)))
	}

	artifacts, err := os.MkdirTemp("", "invoke")
	if err != nil {
		return err
	}
	defer os.RemoveAll(artifacts)
	fmt.Fprintf(stderr, "compiling %s with make build-%[1]s (the first time: about a minute)...\n", *function)
	binary, err := build(ctx, *dir, *function, artifacts)
	if err != nil {
		return err
	}
	logs := &lambdatest.Output{}
	fn, err := lambdatest.StartFunction(ctx, binary, env, logs)
	if err != nil {
		return err
	}
	defer fn.Stop()
	ictx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	res, err := fn.Invoke(ictx, payload)
	if err != nil {
		fmt.Fprint(stderr, logs.String())
		return err
	}
	if res.Error != nil {
		fmt.Fprintf(stdout, "error: %s\n", res.Error.Message)
	} else {
		var pretty bytes.Buffer
		if json.Indent(&pretty, res.Payload, "", "  ") != nil {
			pretty.Write(res.Payload)
		}
		fmt.Fprintf(stdout, "answer:\n%s\n", pretty.String())
	}
	lctx, lcancel := context.WithTimeout(ctx, 2*time.Second)
	defer lcancel()
	if line, err := logs.Line(lctx, res.RequestID); err == nil {
		b, _ := json.Marshal(line)
		fmt.Fprintf(stdout, "log:\n%s\n", b)
	} else {
		fmt.Fprint(stdout, "log:\n", logs.String())
	}
	return nil
}

// lambdaEnv is the environment of the Makefile's build recipe (its
// LAMBDA_ENV) with this machine's platform in place of Lambda's
// linux/arm64: the one thing make invoke changes in the recipe.
func lambdaEnv() string {
	return "CGO_ENABLED=0 GOOS=" + runtime.GOOS + " GOARCH=" + runtime.GOARCH
}

// build runs make build-<function> in dir, as sam build does, with
// ARTIFACTS_DIR set to out and LAMBDA_ENV to lambdaEnv, and returns the
// path of the bootstrap it wrote.
func build(ctx context.Context, dir, function, out string) (string, error) {
	makeBin, err := exec.LookPath("make")
	if err != nil {
		return "", fmt.Errorf("make not found: install GNU make; the function is built by its make build-%s target, as sam build does: %w", function, err)
	}
	// make runs in dir: ARTIFACTS_DIR must not depend on where we are.
	out, err = filepath.Abs(out)
	if err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, makeBin, "--no-print-directory", "-C", dir,
		"build-"+function, "ARTIFACTS_DIR="+out, "LAMBDA_ENV="+lambdaEnv())
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("make build-%s: %w\n%s", function, err, b)
	}
	binary := filepath.Join(out, "bootstrap")
	if _, err := os.Stat(binary); err != nil {
		return "", fmt.Errorf("make build-%s wrote no bootstrap: %w", function, err)
	}
	return binary, nil
}

// readEnv reads the variables of function from a SAM env-vars file
// (lambdatest.ReadEnvFile, which points http://host.docker.internal at
// 127.0.0.1), over shell (the shell's AWS credentials and region) or, where
// shell has none, a region and dummyCredentials.
func readEnv(file, function string, shell map[string]string) (map[string]string, error) {
	env := map[string]string{"AWS_REGION": region}
	maps.Copy(env, dummyCredentials)
	maps.Copy(env, shell)
	if file == "" {
		return env, nil
	}
	vars, err := lambdatest.ReadEnvFile(file, function)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("-env: %w (run make devtoken first, or give -env)", err)
	}
	if err != nil {
		return nil, fmt.Errorf("-env %w", err)
	}
	maps.Copy(env, vars)
	return env, nil
}

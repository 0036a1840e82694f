// Command invoke runs one of the project's functions on this machine, under
// the test kit's local Lambda Runtime API, answers one event and prints the
// answer and the function's log line for it: sam local invoke without
// Docker.
//
//	go run ./cmd/devtoken &                          # a local pool, .local/
//	go run ./cmd/invoke -event .local/token.json     # make invoke
//
// The settings come from an env-vars file in SAM's format (the one make
// devtoken writes, .local/env.json), where http://host.docker.internal
// becomes 127.0.0.1, since nothing runs in Docker here. An event holding the
// {{token}} placeholder gets the ID token devtoken wrote to .local/id-token.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/apigwtest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/lambdatest"
)

// functions maps a SAM logical id to the package of its main.
var functions = map[string]string{
	"AuthorizerFunction": "github.com/gatehouse-dev/cognito-authorizer/cmd/authorizer",
	"AddNoteFunction":    "github.com/gatehouse-dev/cognito-authorizer/cmd/add-note",
}

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
	function := fs.String("function", "AuthorizerFunction", "the function's logical id: AuthorizerFunction or AddNoteFunction")
	tokenFile := fs.String("token", ".local/id-token", "file holding the token for an event's {{token}}")
	timeout := fs.Duration("timeout", 5*time.Second, "the invocation's deadline, as the function's timeout")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	pkg, ok := functions[*function]
	if !ok {
		return fmt.Errorf("-function %q: want AuthorizerFunction or AddNoteFunction", *function)
	}
	env, err := readEnv(*envFile, *function)
	if err != nil {
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

	dir, err := os.MkdirTemp("", "invoke")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	fmt.Fprintf(stderr, "compiling %s (the first time: about a minute)...\n", *function)
	binary, err := lambdatest.Build(ctx, pkg, dir)
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

// readEnv reads the variables of function from a SAM env-vars file, with
// http://host.docker.internal pointed at 127.0.0.1.
func readEnv(file, function string) (map[string]string, error) {
	env := map[string]string{"AWS_REGION": "eu-west-1"}
	if file == "" {
		return env, nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("-env: %w (run make devtoken first, or give -env)", err)
	}
	var all map[string]map[string]string
	if err := json.Unmarshal(b, &all); err != nil {
		return nil, fmt.Errorf("-env %s: not SAM's env-vars format: %w", filepath.Base(file), err)
	}
	for k, v := range all[function] {
		env[k] = strings.ReplaceAll(v, "http://host.docker.internal:", "http://127.0.0.1:")
	}
	return env, nil
}

// Command explain says why the authorizer answers a token and a request as
// it does (make explain):
//
//	go run ./cmd/explain -token .local/id-token -request "GET /users/x/notes" -env .local/env.json
//	go run ./cmd/explain -token - -request "POST /add-note" -keys jwks.json -json < token
//
// With the authorizer's settings, from the environment or an env-vars file
// in SAM's format (-env, its AuthorizerFunction section), it wires the
// decision core as the Lambda function does, verifies the token against
// the issuers' keys (fetched, or from a JWKS file with -keys, offline) and
// reads the revocation table if the settings name one. It prints every
// check and its result, the identity, every route rule's outcome for the
// caller, the policy, the answer and its reason, and which other requests
// a cached answer would allow; -json prints the same as one object. It
// never prints the token's signature.
//
// It exits 0 for an Allow, 1 for a Deny, a 401 or an outage, and 2 when it
// could not decide: a flag, the request, a file or the settings.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/gatehouse-dev/cognito-authorizer/cmd/explain/why"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/lambdatest"
)

// Exit codes.
const (
	exitAllow   = 0
	exitRefused = 1 // a Deny, a 401 or an outage
	exitUsage   = 2
)

// maxTokenFile bounds what -token reads: far above the largest token the
// authorizer decodes, so that a longer one is refused by the authorizer's
// own check (too_large).
const maxTokenFile = 1 << 20

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.LookupEnv))
}

// run explains one decision and returns the exit code. lookupEnv is the
// process's environment, read when there is no -env file (and for the AWS_
// variables that file does not set).
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, lookupEnv func(string) (string, bool)) int {
	fs := flag.NewFlagSet("explain", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: explain -token FILE|- -request \"METHOD /path\" [-json] [-env FILE] [-keys FILE]\n\n"+
			"Says why the authorizer answers the token and the request as it does. Exit 0 for an Allow,\n"+
			"1 for a Deny, a 401 or an outage, 2 for a usage or settings error.\n\n")
		fs.PrintDefaults()
	}
	tokenFile := fs.String("token", "", "file holding the token (a JWT, or \"Bearer <jwt>\"); - reads standard input")
	request := fs.String("request", "", "the request, \"METHOD /path\" as the client sends the path (no query string)")
	asJSON := fs.Bool("json", false, "print one JSON object instead of text")
	envFile := fs.String("env", "", "env-vars file in SAM's format (events/env.json, .local/env.json); empty: the environment")
	function := fs.String("function", "AuthorizerFunction", "the -env file's section")
	keysFile := fs.String("keys", "", "a JWKS file to verify with instead of fetching the issuers' keys (offline)")
	api := fs.String("api", why.DefaultAPIID, "the API id of the request's placeholder methodArn")
	stage := fs.String("stage", why.DefaultStage, "the stage of the request's placeholder methodArn")
	timeout := fs.Duration("timeout", 15*time.Second, "the longest the decision may wait for keys and the revocation table")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitAllow // -h: the usage is the answer, as Go's flag package exits
		}
		return exitUsage
	}
	usage := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "explain: "+format+"\n", a...)
		return exitUsage
	}
	if fs.NArg() > 0 {
		return usage("unexpected arguments %q: every input is a flag (-h lists them)", fs.Args())
	}
	if *tokenFile == "" || *request == "" {
		return usage("-token and -request are required: explain -token FILE|- -request \"METHOD /path\" (-h for more)")
	}
	token, err := readToken(*tokenFile, stdin)
	if err != nil {
		return usage("-token: %v", err)
	}
	o := why.Options{Token: token, Request: *request, LookupEnv: lookupEnv, SettingsSource: "the environment", APIID: *api, Stage: *stage}
	if *envFile != "" {
		vars, err := lambdatest.ReadEnvFile(*envFile, *function)
		if err != nil {
			return usage("-env: %v", err)
		}
		o.LookupEnv = why.LookupFile(vars, lookupEnv)
		o.SettingsSource = fmt.Sprintf("%s (%s)", *envFile, *function)
	}
	if *keysFile != "" {
		if o.Keys, err = os.ReadFile(*keysFile); err != nil {
			return usage("-keys: %v", err)
		}
		o.KeysSource = *keysFile
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	r, err := why.Explain(ctx, o)
	if err != nil {
		return usage("%v", strings.TrimPrefix(err.Error(), why.ErrUsage.Error()+": "))
	}
	if *asJSON {
		err = r.WriteJSON(stdout)
	} else {
		err = r.WriteText(stdout)
	}
	if err != nil {
		fmt.Fprintln(stderr, "explain:", err)
		return exitRefused
	}
	if r.Answer.Allowed() {
		return exitAllow
	}
	return exitRefused
}

// readToken reads the token from file, or from stdin for "-", without the
// whitespace around it.
func readToken(file string, stdin io.Reader) (string, error) {
	var in io.Reader = stdin
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return "", err
		}
		defer f.Close()
		in = f
	}
	b, err := io.ReadAll(io.LimitReader(in, maxTokenFile+1))
	if err != nil {
		return "", err
	}
	if len(b) > maxTokenFile {
		return "", fmt.Errorf("more than %d bytes: not a token", maxTokenFile)
	}
	return strings.TrimSpace(string(b)), nil
}

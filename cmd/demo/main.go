// Command demo shows the authorizer at work with nothing but Go: it builds
// the real bootstrap binary, runs it as Lambda runs it (through a local
// Lambda Runtime API) with the sample API's route rules (events/rules.json),
// plays the user pool itself (an RSA key, its JWKS on 127.0.0.1,
// Cognito-shaped tokens), and sends it the sample events for several routes
// and users, with good and bad tokens: each kind of rule passing and
// failing, and tokens that never reach the rules. It prints what each got,
// evaluating the returned policy for the request as API Gateway does,
// explains one refusal as make explain does (every check and rule, the
// policy, the reason), and passes the allowed contexts to the add-note and
// list-notes handlers as API Gateway would. Then it runs the same binary with ISSUERS listing two pools
// and a local OpenID provider (keys found by discovery, RSA and EC), with a
// machine client, each allowed and refused for its reason, and as an HTTP
// API's authorizer (payload 2.0, simple and IAM answers). It exits 0 only
// if every case got the answer it should.
//
// Run it from the repository's root: make demo (or go run ./cmd/demo).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"text/tabwriter"

	"github.com/gatehouse-dev/cognito-authorizer/internal/identity"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/cognitotest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/dynamotest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/lambdatest"
)

// The demo's user pool and app client.
const (
	poolID        = "eu-west-1_LocalDemo1"
	clientID      = "demo4app4client4id"
	authorizerPkg = "github.com/gatehouse-dev/cognito-authorizer/cmd/authorizer"
	// stagePrefix is the methodArn of every case but its method and path.
	stagePrefix = "arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	events := flag.String("events", "events", "directory of the sample events and rules.json")
	verbose := flag.Bool("v", false, "also print the authorizer's own log lines")
	flag.Parse()
	ok, err := run(ctx, os.Stdout, *events, *verbose)
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(2)
	}
	if !ok {
		os.Exit(1)
	}
}

// run plays the demo, writing its report to w, and says whether every case
// got the answer it should.
func run(ctx context.Context, w io.Writer, eventsDir string, verbose bool) (bool, error) {
	rules, err := os.ReadFile(filepath.Join(eventsDir, "rules.json"))
	if err != nil {
		return false, err
	}
	pool, err := cognitotest.New(poolID, clientID)
	if err != nil {
		return false, err
	}
	jwksURL, stopJWKS, err := pool.Serve(ctx)
	if err != nil {
		return false, err
	}
	defer stopJWKS()

	fmt.Fprintf(w, "Building %s as bootstrap ...\n", authorizerPkg)
	dir, err := os.MkdirTemp("", "demo-authorizer")
	if err != nil {
		return false, err
	}
	defer os.RemoveAll(dir)
	binary, err := lambdatest.Build(ctx, authorizerPkg, dir)
	if err != nil {
		return false, err
	}
	// The revocation table, in memory, behind DynamoDB's HTTP API.
	dynamo, err := dynamotest.Start(settings.RevocationPartitionKey)
	if err != nil {
		return false, err
	}
	defer dynamo.Close()
	logs := &lambdatest.Output{}
	env := authorizerEnv(jwksURL, string(rules), dynamo.URL())
	fn, err := lambdatest.StartFunction(ctx, binary, env, logs)
	if err != nil {
		return false, err
	}
	defer fn.Stop()

	fmt.Fprintf(w, "Running it through a local Lambda Runtime API, against the local user pool %s\n", poolID)
	fmt.Fprintf(w, "(JWKS at %s), with %s=%s and %s from %s.\n",
		jwksURL, settings.EnvClientIDs, clientID, settings.EnvRouteRules, filepath.Join(eventsDir, "rules.json"))
	fmt.Fprintf(w, "Users: alice (writers), bob (no group), carol (admins, custom:tenant=acme),\ndave (admins, custom:tenant=globex), erin (no group); bob signed out of one session\nand erin out of every session, in the revocation table (%s, in memory).\n\n", revocationTable)

	cases, err := makeCases(pool)
	if err != nil {
		return false, err
	}
	if err := signOuts(ctx, dynamo.URL()); err != nil {
		return false, err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CASE\tREQUEST\tANSWER\tRULE\tREASON\tTIME\t")
	allOK := true
	allowed := map[string]*answer{} // the first Allow answer of each user
	for _, c := range cases {
		a, err := invoke(ctx, fn, logs, eventsDir, c)
		if err != nil {
			return false, fmt.Errorf("%s: %w", c.name, err)
		}
		mark := ""
		if a.Outcome != c.want || a.Reason != c.reason {
			allOK = false
			mark = fmt.Sprintf("  <-- want %s %s", c.want, c.reason)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.name, c.shown, a.Outcome, dash(a.Rule), dash(a.Reason), a.Took, mark)
		if user, _ := a.Context[identity.KeyUsername].(string); a.Outcome == "Allow" && allowed[user] == nil {
			allowed[user] = &a
		}
	}
	tw.Flush()
	if err := explainOne(ctx, w, pool, env); err != nil {
		return false, err
	}

	for _, u := range []cognitotest.User{alice, bob, carol} {
		if allowed[u.Username] == nil {
			return false, fmt.Errorf("%s was never allowed: no context for the note functions", u.Username)
		}
	}
	fmt.Fprintf(w, "\nThe note functions, given those Allow answers' contexts as API Gateway passes them\n(one in-memory table):\n")
	steps, ok, err := noteSteps(ctx, w, eventsDir, allowed)
	if err != nil {
		return false, err
	}
	allOK = allOK && ok
	if verbose {
		fmt.Fprintf(w, "\nThe authorizer's log:\n%s", logs.String())
	}
	ok, issuerCases, err := severalIssuers(ctx, w, binary, eventsDir, string(rules), verbose)
	if err != nil {
		return false, err
	}
	allOK = allOK && ok
	ok, httpCases, err := httpAPI(ctx, w, binary, eventsDir, string(rules), jwksURL, pool, verbose)
	if err != nil {
		return false, err
	}
	allOK = allOK && ok
	if allOK {
		fmt.Fprintf(w, "\nEvery case got the answer it should (%d authorizer cases, %d with several issuers, %d HTTP API ones, %d note requests).\n", len(cases), issuerCases, httpCases, steps)
	} else {
		fmt.Fprintf(w, "\nSome cases did not get the answer they should: see the <-- marks.\n")
	}
	return allOK, nil
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

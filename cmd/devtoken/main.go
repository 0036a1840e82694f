// Command devtoken plays a user pool for trying the authorizer by hand: it
// serves a fresh RSA key's JWKS on 127.0.0.1, prints Cognito-shaped ID and
// access tokens signed with it and the settings that point the authorizer at
// it, and writes the sample events with the token filled in, plus an
// env-vars file for sam local invoke. The tokens are good while it runs.
//
//	go run ./cmd/devtoken            # serve until Ctrl-C
//	sam local invoke AuthorizerFunction -e .local/token.json --env-vars .local/env.json
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/gatehouse-dev/cognito-authorizer/internal/apispec"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/apigwtest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/cognitotest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "devtoken:", err)
		os.Exit(2)
	}
}

type options struct {
	addr, pool, client, sub, username, email, groups, scopes string
	events, out                                              string
	serve                                                    bool
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	var o options
	fs := flag.NewFlagSet("devtoken", flag.ContinueOnError)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8089", "address to serve the JWKS on (0.0.0.0:8089 lets Docker on Linux reach it)")
	fs.StringVar(&o.pool, "pool", "eu-west-1_LocalDev1", "user pool id")
	fs.StringVar(&o.client, "client", "localdevclient", "app client id")
	fs.StringVar(&o.sub, "sub", "d0e1f2a3-0000-4000-8000-00000000a11c", "the user's sub")
	fs.StringVar(&o.username, "username", "alice", "the user's name")
	fs.StringVar(&o.email, "email", "alice@example.com", "the user's email (empty: none)")
	fs.StringVar(&o.groups, "groups", apispec.GroupWriters, "comma-separated cognito:groups (the sample's rules: "+strings.Join(apispec.RuleGroups(apispec.SampleRoutes()), ", ")+"; empty: none)")
	fs.StringVar(&o.scopes, "scopes", "", "space-separated scopes of the access token (empty: Cognito's default)")
	fs.StringVar(&o.events, "events", "events", "directory of the sample events to fill in")
	fs.StringVar(&o.out, "out", ".local", "directory to write the filled-in events and env.json to (empty: none)")
	fs.BoolVar(&o.serve, "serve", true, "keep serving the JWKS until interrupted")
	fs.SetOutput(stdout)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil // -h: the usage is the answer
		}
		return err
	}

	pool, err := cognitotest.New(o.pool, o.client)
	if err != nil {
		return fmt.Errorf("-pool: %w", err)
	}
	user := cognitotest.User{Sub: o.sub, Username: o.username, Email: o.email}
	if o.groups != "" {
		user.Groups = strings.Split(o.groups, ",")
	}
	if o.scopes != "" {
		user.Scopes = strings.Fields(o.scopes)
	}
	now := time.Now()
	id, err := pool.IDToken(user, now)
	if err != nil {
		return err
	}
	access, err := pool.AccessToken(user, now)
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("-addr: %w", err)
	}
	srv := &http.Server{Handler: pool, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	jwksURL := fmt.Sprintf("http://127.0.0.1:%d%s", port, pool.JWKSPath())

	fmt.Fprintf(stdout, "# Local user pool %s, app client %s; JWKS at %s\n", o.pool, o.client, jwksURL)
	fmt.Fprintf(stdout, "# The tokens are valid for %v, while this runs.\n", cognitotest.TokenLifetime)
	fmt.Fprintf(stdout, "export %s=%s\n", settings.EnvUserPoolID, o.pool)
	fmt.Fprintf(stdout, "export %s=%s\n", settings.EnvClientIDs, o.client)
	fmt.Fprintf(stdout, "export %s=%s\n", settings.EnvJWKSURL, jwksURL)
	fmt.Fprintf(stdout, "export ID_TOKEN=%s\n", id)
	fmt.Fprintf(stdout, "export ACCESS_TOKEN=%s\n", access)

	if o.out != "" {
		dockerJWKS := fmt.Sprintf("http://host.docker.internal:%d%s", port, pool.JWKSPath())
		written, err := writeFiles(o, id, dockerJWKS)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "# Wrote %s (JWKS via host.docker.internal) for:\n", strings.Join(written, ", "))
		fmt.Fprintf(stdout, "#   sam local invoke AuthorizerFunction -e %s --env-vars %s\n",
			filepath.Join(o.out, "token.json"), filepath.Join(o.out, "env.json"))
	}
	if !o.serve {
		return nil
	}
	fmt.Fprintln(stdout, "# Serving the JWKS; Ctrl-C to stop.")
	<-ctx.Done()
	shutdown, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}

// writeFiles fills the ID token into the sample authorizer events and writes
// them, with an env-vars file for sam local invoke, to o.out.
func writeFiles(o options, token, jwksURL string) ([]string, error) {
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return nil, err
	}
	var written []string
	for _, name := range []string{"token.json", "request.json"} {
		b, err := os.ReadFile(filepath.Join(o.events, name))
		if err != nil {
			return nil, fmt.Errorf("-events: %w", err)
		}
		path := filepath.Join(o.out, name)
		if err := os.WriteFile(path, apigwtest.FillToken(b, token), 0o644); err != nil {
			return nil, err
		}
		written = append(written, path)
	}
	env := map[string]map[string]string{
		"AuthorizerFunction": {
			settings.EnvUserPoolID: o.pool,
			settings.EnvClientIDs:  o.client,
			settings.EnvJWKSURL:    jwksURL,
			// The sample API's rules, as template.yaml gives them.
			settings.EnvRouteRules: apispec.RouteRules(apispec.SampleRoutes()),
			// No revocation table locally: the template's would be
			// unreachable from sam local invoke (the outage answer).
			settings.EnvRevocationTable: "",
		},
		"AddNoteFunction": {
			settings.EnvNotesTable: "notes",
		},
	}
	b, err := json.MarshalIndent(env, "", "  ")
	if err != nil {
		return nil, err
	}
	path := filepath.Join(o.out, "env.json")
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return nil, err
	}
	written = append(written, path)
	// For make invoke, which fills an event's {{token}} with it.
	path = filepath.Join(o.out, "id-token")
	if err := os.WriteFile(path, []byte(token+"\n"), 0o600); err != nil {
		return nil, err
	}
	return append(written, path), nil
}

// Command demo shows the authorizer at work with nothing but Go: it builds
// the real bootstrap binary, runs it as Lambda runs it (through a local
// Lambda Runtime API), plays the user pool itself (an RSA key, its JWKS on
// 127.0.0.1, Cognito-shaped tokens), and sends it the sample events with good
// and bad tokens. It prints what each got, passes an allowed context to the
// add-note handler as API Gateway would, and exits 0 only if every case got
// the answer it should.
//
// Run it from the repository's root: make demo (or go run ./cmd/demo).
package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/golang-jwt/jwt/v5"

	"github.com/gatehouse-dev/cognito-authorizer/internal/identity"
	"github.com/gatehouse-dev/cognito-authorizer/internal/notes"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/apigwtest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/cognitotest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/lambdatest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/notestest"
)

// The demo's user pool, app client and the group its API requires.
const (
	poolID        = "eu-west-1_LocalDemo1"
	clientID      = "demo4app4client4id"
	requiredGroup = "notes"
	authorizerPkg = "github.com/gatehouse-dev/cognito-authorizer/cmd/authorizer"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	events := flag.String("events", "events", "directory of the sample events")
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

// answer is what an authorizer invocation came to, in API Gateway's terms.
type answer struct {
	Outcome   string // Allow, Deny 403, Unauthorized 401, Error 500
	Principal string
	Context   map[string]any
	Reason    string // from the authorizer's log line
	Took      string // handler time, from the same line
}

// demoCase is one event the authorizer is sent and what it must answer.
type demoCase struct {
	name   string
	event  string // file in the events directory
	token  string
	want   string
	reason string // the reason the authorizer must log
}

// run plays the demo, writing its report to w, and says whether every case
// got the answer it should.
func run(ctx context.Context, w io.Writer, eventsDir string, verbose bool) (bool, error) {
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
	logs := &lambdatest.Output{}
	fn, err := lambdatest.StartFunction(ctx, binary, map[string]string{
		settings.EnvUserPoolID:     poolID,
		settings.EnvClientIDs:      clientID,
		settings.EnvJWKSURL:        jwksURL,
		settings.EnvRequiredGroups: requiredGroup,
		"AWS_REGION":               "eu-west-1",
	}, logs)
	if err != nil {
		return false, err
	}
	defer fn.Stop()

	fmt.Fprintf(w, "Running it through a local Lambda Runtime API, against the local user pool %s\n", poolID)
	fmt.Fprintf(w, "(JWKS at %s), with %s=%s and %s=%s.\n\n", jwksURL,
		settings.EnvClientIDs, clientID, settings.EnvRequiredGroups, requiredGroup)

	cases, err := makeCases(pool)
	if err != nil {
		return false, err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CASE\tEVENT\tANSWER\tPRINCIPAL\tCONTEXT (some keys)\tREASON\tTIME\t")
	allOK := true
	var allowed *answer
	for _, c := range cases {
		a, err := invoke(ctx, fn, logs, filepath.Join(eventsDir, c.event), c.token)
		if err != nil {
			return false, fmt.Errorf("%s: %w", c.name, err)
		}
		mark := ""
		if a.Outcome != c.want || a.Reason != c.reason {
			allOK = false
			mark = fmt.Sprintf("  <-- want %s %s", c.want, c.reason)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.name, c.event, a.Outcome, dash(a.Principal),
			dash(summary(a.Context)), dash(a.Reason), a.Took, mark)
		if allowed == nil && a.Outcome == "Allow" {
			allowed = &a
		}
	}
	tw.Flush()

	if allowed == nil {
		return false, fmt.Errorf("no case was allowed")
	}
	status, body, err := addNote(ctx, eventsDir, allowed)
	if err != nil {
		return false, err
	}
	fmt.Fprintf(w, "\nadd-note, given the first allowed context as API Gateway passes it:\n  POST /add-note {\"note\":\"Bring home milk\"} -> %d %s\n", status, body)
	if status != 201 {
		allOK = false
	}
	if verbose {
		fmt.Fprintf(w, "\nThe authorizer's log:\n%s", logs.String())
	}
	if allOK {
		fmt.Fprintf(w, "\nEvery case got the answer it should (%d authorizer cases, 1 add-note).\n", len(cases))
	} else {
		fmt.Fprintf(w, "\nSome cases did not get the answer they should: see the <-- marks.\n")
	}
	return allOK, nil
}

func makeCases(pool *cognitotest.Pool) ([]demoCase, error) {
	now := time.Now()
	alice := cognitotest.User{Sub: "a1b2c3d4-0000-4000-8000-00000000a11c", Username: "alice", Email: "alice@example.com", Groups: []string{requiredGroup, "staff"}}
	bob := cognitotest.User{Sub: "b0b0b0b0-0000-4000-8000-000000000b0b", Username: "bob", Email: "bob@example.com"}

	other, err := cognitotest.New("eu-west-1_OtherPool9", clientID)
	if err != nil {
		return nil, err
	}
	var firstErr error
	sign := func(p *cognitotest.Pool, claims jwt.MapClaims) string {
		tok, err := p.Sign(claims)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		return tok
	}
	id := sign(pool, pool.IDClaims(alice, now))
	parts := strings.Split(id, ".")
	tampered := pool.IDClaims(alice, now)
	tampered["cognito:groups"] = []string{requiredGroup, "admins"}
	forged, _ := json.Marshal(tampered)
	otherClient := pool.IDClaims(alice, now)
	otherClient["aud"] = "someotherappclient"
	none := jwt.NewWithClaims(jwt.SigningMethodNone, pool.IDClaims(alice, now))
	none.Header["kid"] = "any"
	noneToken, err := none.SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		return nil, err
	}

	cases := []demoCase{
		{"valid ID token", "token.json", id, "Allow", ""},
		{"valid access token", "token.json", sign(pool, pool.AccessClaims(alice, now)), "Allow", ""},
		{"REQUEST event, token in header", "request.json", id, "Allow", ""},
		{"user not in group " + requiredGroup, "token.json", sign(pool, pool.IDClaims(bob, now)), "Deny 403", "missing_group"},
		{"expired token", "token.json", sign(pool, pool.IDClaims(alice, now.Add(-2*time.Hour))), "Unauthorized 401", "expired"},
		{"tampered token (groups)", "token.json", parts[0] + "." + b64(forged) + "." + parts[2], "Unauthorized 401", "bad_signature"},
		{"token from another pool", "token.json", sign(other, other.IDClaims(alice, now)), "Unauthorized 401", "wrong_issuer"},
		{"token for another app client", "token.json", sign(pool, otherClient), "Unauthorized 401", "wrong_client"},
		{"alg none", "token.json", noneToken, "Unauthorized 401", "malformed"},
		{"missing token", "token.json", "", "Unauthorized 401", "no_token"},
	}
	return cases, firstErr
}

// invoke sends the event in file, with token in place of {{token}}, to the
// function and reads the answer and the authorizer's log line for it.
func invoke(ctx context.Context, fn *lambdatest.Function, logs *lambdatest.Output, file, token string) (answer, error) {
	ev, err := apigwtest.ReadEvent(file, token)
	if err != nil {
		return answer{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	res, err := fn.Invoke(ctx, ev)
	if err != nil {
		return answer{}, err
	}
	var a answer
	switch {
	case res.Error != nil && res.Error.Message == "Unauthorized":
		a.Outcome = "Unauthorized 401"
	case res.Error != nil:
		a.Outcome = "Error 500"
	default:
		var resp events.APIGatewayCustomAuthorizerResponse
		if err := json.Unmarshal(res.Payload, &resp); err != nil {
			return answer{}, fmt.Errorf("decoding the answer: %w", err)
		}
		a.Outcome, a.Principal, a.Context = "Allow", resp.PrincipalID, resp.Context
		if len(resp.PolicyDocument.Statement) != 1 || resp.PolicyDocument.Statement[0].Effect != "Allow" {
			a.Outcome = "Deny 403"
		}
	}
	a.Reason, a.Took = decision(ctx, logs, res.RequestID)
	return a, nil
}

// addNote runs the add-note handler, with an in-memory store, on the sample
// proxy event whose authorizer context is a's, as API Gateway passes it.
func addNote(ctx context.Context, eventsDir string, a *answer) (int, string, error) {
	req, err := apigwtest.ReadProxyRequest(filepath.Join(eventsDir, "add-note.json"))
	if err != nil {
		return 0, "", err
	}
	req.RequestContext.Authorizer = apigwtest.AuthorizerContext(a.Principal, a.Context)
	req.Body, req.IsBase64Encoded = `{"note":"Bring home milk"}`, false
	h := notes.NewHandler(&notestest.Store{}, slog.New(slog.DiscardHandler))
	resp, err := h.Handle(ctx, req)
	if err != nil {
		return 0, "", err
	}
	return resp.StatusCode, resp.Body, nil
}

func summary(ctx map[string]any) string {
	if ctx == nil {
		return ""
	}
	var parts []string
	for _, k := range []string{identity.KeyUsername, identity.KeyTokenUse, identity.KeyGroups} {
		if v, ok := ctx[k]; ok {
			parts = append(parts, fmt.Sprintf("%s=%v", k, v))
		}
	}
	return strings.Join(parts, " ")
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// decision returns the reason and handler time of the authorizer's log line
// for requestID. The line may reach the pipe a moment after the answer.
func decision(ctx context.Context, logs *lambdatest.Output, requestID string) (reason, took string) {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	line, err := logs.Line(ctx, requestID)
	if err != nil || line["msg"] != "authorizer decision" {
		return "", "?"
	}
	reason, _ = line["reason"].(string)
	ms, _ := line["duration_ms"].(float64)
	return reason, fmt.Sprintf("%.2f ms", ms)
}

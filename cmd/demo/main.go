// Command demo shows the authorizer at work with nothing but Go: it builds
// the real bootstrap binary, runs it as Lambda runs it (through a local
// Lambda Runtime API) with the sample API's route rules (events/rules.json),
// plays the user pool itself (an RSA key, its JWKS on 127.0.0.1,
// Cognito-shaped tokens), and sends it the sample events for several routes
// and users, with good and bad tokens: each kind of rule passing and
// failing, and tokens that never reach the rules. It prints what each got,
// evaluating the returned policy for the request as API Gateway does, passes
// the allowed contexts to the add-note and list-notes handlers as API
// Gateway would, and exits 0 only if every case got the answer it should.
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
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/golang-jwt/jwt/v5"

	"github.com/gatehouse-dev/cognito-authorizer/internal/identity"
	"github.com/gatehouse-dev/cognito-authorizer/internal/notes"
	"github.com/gatehouse-dev/cognito-authorizer/internal/revocation"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/apigwtest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/cognitotest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/dynamotest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/lambdatest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/notestest"
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

// answer is what an authorizer invocation came to, in API Gateway's terms.
type answer struct {
	Outcome   string // Allow, Deny 403, Unauthorized 401, Error 500
	Principal string
	Context   map[string]any
	Rule      string // the route rule that decided, from the log line
	Reason    string // from the authorizer's log line
	Took      string // handler time, from the same line
}

// demoCase is one event the authorizer is sent and what it must answer.
type demoCase struct {
	name   string
	event  string // file in the events directory
	method string // of the request; empty: the event's own methodArn
	path   string
	shown  string // the request as the table shows it
	token  string
	want   string
	reason string // the reason the authorizer must log
}

// The demo's users. Their groups and claims meet the rules of
// events/rules.json in every way, passing and failing.
var (
	alice = cognitotest.User{Sub: "a1b2c3d4-0000-4000-8000-00000000a11c", Username: "alice", Email: "alice@example.com", Groups: []string{"writers"}}
	bob   = cognitotest.User{Sub: "b0b0b0b0-0000-4000-8000-000000000b0b", Username: "bob", Email: "bob@example.com"}
	carol = cognitotest.User{Sub: "ca201ca2-0000-4000-8000-0000000ca201", Username: "carol", Email: "carol@example.com", Groups: []string{"admins"}}
	dave  = cognitotest.User{Sub: "da7eda7e-0000-4000-8000-0000000da7e0", Username: "dave", Email: "dave@example.com", Groups: []string{"admins"}}
	erin  = cognitotest.User{Sub: "e1e1e1e1-0000-4000-8000-0000000e1e10", Username: "erin", Email: "erin@example.com"}
)

// tenants are the custom:tenant claims of the users' ID tokens.
var tenants = map[string]string{carol.Username: "acme", dave.Username: "globex"}

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
	fn, err := lambdatest.StartFunction(ctx, binary, map[string]string{
		settings.EnvUserPoolID:         poolID,
		settings.EnvClientIDs:          clientID,
		settings.EnvJWKSURL:            jwksURL,
		settings.EnvRouteRules:         string(rules),
		settings.EnvRevocationTable:    revocationTable,
		settings.EnvRevocationCacheTTL: "0s",
		settings.EnvEndpointDynamoDB:   dynamo.URL(),
		"AWS_REGION":                   "eu-west-1",
		"AWS_ACCESS_KEY_ID":            "demo",
		"AWS_SECRET_ACCESS_KEY":        "demo",
	}, logs)
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
	if allOK {
		fmt.Fprintf(w, "\nEvery case got the answer it should (%d authorizer cases, %d note requests).\n", len(cases), steps)
	} else {
		fmt.Fprintf(w, "\nSome cases did not get the answer they should: see the <-- marks.\n")
	}
	return allOK, nil
}

func makeCases(pool *cognitotest.Pool) ([]demoCase, error) {
	now := time.Now()
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
	idToken := func(u cognitotest.User) string {
		c := pool.IDClaims(u, now)
		if t, ok := tenants[u.Username]; ok {
			c["custom:tenant"] = t
		}
		return sign(pool, c)
	}
	id := idToken(alice)
	parts := strings.Split(id, ".")
	tampered := pool.IDClaims(alice, now)
	tampered["cognito:groups"] = []string{"writers", "admins"}
	forged, _ := json.Marshal(tampered)
	otherClient := pool.IDClaims(alice, now)
	otherClient["aud"] = "someotherappclient"
	none := jwt.NewWithClaims(jwt.SigningMethodNone, pool.IDClaims(alice, now))
	none.Header["kid"] = "any"
	noneToken, err := none.SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		return nil, err
	}
	reader := alice
	reader.Scopes = []string{"notes/read"}
	// Tokens of the sessions signOuts revokes: bob's session
	// revokedSession, and erin's, issued before she signed out everywhere.
	signedOutSession := pool.IDClaims(bob, now)
	signedOutSession["origin_jti"] = revokedSession
	signedOutUser := pool.IDClaims(erin, now.Add(-time.Minute))

	userNotes := func(u cognitotest.User) (string, string) {
		return "/users/" + u.Sub + "/notes", "GET /users/{" + u.Username + "}/notes"
	}
	alicePath, aliceShown := userNotes(alice)
	bobPath, bobShown := userNotes(bob)
	const addNote = "POST /add-note"
	cases := []demoCase{
		// Route rules: each kind, passing and failing.
		{"alice, writer: group allow", "token.json", "", "", addNote, id, "Allow", ""},
		{"  same, access token", "token.json", "", "", addNote, sign(pool, pool.AccessClaims(alice, now)), "Allow", ""},
		{"  same, REQUEST event", "request.json", "", "", addNote, id, "Allow", ""},
		{"bob, no group: group deny", "token.json", "", "", addNote, idToken(bob), "Deny 403", "missing_group"},
		{"bob: rule without conditions", "token.json", "GET", "/notes", "GET /notes", idToken(bob), "Allow", ""},
		{"alice, her own id: owner allow", "token.json", "GET", alicePath, aliceShown, id, "Allow", ""},
		{"alice, bob's id: owner deny", "token.json", "GET", bobPath, bobShown, id, "Deny 403", "not_owner"},
		{"carol, admin: another's notes", "token.json", "GET", alicePath, aliceShown, idToken(carol), "Allow", ""},
		{"carol, tenant acme: claims allow", "token.json", "DELETE", "/admin/tenants/7", "DELETE /admin/tenants/7", idToken(carol), "Allow", ""},
		{"dave, tenant globex: claims deny", "token.json", "DELETE", "/admin/tenants/7", "DELETE /admin/tenants/7", idToken(dave), "Deny 403", "claim_mismatch"},
		{"alice, notes/read: scope allow", "token.json", "GET", "/reports", "GET /reports", sign(pool, pool.AccessClaims(reader, now)), "Allow", ""},
		{"alice, ID token: scope deny", "token.json", "GET", "/reports", "GET /reports", id, "Deny 403", "missing_scope"},
		{"alice: unlisted route", "token.json", "GET", "/health", "GET /health", id, "Deny 403", "no_rule"},
		// Sign-out: a revoked session, a revoked user, a new session.
		{"bob, signed-out session", "token.json", "GET", "/notes", "GET /notes", sign(pool, signedOutSession), "Unauthorized 401", "revoked"},
		{"bob, another session", "token.json", "GET", "/notes", "GET /notes", idToken(bob), "Allow", ""},
		{"erin, signed out everywhere", "token.json", "GET", "/notes", "GET /notes", sign(pool, signedOutUser), "Unauthorized 401", "revoked"},
		// Tokens that never reach the rules.
		{"expired token", "token.json", "", "", addNote, sign(pool, pool.IDClaims(alice, now.Add(-2*time.Hour))), "Unauthorized 401", "expired"},
		{"tampered token (groups)", "token.json", "", "", addNote, parts[0] + "." + b64(forged) + "." + parts[2], "Unauthorized 401", "bad_signature"},
		{"token from another pool", "token.json", "", "", addNote, sign(other, other.IDClaims(alice, now)), "Unauthorized 401", "wrong_issuer"},
		{"token for another app client", "token.json", "", "", addNote, sign(pool, otherClient), "Unauthorized 401", "wrong_client"},
		{"alg none", "token.json", "", "", addNote, noneToken, "Unauthorized 401", "malformed"},
		{"missing token", "token.json", "", "", addNote, "", "Unauthorized 401", "no_token"},
	}
	return cases, firstErr
}

// revocationTable is the demo's revocation table; revokedSession is the
// origin_jti of the session bob signed out of.
const (
	revocationTable = "revocations"
	revokedSession  = "5e55105e-0000-4000-8000-0000000b0b05"
)

// signOuts writes what POST /sign-out writes for bob's session and for
// erin everywhere, through the sign-out's own store and the AWS SDK.
func signOuts(ctx context.Context, endpoint string) error {
	client := dynamodb.New(dynamodb.Options{
		Region:       "eu-west-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("demo", "demo", ""),
	})
	store := revocation.NewStore(client, revocationTable)
	now := time.Now()
	if err := store.RevokeSession(ctx, revokedSession, now.Add(time.Hour)); err != nil {
		return err
	}
	return store.RevokeUser(ctx, erin.Sub, now, now.Add(time.Hour))
}

// invoke sends c's event, with its token in place of {{token}} and its
// method and path in the methodArn, to the function, and reads the answer,
// as API Gateway evaluates its policy for that methodArn, and the
// authorizer's log line for it.
func invoke(ctx context.Context, fn *lambdatest.Function, logs *lambdatest.Output, eventsDir string, c demoCase) (answer, error) {
	ev, err := apigwtest.ReadEvent(filepath.Join(eventsDir, c.event), c.token)
	if err != nil {
		return answer{}, err
	}
	var fields map[string]any
	if err := json.Unmarshal(ev, &fields); err != nil {
		return answer{}, fmt.Errorf("%s: %w", c.event, err)
	}
	methodARN, _ := fields["methodArn"].(string)
	if c.method != "" {
		methodARN = stagePrefix + c.method + c.path
		fields["methodArn"] = methodARN
		if ev, err = json.Marshal(fields); err != nil {
			return answer{}, err
		}
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
		if !apigwtest.Allows(resp.PolicyDocument, methodARN) {
			a.Outcome = "Deny 403"
		}
	}
	a.Rule, a.Reason, a.Took = decision(ctx, logs, res.RequestID)
	return a, nil
}

// noteStep is one request to a note function and what it must answer.
type noteStep struct {
	caller   string // whose Allow answer's context the request carries
	shown    string // the request as the report shows it
	req      events.APIGatewayProxyRequest
	want     int
	wantList []string // the notes a listing must hold, in order
	wantNext bool     // whether a listing must have a next page
}

// noteSteps runs the add-note and list-notes handlers, on one in-memory
// table, with the contexts of the Allow answers in allowed, reports each
// request and says whether each got the answer it should.
func noteSteps(ctx context.Context, w io.Writer, eventsDir string, allowed map[string]*answer) (int, bool, error) {
	addReq, err := apigwtest.ReadProxyRequest(filepath.Join(eventsDir, "add-note.json"))
	if err != nil {
		return 0, false, err
	}
	listReq, err := apigwtest.ReadProxyRequest(filepath.Join(eventsDir, "list-notes.json"))
	if err != nil {
		return 0, false, err
	}
	store := &notestest.Store{}
	// Two notes added within a millisecond would have ids in random order:
	// the clock moves on at least a millisecond per note.
	var last time.Time
	clock := func() time.Time {
		now := time.Now().UTC().Truncate(time.Millisecond)
		if !now.After(last) {
			now = last.Add(time.Millisecond)
		}
		last = now
		return now
	}
	add := notes.NewHandler(store, slog.New(slog.DiscardHandler), notes.WithClock(clock))
	list := notes.NewListHandler(store, slog.New(slog.DiscardHandler))

	addNote := func(caller, text string) noteStep {
		req := addReq
		req.Body, req.IsBase64Encoded = `{"note":"`+text+`"}`, false
		return noteStep{caller: caller, shown: "POST /add-note " + req.Body, req: req, want: 201}
	}
	listNotes := func(caller string, owner *cognitotest.User, query map[string]string, shown string) noteStep {
		req := listReq
		req.Resource, req.Path, req.PathParameters = notes.ResourceNotes, notes.ResourceNotes, nil
		if owner != nil {
			req.Resource, req.Path = notes.ResourceUserNotes, "/users/"+owner.Sub+"/notes"
			req.PathParameters = map[string]string{notes.PathUserID: owner.Sub}
		}
		req.QueryStringParameters = query
		req.MultiValueQueryStringParameters = map[string][]string{}
		for k, v := range query {
			req.MultiValueQueryStringParameters[k] = []string{v}
		}
		return noteStep{caller: caller, shown: shown, req: req, want: 200}
	}
	milk, plants := "Bring home milk", "Water the plants"
	steps := []noteStep{
		addNote("alice", milk),
		addNote("alice", plants),
		listNotes("alice", nil, map[string]string{"limit": "1"}, "GET /notes?limit=1"),
		listNotes("alice", nil, map[string]string{"limit": "1"}, "GET /notes?limit=1&next=<next>"),
		listNotes("carol", &alice, nil, "GET /users/{alice}/notes"),
		listNotes("bob", &alice, nil, "GET /users/{alice}/notes"),
	}
	steps[2].wantList, steps[2].wantNext = []string{plants}, true
	steps[3].wantList = []string{milk}
	steps[4].wantList = []string{plants, milk}
	steps[5].want = 403
	steps[5].shown += "  (had the rule let it through)"

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	allOK := true
	next := ""
	for i, s := range steps {
		a := allowed[s.caller]
		s.req.RequestContext.Authorizer = apigwtest.AuthorizerContext(a.Principal, a.Context)
		if strings.Contains(s.shown, "<next>") {
			s.req.QueryStringParameters["next"] = next
			s.req.MultiValueQueryStringParameters["next"] = []string{next}
		}
		h := list.Handle
		if s.req.HTTPMethod == "POST" {
			h = add.Handle
		}
		resp, err := h(ctx, s.req)
		if err != nil {
			return 0, false, fmt.Errorf("note request %d: %w", i+1, err)
		}
		got, ok := resp.Body, resp.StatusCode == s.want
		if s.req.HTTPMethod == "GET" && resp.StatusCode == 200 {
			var body struct {
				Notes []struct{ Note string }
				Next  string
			}
			if err := json.Unmarshal([]byte(resp.Body), &body); err != nil {
				return 0, false, fmt.Errorf("note request %d: %w", i+1, err)
			}
			var texts []string
			for _, n := range body.Notes {
				texts = append(texts, n.Note)
			}
			next = body.Next
			got = fmt.Sprintf("%d %s, newest first: %q", len(texts), plural(len(texts), "note"), texts)
			if body.Next != "" {
				got += "; next page token"
			}
			ok = ok && slices.Equal(texts, s.wantList) && (body.Next != "") == s.wantNext
		}
		mark := ""
		if !ok {
			allOK = false
			mark = fmt.Sprintf("  <-- want %d", s.want)
		}
		fmt.Fprintf(tw, "  %s\t%s\t-> %d %s%s\n", s.caller, s.shown, resp.StatusCode, got, mark)
	}
	tw.Flush()
	return len(steps), allOK, nil
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// decision returns the rule, reason and handler time of the authorizer's
// log line for requestID. The line may reach the pipe a moment after the
// answer.
func decision(ctx context.Context, logs *lambdatest.Output, requestID string) (rule, reason, took string) {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	line, err := logs.Line(ctx, requestID)
	if err != nil || line["msg"] != "authorizer decision" {
		return "", "", "?"
	}
	rule, _ = line["route"].(string)
	reason, _ = line["reason"].(string)
	ms, _ := line["duration_ms"].(float64)
	return rule, reason, fmt.Sprintf("%.2f ms", ms)
}

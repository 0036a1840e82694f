package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	idp "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	idptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/cognito-authorizer/internal/identity"
	"github.com/gatehouse-dev/cognito-authorizer/internal/notes"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/apigwtest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/lambdatest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/mototest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/notestest"
)

// invokeTimeout bounds one invocation of a function, and the wait for its
// log line.
const invokeTimeout = 10 * time.Second

// user is a user of a pool; Sub is what the pool says it is, read with
// AdminGetUser, independently of any token.
type user struct {
	Username, Email, Password, Sub string
}

// tokens are what InitiateAuth answers a signed-in user with.
type tokens struct {
	ID, Access, Refresh string
}

// TestCognitoJourney is the tutorials' journey: a user pool and its app
// client, users who sign up, are confirmed, put in groups and log in with
// USER_PASSWORD_AUTH; the authorizer allowing their tokens and refusing
// tokens of another pool, of another app client and of a kind it was not
// configured for; the sample API's route rules (events/rules.json) granting
// each user what they may do; add-note storing notes and list-notes listing
// them, each with the context of an Allow answer. One moto_server serves
// every subtest.
func TestCognitoJourney(t *testing.T) {
	// The builds overlap moto_server's start and the set-up of the pools.
	binaries := buildAll(t, "../cmd/authorizer", "../cmd/add-note", "../cmd/list-notes")
	rules, err := os.ReadFile(filepath.Join("..", "events", "rules.json"))
	if err != nil {
		t.Fatal(err)
	}

	endpoint := mototest.Start(t)
	awsCfg := mototest.Config(endpoint)
	cognito := idp.NewFromConfig(awsCfg)
	db := dynamodb.NewFromConfig(awsCfg)

	// The pool the API trusts, its app client, and a second app client of
	// the same pool, for another application.
	poolID := createPool(t, cognito, "notes-users")
	clientID := createClient(t, cognito, poolID, "notes-web")
	otherClientID := createClient(t, cognito, poolID, "other-app")
	// The groups of the sample rules: writers add notes, admins read
	// everyone's.
	const group, adminGroup = "writers", notes.AdminGroup
	for _, g := range []string{group, adminGroup} {
		if _, err := cognito.CreateGroup(t.Context(), &idp.CreateGroupInput{UserPoolId: &poolID, GroupName: aws.String(g)}); err != nil {
			t.Fatalf("CreateGroup(%s) error = %v", g, err)
		}
	}
	alice := signUp(t, cognito, poolID, clientID, user{Username: "alice", Email: "alice@example.com", Password: "Correct-Horse-9-Battery"})
	addToGroup(t, cognito, poolID, alice, group)
	aliceTokens := signIn(t, cognito, clientID, alice)
	bob := signUp(t, cognito, poolID, clientID, user{Username: "bob", Email: "bob@example.com", Password: "Stapled-Bob-4-Battery"})
	bobTokens := signIn(t, cognito, clientID, bob)
	carol := signUp(t, cognito, poolID, clientID, user{Username: "carol", Email: "carol@example.com", Password: "Admin-Carol-8-Battery"})
	addToGroup(t, cognito, poolID, carol, adminGroup)
	carolTokens := signIn(t, cognito, clientID, carol)
	otherClientTokens := signIn(t, cognito, otherClientID, alice)

	// Another pool with a user of the same name: their tokens must not
	// open the API.
	otherPoolID := createPool(t, cognito, "someone-elses-users")
	otherPoolClientID := createClient(t, cognito, otherPoolID, "their-web")
	otherAlice := signUp(t, cognito, otherPoolID, otherPoolClientID, user{Username: "alice", Email: "alice@example.org", Password: "Another-Horse-7-Battery"})
	otherPoolTokens := signIn(t, cognito, otherPoolClientID, otherAlice)
	if otherAlice.Sub == alice.Sub {
		t.Fatalf("both pools gave alice sub %s, want two users", alice.Sub)
	}

	const table = "notes"
	notestest.CreateTable(t, db, table)

	bins := binaries()
	authorizerBin, addNoteBin, listNotesBin := bins[0], bins[1], bins[2]
	env := map[string]string{
		settings.EnvUserPoolID: poolID,
		settings.EnvClientIDs:  clientID,
		settings.EnvJWKSURL:    endpoint + "/" + poolID + "/.well-known/jwks.json",
	}
	authz := startFunction(t, authorizerBin, env)
	idOnlyEnv := maps.Clone(env)
	idOnlyEnv[settings.EnvTokenUse] = "id"
	idOnly := startFunction(t, authorizerBin, idOnlyEnv)
	rulesEnv := maps.Clone(env)
	rulesEnv[settings.EnvRouteRules] = string(rules)
	ruled := startFunction(t, authorizerBin, rulesEnv)
	notesEnv := map[string]string{
		settings.EnvNotesTable:       table,
		settings.EnvEndpointDynamoDB: endpoint,
		"AWS_REGION":                 mototest.Region,
		// Dummies: moto_server takes any credentials. The function sees no
		// other AWS setting: StartFunction passes only what it is given.
		"AWS_ACCESS_KEY_ID":     "testing",
		"AWS_SECRET_ACCESS_KEY": "testing",
	}
	addNote := startFunction(t, addNoteBin, notesEnv)
	listNotes := startFunction(t, listNotesBin, notesEnv)

	// What every Allow answer for alice carries, whichever the token.
	aliceContext := map[string]any{
		identity.KeySub:      alice.Sub,
		identity.KeyUsername: alice.Username,
		identity.KeyGroups:   group,
		identity.KeyClientID: clientID,
	}
	idContext := maps.Clone(aliceContext)
	idContext[identity.KeyTokenUse] = "id"
	idContext[identity.KeyEmail] = alice.Email
	accessContext := maps.Clone(aliceContext)
	accessContext[identity.KeyTokenUse] = "access"
	// moto's access tokens carry the scope Cognito gives a password login.
	accessContext[identity.KeyScope] = "aws.cognito.signin.user.admin"

	t.Run("allow", func(t *testing.T) {
		tests := []struct {
			name        string
			fn          *function
			event       string
			token       string
			wantContext map[string]any
		}{
			{"ID token, TOKEN event", authz, "token.json", aliceTokens.ID, idContext},
			{"ID token, REQUEST event", authz, "request.json", aliceTokens.ID, idContext},
			{"access token, TOKEN event", authz, "token.json", aliceTokens.Access, accessContext},
			{"access token, REQUEST event", authz, "request.json", aliceTokens.Access, accessContext},
			{"ID token, ID tokens only", idOnly, "token.json", aliceTokens.ID, idContext},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				resp := authorize(t, tt.fn, eventFile(t, tt.event, tt.token))
				if resp.PrincipalID != alice.Sub {
					t.Errorf("principalId = %q, want alice's sub %q", resp.PrincipalID, alice.Sub)
				}
				if diff := cmp.Diff(tt.wantContext, pick(resp.Context, contextKeys)); diff != "" {
					t.Errorf("context (-want +got):\n%s", diff)
				}
			})
		}
	})

	t.Run("refuse", func(t *testing.T) {
		tests := []struct {
			name       string
			fn         *function
			event      string
			token      string
			wantReason string
		}{
			// moto signs every pool's tokens with one key (kid "dummy"),
			// which every pool's JWKS serves, so the signature checks out
			// and the issuer is what tells the pools apart. Against real
			// Cognito, whose pools have keys of their own, the reason
			// would be unknown_key.
			{"ID token of another pool", authz, "token.json", otherPoolTokens.ID, "wrong_issuer"},
			{"access token of another pool", authz, "request.json", otherPoolTokens.Access, "wrong_issuer"},
			{"ID token of another app client", authz, "token.json", otherClientTokens.ID, "wrong_client"},
			{"access token of another app client", authz, "request.json", otherClientTokens.Access, "wrong_client"},
			{"access token, ID tokens only", idOnly, "token.json", aliceTokens.Access, "wrong_token_use"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				res, line := tt.fn.invoke(t, eventFile(t, tt.event, tt.token))
				if res.Error == nil || res.Error.Message != "Unauthorized" {
					t.Errorf("answer = %s, error %v, want the error Unauthorized", res.Payload, res.Error)
				}
				got := map[string]any{"decision": line["decision"], "reason": line["reason"]}
				want := map[string]any{"decision": "unauthorized", "reason": tt.wantReason}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("log line %v (-want +got):\n%s", line, diff)
				}
			})
		}
	})

	// The sample rules, through the real authorizer: each user gets what
	// events/rules.json grants them, on the route of the request. (The
	// demo also shows claims and scope rules; moto's tokens carry neither
	// custom attributes nor custom scopes.)
	t.Run("route rules", func(t *testing.T) {
		tests := []struct {
			name       string
			token      string
			method     string
			path       string
			wantReason string // empty: allowed
		}{
			{"writer adds a note", aliceTokens.ID, "POST", "/add-note", ""},
			{"writer adds a note, access token", aliceTokens.Access, "POST", "/add-note", ""},
			{"no group adds a note", bobTokens.ID, "POST", "/add-note", "missing_group"},
			{"own notes, any user", bobTokens.ID, "GET", "/notes", ""},
			{"own notes by id", aliceTokens.ID, "GET", "/users/" + alice.Sub + "/notes", ""},
			{"another user's notes", aliceTokens.ID, "GET", "/users/" + bob.Sub + "/notes", "not_owner"},
			{"another user's notes, as an admin", carolTokens.Access, "GET", "/users/" + alice.Sub + "/notes", ""},
			{"admin API without the tenant", carolTokens.ID, "DELETE", "/admin/tenants/7", "claim_mismatch"},
			{"reports without the scope", aliceTokens.Access, "GET", "/reports", "missing_scope"},
			{"unlisted route", aliceTokens.ID, "GET", "/health", "no_rule"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ev := routeEvent(t, "token.json", tt.token, tt.method, tt.path)
				if tt.wantReason == "" {
					authorize(t, ruled, ev)
					return
				}
				refused(t, ruled, ev, tt.wantReason)
			})
		}
	})

	t.Run("add-note", func(t *testing.T) {
		tests := []struct {
			name      string
			token     string
			note      string
			wantEmail string // stored only when the token carries one
		}{
			{"ID token", aliceTokens.ID, "Bring home milk", alice.Email},
			{"access token", aliceTokens.Access, "Water the plants", ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				// API Gateway asks the authorizer, then hands its Allow
				// answer to the integration as requestContext.authorizer.
				allowed := authorize(t, ruled, eventFile(t, "request.json", tt.token))
				req := proxyRequest(t, tt.token, apigwtest.AuthorizerContext(allowed.PrincipalID, allowed.Context), tt.note)
				res, line := addNote.invoke(t, req)
				if res.Error != nil {
					t.Fatalf("add-note answered the error %v, want 201", res.Error)
				}
				var resp events.APIGatewayProxyResponse
				if err := json.Unmarshal(res.Payload, &resp); err != nil {
					t.Fatalf("add-note answer %s: %v", res.Payload, err)
				}
				if resp.StatusCode != http.StatusCreated {
					t.Fatalf("add-note status = %d %s, want %d", resp.StatusCode, resp.Body, http.StatusCreated)
				}
				var created struct{ ID, Note, CreatedAt string }
				if err := json.Unmarshal([]byte(resp.Body), &created); err != nil {
					t.Fatalf("add-note body %s: %v", resp.Body, err)
				}

				want := map[string]string{
					notes.AttrUserID:    alice.Sub,
					notes.AttrNoteID:    created.ID,
					notes.AttrNote:      tt.note,
					notes.AttrCreatedAt: created.CreatedAt,
				}
				if tt.wantEmail != "" {
					want[notes.AttrEmail] = tt.wantEmail
				}
				got := notestest.GetItem(t, db, table, alice.Sub, created.ID)
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("stored item (-want +got):\n%s", diff)
				}
				if created.Note != tt.note {
					t.Errorf("answered note = %q, want %q", created.Note, tt.note)
				}
				gotLine := map[string]any{"status": line["status"], "sub": line["sub"], "note_id": line["note_id"]}
				wantLine := map[string]any{"status": float64(http.StatusCreated), "sub": alice.Sub, "note_id": created.ID}
				if diff := cmp.Diff(wantLine, gotLine); diff != "" {
					t.Errorf("add-note log line %v (-want +got):\n%s", line, diff)
				}
			})
		}
	})

	// list-notes reads what add-note stored, for the callers the rules let
	// through, with the context of their Allow answers.
	t.Run("list-notes", func(t *testing.T) {
		own := func(tb testing.TB, tokens tokens) map[string]any {
			allowed := authorize(tb, ruled, routeEvent(tb, "request.json", tokens.ID, "GET", "/notes"))
			return apigwtest.AuthorizerContext(allowed.PrincipalID, allowed.Context)
		}
		userNotes := func(tb testing.TB, tokens tokens, owner user) map[string]any {
			allowed := authorize(tb, ruled, routeEvent(tb, "request.json", tokens.ID, "GET", "/users/"+owner.Sub+"/notes"))
			return apigwtest.AuthorizerContext(allowed.PrincipalID, allowed.Context)
		}
		aliceNotes := []string{"Water the plants", "Bring home milk"} // newest first

		t.Run("own notes", func(t *testing.T) {
			status, got, next, line := list(t, listNotes, own(t, aliceTokens), nil, nil)
			if status != http.StatusOK || !cmp.Equal(got, aliceNotes) || next != "" {
				t.Errorf("GET /notes = %d %q next %q, want 200 %q and no next page", status, got, next, aliceNotes)
			}
			if line["sub"] != alice.Sub || line["count"] != float64(2) {
				t.Errorf("list-notes log line %v, want alice's sub and count 2", line)
			}
		})
		t.Run("pages", func(t *testing.T) {
			ctx := own(t, aliceTokens)
			var got []string
			next := ""
			for page := 1; page <= 3; page++ {
				query := map[string]string{"limit": "1"}
				if next != "" {
					query["next"] = next
				}
				var notes []string
				var status int
				status, notes, next, _ = list(t, listNotes, ctx, nil, query)
				if status != http.StatusOK || len(notes) != 1 {
					t.Fatalf("page %d = %d %q, want 200 and one note", page, status, notes)
				}
				got = append(got, notes...)
				if next == "" {
					break
				}
			}
			if !cmp.Equal(got, aliceNotes) {
				t.Errorf("pages of one = %q, want %q", got, aliceNotes)
			}
		})
		t.Run("own notes by id", func(t *testing.T) {
			status, got, _, _ := list(t, listNotes, userNotes(t, aliceTokens, alice), &alice, nil)
			if status != http.StatusOK || !cmp.Equal(got, aliceNotes) {
				t.Errorf("GET /users/{alice}/notes by alice = %d %q, want 200 %q", status, got, aliceNotes)
			}
		})
		t.Run("an admin reads another user's notes", func(t *testing.T) {
			status, got, _, line := list(t, listNotes, userNotes(t, carolTokens, alice), &alice, nil)
			if status != http.StatusOK || !cmp.Equal(got, aliceNotes) {
				t.Errorf("GET /users/{alice}/notes by carol = %d %q, want 200 %q", status, got, aliceNotes)
			}
			if line["sub"] != carol.Sub || line["user_id"] != alice.Sub {
				t.Errorf("list-notes log line %v, want carol's sub reading alice's notes", line)
			}
		})
		t.Run("another user has notes of their own", func(t *testing.T) {
			status, got, _, _ := list(t, listNotes, own(t, bobTokens), nil, nil)
			if status != http.StatusOK || len(got) != 0 {
				t.Errorf("GET /notes by bob = %d %q, want 200 and none", status, got)
			}
		})
		t.Run("the function refuses what the rule should have", func(t *testing.T) {
			// The authorizer refuses bob alice's notes (route rules
			// above); were the rule missing, list-notes would still.
			status, got, _, line := list(t, listNotes, own(t, bobTokens), &alice, nil)
			if status != http.StatusForbidden || line["reason"] != "not_owner" {
				t.Errorf("GET /users/{alice}/notes with bob's context = %d %q (log %v), want 403 not_owner", status, got, line)
			}
		})
	})
}

// contextKeys are the keys of the authorizer context that the tests compare;
// the others (iat, exp, jti ...) change with every token.
var contextKeys = []string{
	identity.KeySub, identity.KeyUsername, identity.KeyEmail, identity.KeyGroups,
	identity.KeyTokenUse, identity.KeyClientID, identity.KeyScope,
}

// pick returns the entries of m under keys; missing keys stay missing.
func pick(m map[string]any, keys []string) map[string]any {
	out := make(map[string]any, len(keys))
	for _, k := range keys {
		if v, ok := m[k]; ok {
			out[k] = v
		}
	}
	return out
}

// createPool creates a user pool as the tutorials do, with the default
// password policy, and returns its id.
func createPool(tb testing.TB, client *idp.Client, name string) string {
	tb.Helper()
	out, err := client.CreateUserPool(tb.Context(), &idp.CreateUserPoolInput{
		PoolName:               aws.String(name),
		AutoVerifiedAttributes: []idptypes.VerifiedAttributeType{idptypes.VerifiedAttributeTypeEmail},
	})
	if err != nil {
		tb.Fatalf("CreateUserPool(%s) error = %v", name, err)
	}
	return aws.ToString(out.UserPool.Id)
}

// createClient creates a public app client (no secret) that signs users in
// with their password and puts their email in ID tokens, and returns its id.
func createClient(tb testing.TB, client *idp.Client, poolID, name string) string {
	tb.Helper()
	out, err := client.CreateUserPoolClient(tb.Context(), &idp.CreateUserPoolClientInput{
		UserPoolId:     aws.String(poolID),
		ClientName:     aws.String(name),
		GenerateSecret: false,
		ExplicitAuthFlows: []idptypes.ExplicitAuthFlowsType{
			idptypes.ExplicitAuthFlowsTypeAllowUserPasswordAuth,
			idptypes.ExplicitAuthFlowsTypeAllowRefreshTokenAuth,
		},
		// Cognito puts every readable attribute in ID tokens when a client
		// names none; moto puts only the ones named.
		ReadAttributes: []string{"email", "email_verified"},
	})
	if err != nil {
		tb.Fatalf("CreateUserPoolClient(%s, %s) error = %v", poolID, name, err)
	}
	return aws.ToString(out.UserPoolClient.ClientId)
}

// signUp signs u up through the app client, confirms them as an
// administrator would, and returns u with the sub the pool gave them.
func signUp(tb testing.TB, client *idp.Client, poolID, clientID string, u user) user {
	tb.Helper()
	ctx := tb.Context()
	_, err := client.SignUp(ctx, &idp.SignUpInput{
		ClientId:       aws.String(clientID),
		Username:       aws.String(u.Username),
		Password:       aws.String(u.Password),
		UserAttributes: []idptypes.AttributeType{{Name: aws.String("email"), Value: aws.String(u.Email)}},
	})
	if err != nil {
		tb.Fatalf("SignUp(%s) error = %v", u.Username, err)
	}
	if _, err := client.AdminConfirmSignUp(ctx, &idp.AdminConfirmSignUpInput{UserPoolId: &poolID, Username: &u.Username}); err != nil {
		tb.Fatalf("AdminConfirmSignUp(%s) error = %v", u.Username, err)
	}
	// The user confirms their address (the authorizer passes only a
	// verified email downstream).
	if _, err := client.AdminUpdateUserAttributes(ctx, &idp.AdminUpdateUserAttributesInput{
		UserPoolId: &poolID, Username: &u.Username,
		UserAttributes: []idptypes.AttributeType{{Name: aws.String("email_verified"), Value: aws.String("true")}},
	}); err != nil {
		tb.Fatalf("AdminUpdateUserAttributes(%s, email_verified) error = %v", u.Username, err)
	}
	out, err := client.AdminGetUser(ctx, &idp.AdminGetUserInput{UserPoolId: &poolID, Username: &u.Username})
	if err != nil {
		tb.Fatalf("AdminGetUser(%s) error = %v", u.Username, err)
	}
	for _, a := range out.UserAttributes {
		if aws.ToString(a.Name) == "sub" {
			u.Sub = aws.ToString(a.Value)
		}
	}
	if u.Sub == "" || out.UserStatus != idptypes.UserStatusTypeConfirmed {
		tb.Fatalf("AdminGetUser(%s) = status %s, attributes %v, want CONFIRMED with a sub", u.Username, out.UserStatus, out.UserAttributes)
	}
	return u
}

// signIn logs u in through the app client with USER_PASSWORD_AUTH.
func signIn(tb testing.TB, client *idp.Client, clientID string, u user) tokens {
	tb.Helper()
	out, err := client.InitiateAuth(tb.Context(), &idp.InitiateAuthInput{
		ClientId:       aws.String(clientID),
		AuthFlow:       idptypes.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": u.Username, "PASSWORD": u.Password},
	})
	if err != nil {
		tb.Fatalf("InitiateAuth(%s, %s) error = %v", clientID, u.Username, err)
	}
	r := out.AuthenticationResult
	if r == nil || aws.ToString(r.IdToken) == "" || aws.ToString(r.AccessToken) == "" {
		tb.Fatalf("InitiateAuth(%s, %s) = challenge %q, result %+v, want ID and access tokens", clientID, u.Username, out.ChallengeName, r)
	}
	return tokens{ID: aws.ToString(r.IdToken), Access: aws.ToString(r.AccessToken), Refresh: aws.ToString(r.RefreshToken)}
}

// buildAll builds each main package as a Lambda bootstrap, in the background
// and in parallel. The function returned waits for the builds and returns
// the binaries' paths in the order of pkgs; call it from the test's own
// goroutine.
func buildAll(tb testing.TB, pkgs ...string) func() []string {
	tb.Helper()
	// tb.Context ends when the test does, early too (moto_server missing):
	// that kills the builds, and the cleanup waits for them.
	ctx, cancel := context.WithTimeout(tb.Context(), 3*time.Minute)
	paths := make([]string, len(pkgs))
	errs := make([]error, len(pkgs))
	var wg sync.WaitGroup
	for i, pkg := range pkgs {
		dir := tb.TempDir()
		wg.Go(func() { paths[i], errs[i] = lambdatest.Build(ctx, pkg, dir) })
	}
	tb.Cleanup(func() {
		wg.Wait()
		cancel()
	})
	return func() []string {
		tb.Helper()
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			tb.Fatal(err)
		}
		return paths
	}
}

// function is a bootstrap binary running through a local Lambda Runtime
// API, and its output: JSON log lines.
type function struct {
	*lambdatest.Function
	out *lambdatest.Output
}

// startFunction starts binary with env, until the test ends. Its output is
// logged if the test fails.
func startFunction(tb testing.TB, binary string, env map[string]string) *function {
	tb.Helper()
	fn, out := lambdatest.Start(tb, binary, env)
	return &function{Function: fn, out: out}
}

// invoke sends event to the function and returns its answer and the log
// line it wrote for the event, the JSON line that carries the event's
// request id.
func (f *function) invoke(tb testing.TB, event []byte) (lambdatest.Result, map[string]any) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(tb.Context(), invokeTimeout)
	defer cancel()
	res, err := f.Invoke(ctx, event)
	if err != nil {
		tb.Fatalf("Invoke() error = %v", err)
	}
	line, err := f.out.Line(ctx, res.RequestID)
	if err != nil {
		tb.Fatalf("log line of request %s: %v", res.RequestID, err)
	}
	return res, line
}

// policyAnswer invokes the authorizer with event and returns its policy
// answer, whether that allows the event's methodArn as API Gateway
// evaluates it, and the log line.
func policyAnswer(tb testing.TB, fn *function, event []byte) (events.APIGatewayCustomAuthorizerResponse, bool, map[string]any) {
	tb.Helper()
	var ev struct{ MethodArn string }
	if err := json.Unmarshal(event, &ev); err != nil || ev.MethodArn == "" {
		tb.Fatalf("event %s has no methodArn: %v", event, err)
	}
	res, line := fn.invoke(tb, event)
	if res.Error != nil {
		tb.Fatalf("authorizer answered the error %v (log %v), want a policy", res.Error, line)
	}
	var resp events.APIGatewayCustomAuthorizerResponse
	if err := json.Unmarshal(res.Payload, &resp); err != nil {
		tb.Fatalf("authorizer answer %s: %v", res.Payload, err)
	}
	return resp, apigwtest.Allows(resp.PolicyDocument, ev.MethodArn), line
}

// authorize invokes the authorizer with event, checks that its policy
// allows the event's methodArn, and returns its answer.
func authorize(tb testing.TB, fn *function, event []byte) events.APIGatewayCustomAuthorizerResponse {
	tb.Helper()
	resp, allowed, line := policyAnswer(tb, fn, event)
	if !allowed {
		tb.Fatalf("authorizer policy = %+v (log %v), want it to allow the request", resp.PolicyDocument, line)
	}
	if line["decision"] != "allow" {
		tb.Errorf("log line %v, want decision allow", line)
	}
	return resp
}

// refused invokes the authorizer with event and checks that its policy
// refuses the event's methodArn (API Gateway's 403) for wantReason.
func refused(tb testing.TB, fn *function, event []byte, wantReason string) {
	tb.Helper()
	resp, allowed, line := policyAnswer(tb, fn, event)
	if allowed {
		tb.Errorf("authorizer policy = %+v, want it to refuse the request", resp.PolicyDocument)
	}
	got := map[string]any{"decision": line["decision"], "reason": line["reason"]}
	want := map[string]any{"decision": "deny", "reason": wantReason}
	if diff := cmp.Diff(want, got); diff != "" {
		tb.Errorf("log line %v (-want +got):\n%s", line, diff)
	}
}

// routeEvent is the sample authorizer event name with token, for method and
// path of the sample API's stage instead of its own methodArn. A REQUEST
// event's resource fields still name POST /add-note: the authorizer reads
// the methodArn alone.
func routeEvent(tb testing.TB, name, token, method, path string) []byte {
	tb.Helper()
	var ev map[string]any
	if err := json.Unmarshal(eventFile(tb, name, token), &ev); err != nil {
		tb.Fatal(err)
	}
	arn, _ := ev["methodArn"].(string)
	stage, _, ok := strings.Cut(arn, "/POST/")
	if !ok {
		tb.Fatalf("%s: methodArn %q is not for POST", name, arn)
	}
	ev["methodArn"] = stage + "/" + method + path
	b, err := json.Marshal(ev)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// list invokes list-notes with the sample list request, its authorizer
// context set to authorizerContext, for owner's notes (GET
// /users/{userId}/notes) or, with a nil owner, the caller's own (GET
// /notes), and returns the status, the notes' texts, the next page token
// and the function's log line.
func list(tb testing.TB, fn *function, authorizerContext map[string]any, owner *user, query map[string]string) (int, []string, string, map[string]any) {
	tb.Helper()
	req := apigwtest.ProxyRequest(tb, filepath.Join("..", "events", "list-notes.json"))
	req.Resource, req.Path, req.PathParameters = notes.ResourceNotes, notes.ResourceNotes, nil
	if owner != nil {
		req.Resource, req.Path = notes.ResourceUserNotes, "/users/"+owner.Sub+"/notes"
		req.PathParameters = map[string]string{notes.PathUserID: owner.Sub}
	}
	req.QueryStringParameters = query
	req.MultiValueQueryStringParameters = make(map[string][]string, len(query))
	for k, v := range query {
		req.MultiValueQueryStringParameters[k] = []string{v}
	}
	req.RequestContext.Authorizer = authorizerContext
	ev, err := json.Marshal(req)
	if err != nil {
		tb.Fatal(err)
	}
	res, line := fn.invoke(tb, ev)
	if res.Error != nil {
		tb.Fatalf("list-notes answered the error %v, want a response", res.Error)
	}
	var resp events.APIGatewayProxyResponse
	if err := json.Unmarshal(res.Payload, &resp); err != nil {
		tb.Fatalf("list-notes answer %s: %v", res.Payload, err)
	}
	var body struct {
		Notes []struct{ Note string }
		Next  string
	}
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal([]byte(resp.Body), &body); err != nil {
			tb.Fatalf("list-notes body %s: %v", resp.Body, err)
		}
	}
	var texts []string
	for _, n := range body.Notes {
		texts = append(texts, n.Note)
	}
	return resp.StatusCode, texts, body.Next, line
}

// addToGroup adds u to group, as the pool's administrator does.
func addToGroup(tb testing.TB, client *idp.Client, poolID string, u user, group string) {
	tb.Helper()
	if _, err := client.AdminAddUserToGroup(tb.Context(), &idp.AdminAddUserToGroupInput{
		UserPoolId: &poolID, Username: &u.Username, GroupName: aws.String(group),
	}); err != nil {
		tb.Fatalf("AdminAddUserToGroup(%s, %s) error = %v", u.Username, group, err)
	}
}

// eventFile reads a sample authorizer event with token in place of
// {{token}}.
func eventFile(tb testing.TB, name, token string) []byte {
	tb.Helper()
	return apigwtest.Event(tb, filepath.Join("..", "events", name), token)
}

// proxyRequest is the sample add-note request as API Gateway passes it to
// the integration once the authorizer allowed it: token in the
// Authorization header, authorizerContext as requestContext.authorizer, and
// note in the body.
func proxyRequest(tb testing.TB, token string, authorizerContext map[string]any, note string) []byte {
	tb.Helper()
	req := apigwtest.ProxyRequest(tb, filepath.Join("..", "events", "add-note.json"))
	body, err := json.Marshal(map[string]string{"note": note})
	if err != nil {
		tb.Fatal(err)
	}
	req.Headers["Authorization"] = "Bearer " + token
	req.MultiValueHeaders["Authorization"] = []string{"Bearer " + token}
	req.RequestContext.Authorizer = authorizerContext
	req.Body = string(body)
	ev, err := json.Marshal(req)
	if err != nil {
		tb.Fatal(err)
	}
	return ev
}

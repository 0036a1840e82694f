package e2e

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	idp "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/apigwtest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/mototest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/notestest"
)

// TestSignOutJourney: a signed-out session's tokens are refused at the gate.
// Sign in, add a note, sign out of this session, the same tokens get 401
// (reason revoked), sign in again and add a note; sign out everywhere
// refuses a second sign-in's tokens too; with the table unreachable a valid
// token gets the outage answer, never an Allow.
func TestSignOutJourney(t *testing.T) {
	binaries := buildAll(t, "../cmd/authorizer", "../cmd/add-note", "../cmd/sign-out")
	endpoint := mototest.Start(t)
	awsCfg := mototest.Config(endpoint)
	cognito := idp.NewFromConfig(awsCfg)
	db := dynamodb.NewFromConfig(awsCfg)

	poolID := createPool(t, cognito, "sign-out-users")
	clientID := createClient(t, cognito, poolID, "notes-web")
	bob := signUp(t, cognito, poolID, clientID, user{Username: "bob", Email: "bob@example.com", Password: "Correct-Horse-9-Battery"})
	const notesTable, revocations = "notes", "revocations"
	notestest.CreateTable(t, db, notesTable)
	mototest.CreateRevocationTable(t, db, revocations)

	bins := binaries()
	awsEnv := map[string]string{
		settings.EnvEndpointDynamoDB:                 endpoint,
		"AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER": endpoint,
		"AWS_REGION":            mototest.Region,
		"AWS_ACCESS_KEY_ID":     "testing",
		"AWS_SECRET_ACCESS_KEY": "testing",
	}
	with := func(env map[string]string) map[string]string {
		for k, v := range awsEnv {
			env[k] = v
		}
		return env
	}
	authz := startFunction(t, bins[0], with(map[string]string{
		settings.EnvUserPoolID:         poolID,
		settings.EnvClientIDs:          clientID,
		settings.EnvJWKSURL:            endpoint + "/" + poolID + "/.well-known/jwks.json",
		settings.EnvRevocationTable:    revocations,
		settings.EnvRevocationCacheTTL: "0s", // every token read from the table
	}))
	addNote := startFunction(t, bins[1], with(map[string]string{settings.EnvNotesTable: notesTable}))
	signOut := startFunction(t, bins[2], with(map[string]string{
		settings.EnvRevocationTable: revocations,
		settings.EnvUserPoolID:      poolID,
	}))

	// call has the authorizer decide on token and, if it allows, the
	// function answer the request with the Allow's context.
	call := func(t *testing.T, fn *function, token string, request []byte) (status int, reason string) {
		t.Helper()
		res, line := authz.invoke(t, eventFile(t, "request.json", token))
		if res.Error != nil {
			return authorizerStatus(res.Error.Message), line["reason"].(string)
		}
		var allowed events.APIGatewayCustomAuthorizerResponse
		if err := json.Unmarshal(res.Payload, &allowed); err != nil {
			t.Fatal(err)
		}
		var req events.APIGatewayProxyRequest
		if err := json.Unmarshal(request, &req); err != nil {
			t.Fatal(err)
		}
		req.RequestContext.Authorizer = apigwtest.AuthorizerContext(allowed.PrincipalID, allowed.Context)
		ev, _ := json.Marshal(req)
		res, _ = fn.invoke(t, ev)
		var resp events.APIGatewayProxyResponse
		if res.Error != nil || json.Unmarshal(res.Payload, &resp) != nil {
			t.Fatalf("%s answered %v %s", req.Path, res.Error, res.Payload)
		}
		return resp.StatusCode, ""
	}
	note := func(t *testing.T, token string) (int, string) {
		return call(t, addNote, token, proxyRequest(t, token, nil, "Bring home milk"))
	}
	signOutReq := func(t *testing.T, everywhere bool) []byte {
		req := apigwtest.ProxyRequest(t, filepath.Join("..", "events", "add-note.json"))
		req.Resource, req.Path = "/sign-out", "/sign-out"
		body, _ := json.Marshal(map[string]bool{"everywhere": everywhere})
		req.Body = string(body)
		b, _ := json.Marshal(req)
		return b
	}
	want := func(t *testing.T, what string, gotStatus int, gotReason string, wantStatus int, wantReason string) {
		t.Helper()
		if gotStatus != wantStatus || gotReason != wantReason {
			t.Fatalf("%s = %d %q, want %d %q", what, gotStatus, gotReason, wantStatus, wantReason)
		}
	}

	first := signIn(t, cognito, clientID, bob)
	s, r := note(t, first.ID)
	want(t, "add-note", s, r, http.StatusCreated, "")
	s, r = call(t, signOut, first.ID, signOutReq(t, false))
	want(t, "sign-out of this session", s, r, http.StatusNoContent, "")
	for name, tok := range map[string]string{"ID token": first.ID, "access token": first.Access} {
		s, r = note(t, tok)
		want(t, "add-note with the signed-out "+name, s, r, http.StatusUnauthorized, "revoked")
	}

	// A session's sign-out without origin_jti falls back to the whole user,
	// up to the next second: sign in again after it.
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(1100 * time.Millisecond)))
	second := signIn(t, cognito, clientID, bob)
	s, r = note(t, second.ID)
	want(t, "add-note after signing in again", s, r, http.StatusCreated, "")

	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(1100 * time.Millisecond)))
	third := signIn(t, cognito, clientID, bob)
	s, r = call(t, signOut, third.ID, signOutReq(t, true))
	want(t, "sign-out everywhere", s, r, http.StatusNoContent, "")
	s, r = note(t, second.Access)
	want(t, "add-note with the other session's token after sign-out everywhere", s, r, http.StatusUnauthorized, "revoked")
	if _, err := cognito.InitiateAuth(t.Context(), &idp.InitiateAuthInput{
		ClientId: aws.String(clientID), AuthFlow: "REFRESH_TOKEN_AUTH",
		AuthParameters: map[string]string{"REFRESH_TOKEN": third.Refresh},
	}); err == nil {
		t.Error("the refresh token still works after sign-out everywhere")
	}

	// The table unreachable: the outage answer, never an Allow or a 401.
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(1100 * time.Millisecond)))
	fourth := signIn(t, cognito, clientID, bob)
	down := startFunction(t, bins[0], with(map[string]string{
		settings.EnvUserPoolID:      poolID,
		settings.EnvClientIDs:       clientID,
		settings.EnvJWKSURL:         endpoint + "/" + poolID + "/.well-known/jwks.json",
		settings.EnvRevocationTable: "no-such-table",
	}))
	res, line := down.invoke(t, eventFile(t, "request.json", fourth.ID))
	if res.Error == nil || authorizerStatus(res.Error.Message) != http.StatusServiceUnavailable || line["reason"] != "revocation_unavailable" {
		t.Errorf("with the table unreachable: %v %s, log %v; want the outage answer, reason revocation_unavailable", res.Error, res.Payload, line)
	}
}

// authorizerStatus is what the client of the deployed API gets for an
// authorizer's error: 401 for Unauthorized, else 503 (the gateway
// responses map AUTHORIZER_FAILURE to it).
func authorizerStatus(message string) int {
	if message == "Unauthorized" {
		return http.StatusUnauthorized
	}
	return http.StatusServiceUnavailable
}

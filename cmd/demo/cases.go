package main

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/cognitotest"
)

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
		{"alg none", "token.json", "", "", addNote, noneToken, "Unauthorized 401", "not_jwt"},
		{"missing token", "token.json", "", "", addNote, "", "Unauthorized 401", "no_token"},
	}
	return cases, firstErr
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

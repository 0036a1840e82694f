package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/golang-jwt/jwt/v5"

	"github.com/gatehouse-dev/cognito-authorizer/internal/revocation"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/cognitotest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/dynamotest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/testenv"
)

const (
	poolID   = "eu-west-1_Explain1"
	clientID = "explain4app4client"
)

// The callers, who meet events/rules.json's rules in every way.
var (
	alice = cognitotest.User{Sub: "a11ce000-0000-4000-8000-00000000a11c", Username: "alice", Email: "alice@example.com", Groups: []string{"writers"}}
	bob   = cognitotest.User{Sub: "b0b00000-0000-4000-8000-000000000b0b", Username: "bob", Email: "bob@example.com"}
	carol = cognitotest.User{Sub: "ca201000-0000-4000-8000-0000000ca201", Username: "carol", Groups: []string{"admins"}}
	dave  = cognitotest.User{Sub: "da7e0000-0000-4000-8000-0000000da7e0", Username: "dave", Groups: []string{"admins"}}
)

// fixture is a local pool with its JWKS on 127.0.0.1 and the authorizer's
// settings for it, with the sample API's route rules.
type fixture struct {
	pool *cognitotest.Pool
	env  map[string]string
	dir  string
	now  time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	pool, jwksURL := cognitotest.Start(t, poolID, clientID)
	rules, err := os.ReadFile(filepath.Join("..", "..", "events", "rules.json"))
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{pool: pool, dir: t.TempDir(), now: time.Now(), env: map[string]string{
		settings.EnvUserPoolID:  poolID,
		settings.EnvClientIDs:   clientID,
		settings.EnvJWKSURL:     jwksURL,
		settings.EnvRouteRules:  string(rules),
		settings.EnvLogLevel:    "error",
		settings.EnvJWKSTimeout: "1s",
	}}
}

func (f *fixture) sign(t *testing.T, p *cognitotest.Pool, claims jwt.MapClaims) string {
	t.Helper()
	tok, err := p.Sign(claims)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// id is u's ID token, with a tenant for carol and dave.
func (f *fixture) id(t *testing.T, u cognitotest.User) string {
	t.Helper()
	c := f.pool.IDClaims(u, f.now)
	switch u.Username {
	case carol.Username:
		c["custom:tenant"] = "acme"
	case dave.Username:
		c["custom:tenant"] = "globex"
	}
	return f.sign(t, f.pool, c)
}

// lookup reads env as os.LookupEnv reads the environment.
func lookup(env map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := env[name]
		return v, ok
	}
}

// explain runs the command with the token in a file, and returns what it
// printed and its exit code.
func (f *fixture) explain(t *testing.T, env map[string]string, token string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	file, err := os.CreateTemp(f.dir, "token-*")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := file.WriteString(token + "\n"); err != nil {
		t.Fatal(err)
	}
	file.Close()
	var out, errOut bytes.Buffer
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	code = run(ctx, append([]string{"-token", file.Name()}, args...), strings.NewReader(""), &out, &errOut, lookup(env))
	return out.String(), errOut.String(), code
}

// report is what the tests read of -json's object: the field names are
// the documented ones.
type report struct {
	Request struct {
		Method, Path, ARN string
	} `json:"request"`
	Verified bool           `json:"verified"`
	Leeway   string         `json:"leeway"`
	Header   map[string]any `json:"header"`
	Claims   map[string]any `json:"claims"`
	Checks   []struct {
		Name   string `json:"name"`
		Result string `json:"result"`
		Reason string `json:"reason"`
		Detail string `json:"detail"`
	} `json:"checks"`
	Identity *struct {
		Sub    string   `json:"sub"`
		Groups []string `json:"groups"`
	} `json:"identity"`
	Rules *struct {
		Allowed bool   `json:"allowed"`
		Routed  string `json:"routed"`
		Rules   []struct {
			Route  string `json:"route"`
			Passed bool   `json:"passed"`
			AnyOf  [][]struct {
				Kind   string `json:"kind"`
				Passed bool   `json:"passed"`
				Reason string `json:"reason"`
			} `json:"anyOf"`
		} `json:"rules"`
	} `json:"rules"`
	Policy *struct {
		Statement []struct{ Effect string }
	} `json:"policy"`
	Answer struct {
		Outcome, Reason, Meaning, Check, Route string
		Status                                 int
	} `json:"answer"`
	Cache struct {
		Covers   string `json:"covers"`
		Requests []struct {
			Request string `json:"request"`
			Allowed bool   `json:"allowed"`
		} `json:"requests"`
	} `json:"cache"`
	Notes []string `json:"notes"`
}

// failed returns the check that failed, or "".
func (r report) failed() string {
	for _, c := range r.Checks {
		if c.Result == "fail" {
			return c.Name
		}
	}
	return ""
}

// assertNoToken fails if out holds the token or its signature.
func assertNoToken(t *testing.T, out, token string) {
	t.Helper()
	if token == "" {
		return
	}
	if strings.Contains(out, token) {
		t.Errorf("the output holds the whole token:\n%s", out)
	}
	if parts := strings.Split(token, "."); len(parts) == 3 && len(parts[2]) > 8 && strings.Contains(out, parts[2]) {
		t.Errorf("the output holds the token's signature:\n%s", out)
	}
}

// TestExplain explains an allow, each kind of deny and of 401, and an
// outage, in text and in JSON, with the exit code of each.
func TestExplain(t *testing.T) {
	f := newFixture(t)
	other, err := cognitotest.New("eu-west-1_OtherPool9", clientID)
	if err != nil {
		t.Fatal(err)
	}
	stranger, err := cognitotest.New(poolID, clientID) // the same issuer, a key the JWKS lacks
	if err != nil {
		t.Fatal(err)
	}
	aliceID := f.id(t, alice)
	parts := strings.Split(aliceID, ".")
	forged := f.pool.IDClaims(alice, f.now)
	forged["cognito:groups"] = []string{"writers", "admins"}
	forgedJSON, _ := json.Marshal(forged)
	otherClient := f.pool.IDClaims(alice, f.now)
	otherClient["aud"] = "another4app4client"
	reader := alice
	reader.Scopes = []string{"notes/read"}
	idOnly := maps.Clone(f.env)
	idOnly[settings.EnvTokenUse] = "id"
	staff := maps.Clone(f.env)
	staff[settings.EnvRequiredGroups] = "staff"
	admin := maps.Clone(f.env)
	admin[settings.EnvRequiredScopes] = "notes/admin"
	down := maps.Clone(f.env)
	down[settings.EnvJWKSURL] = "http://127.0.0.1:1/unreachable/jwks.json"
	noRules := maps.Clone(f.env)
	delete(noRules, settings.EnvRouteRules)

	tests := []struct {
		name    string
		env     map[string]string
		token   string
		request string
		code    int
		outcome string
		reason  string
		check   string   // the check that failed
		text    []string // in the text output
	}{
		{"allow", f.env, aliceID, "POST /add-note", 0, "allow", "", "",
			[]string{"Allow: API Gateway calls the integration (rule POST /add-note)", "groups: any of writers", "pass; the caller's: writers", "allowed  POST /add-note", "header and claims, verified"}},
		{"allow without rules: the stage", noRules, aliceID, "GET /anything", 0, "allow", "", "",
			[]string{"covers: stage", "The policy allows the whole stage", "route rules  none (POLICY_RESOURCE=stage)", "none configured"}},
		{"deny: a rule's condition", f.env, f.id(t, bob), "POST /add-note", 1, "deny", "missing_group", "route_rules",
			[]string{"Deny: 403 Forbidden, reason missing_group (rule POST /add-note)", "-> POST /add-note", "FAIL missing_group; the caller's: none", "denied   POST /add-note", "allowed  GET /notes"}},
		{"deny: every anyOf alternative", f.env, f.id(t, bob), "GET /users/" + alice.Sub + "/notes", 1, "deny", "not_owner", "route_rules",
			[]string{"anyOf[0] bind {userId} to claim sub", "anyOf[1] groups: any of admins", "FAIL missing_group", "this path holds another: not_owner",
				"allowed  GET /users/" + bob.Sub + "/notes", "the caller's own value in the path", "denied   GET /users/someone-else/notes"}},
		{"deny: a claim", f.env, f.id(t, dave), "DELETE /admin/tenants/7", 1, "deny", "claim_mismatch", "route_rules",
			[]string{"claim custom:tenant: any of acme", "FAIL claim_mismatch; the caller's: globex"}},
		{"deny: a rule's scope", f.env, aliceID, "GET /reports", 1, "deny", "missing_scope", "route_rules",
			[]string{"scopes: any of notes/read, notes/admin", "FAIL missing_scope; the caller's: none"}},
		{"deny: no rule", f.env, aliceID, "GET /health", 1, "deny", "no_rule", "route_rules",
			[]string{"No route rule covers the request.", "denied   GET /health", "this request"}},
		{"deny: a required group", staff, aliceID, "POST /add-note", 1, "deny", "missing_required_group", "required_groups",
			[]string{"requires groups staff; the caller's: writers; missing staff: the whole stage is denied", "not reached: the decision was made before them", "The policy denies the whole stage"}},
		{"deny: a required scope", admin, f.sign(t, f.pool, f.pool.AccessClaims(reader, f.now)), "GET /notes", 1, "deny", "missing_required_scope", "required_scopes",
			[]string{"requires scopes notes/admin; the caller's: notes/read; missing notes/admin"}},
		{"401: expired", f.env, f.sign(t, f.pool, f.pool.IDClaims(alice, f.now.Add(-2*time.Hour))), "GET /notes", 1, "unauthorized", "expired", "dates",
			[]string{"Unauthorized: 401 Unauthorized, reason expired", "NOT verified", "(1h0m", "The token expired.", "Identity\n  none: the token did not verify", "none: a 401 or an outage carries no policy", "covers: none"}},
		{"401: wrong issuer", f.env, f.sign(t, other, other.IDClaims(alice, f.now)), "GET /notes", 1, "unauthorized", "wrong_issuer", "issuer",
			[]string{"is none of the configured issuers: https://cognito-idp.eu-west-1.amazonaws.com/" + poolID}},
		{"401: bad signature", f.env, parts[0] + "." + base64.RawURLEncoding.EncodeToString(forgedJSON) + "." + parts[2], "GET /notes", 1, "unauthorized", "bad_signature", "signature",
			[]string{"does not verify with the key", `"admins"`}},
		{"401: wrong client", f.env, f.sign(t, f.pool, otherClient), "GET /notes", 1, "unauthorized", "wrong_client", "issuer_rules",
			[]string{`aud "another4app4client"`, "Another app client's or audience's token."}},
		{"401: wrong token use", idOnly, f.sign(t, f.pool, f.pool.AccessClaims(alice, f.now)), "GET /notes", 1, "unauthorized", "wrong_token_use", "issuer_rules",
			[]string{`token_use "access"`, "token use id"}},
		{"401: unknown kid", f.env, f.sign(t, stranger, stranger.IDClaims(alice, f.now)), "GET /notes", 1, "unauthorized", "unknown_key", "key",
			[]string{"is not in the issuer's JWKS"}},
		{"401: not a JWT", f.env, "Zq9-not-a-jwt", "GET /notes", 1, "unauthorized", "not_jwt", "token",
			[]string{"Not three base64url parts.", "(no token, or one whose header does not decode)"}},
		{"401: no token", f.env, "", "GET /notes", 1, "unauthorized", "no_token", "token",
			[]string{"No token in the request."}},
		{"outage: the JWKS is out of reach", down, aliceID, "GET /notes", 1, "unavailable", "keys_unavailable", "key",
			[]string{"Unavailable: 503 Service Unavailable, reason keys_unavailable", "could not be fetched in time (an outage"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, stderr, code := f.explain(t, tt.env, tt.token, "-request", tt.request)
			if code != tt.code {
				t.Fatalf("explain = exit %d, want %d\nstderr: %s\n%s", code, tt.code, stderr, out)
			}
			for _, want := range append(tt.text, "\nAnswer\n", "\nCached answer") {
				if !strings.Contains(out, want) {
					t.Errorf("the text lacks %q:\n%s", want, out)
				}
			}
			if tt.check != "" && !regexp.MustCompile(`(?m)^  FAIL +`+tt.check+` `).MatchString(out) {
				t.Errorf("the text does not show %s failed:\n%s", tt.check, out)
			}
			assertNoToken(t, out, tt.token)

			out, stderr, code = f.explain(t, tt.env, tt.token, "-request", tt.request, "-json")
			if code != tt.code {
				t.Fatalf("explain -json = exit %d, want %d\nstderr: %s", code, tt.code, stderr)
			}
			var r report
			if err := json.Unmarshal([]byte(out), &r); err != nil {
				t.Fatalf("explain -json printed no JSON object: %v\n%s", err, out)
			}
			if r.Answer.Outcome != tt.outcome || r.Answer.Reason != tt.reason || r.failed() != tt.check {
				t.Errorf("-json answer %s %q, failed check %q; want %s %q, %q", r.Answer.Outcome, r.Answer.Reason, r.failed(), tt.outcome, tt.reason, tt.check)
			}
			if len(r.Checks) < 15 || r.Request.ARN == "" || r.Cache.Covers == "" {
				t.Errorf("-json: %d checks, request %+v, cache %+v", len(r.Checks), r.Request, r.Cache)
			}
			if (r.Answer.Outcome == "allow" || r.Answer.Outcome == "deny") != (r.Policy != nil && r.Identity != nil && r.Verified) {
				t.Errorf("-json %s: policy %v, identity %v, verified %v", r.Answer.Outcome, r.Policy, r.Identity, r.Verified)
			}
			assertNoToken(t, out, tt.token)
		})
	}
}

// TestExplainAnyOfJSON: -json carries every rule and every anyOf
// alternative's conditions, each failure named.
func TestExplainAnyOfJSON(t *testing.T) {
	f := newFixture(t)
	out, _, code := f.explain(t, f.env, f.id(t, bob), "-request", "GET /users/"+alice.Sub+"/notes", "-json")
	var r report
	if err := json.Unmarshal([]byte(out), &r); err != nil || code != 1 || r.Rules == nil {
		t.Fatalf("explain -json = exit %d, %v\n%s", code, err, out)
	}
	if len(r.Rules.Rules) != 5 || r.Rules.Routed != "GET /users/{userId}/notes" {
		t.Fatalf("rules = %+v, want the 5 of events/rules.json, routed to GET /users/{userId}/notes", r.Rules)
	}
	alts := r.Rules.Rules[2].AnyOf
	if len(alts) != 2 || alts[0][0].Kind != "bind" || alts[1][0].Kind != "groups" || alts[1][0].Passed || alts[1][0].Reason != "missing_group" {
		t.Errorf("anyOf = %+v, want a bind and a failed groups condition", alts)
	}
	if r.Answer.Meaning == "" || r.Answer.Check == "" || r.Answer.Status != 403 {
		t.Errorf("answer = %+v, want the registry's meaning and check, 403", r.Answer)
	}
}

// TestExplainRevoked reads the revocation table as the Lambda function
// does: a signed-out session is 401 revoked; a table out of reach is the
// outage answer.
func TestExplainRevoked(t *testing.T) {
	f := newFixture(t)
	dynamo, err := dynamotest.Start(settings.RevocationPartitionKey)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dynamo.Close() })
	const table, session = "revocations", "5e55105e-0000-4000-8000-0000000b0b05"
	client := dynamodb.New(dynamodb.Options{Region: "eu-west-1", BaseEndpoint: aws.String(dynamo.URL()),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
	if err := revocation.NewStore(client, table).RevokeSession(t.Context(), session, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	env := maps.Clone(f.env)
	maps.Copy(env, map[string]string{
		settings.EnvRevocationTable:  table,
		settings.EnvEndpointDynamoDB: dynamo.URL(),
		"AWS_REGION":                 "eu-west-1",
		"AWS_ACCESS_KEY_ID":          "test",
		"AWS_SECRET_ACCESS_KEY":      "test",
	})
	signedOut := f.pool.IDClaims(bob, f.now)
	signedOut["origin_jti"] = session
	token := f.sign(t, f.pool, signedOut)

	out, stderr, code := f.explain(t, env, token, "-request", "GET /notes")
	if code != 1 || !strings.Contains(out, "Unauthorized: 401 Unauthorized, reason revoked") ||
		!regexp.MustCompile(`(?m)^  FAIL +revocation +sub "`+bob.Sub+`", origin_jti "`+session+`": Signed out.`).MatchString(out) {
		t.Errorf("a signed-out session: exit %d, stderr %s\n%s", code, stderr, out)
	}
	out, _, code = f.explain(t, env, f.id(t, bob), "-request", "GET /notes")
	if code != 0 || !regexp.MustCompile(`(?m)^  pass +revocation +sub "`+bob.Sub+`"`).MatchString(out) {
		t.Errorf("another session: exit %d\n%s", code, out)
	}

	env[settings.EnvEndpointDynamoDB] = "http://127.0.0.1:1"
	out, stderr, code = f.explain(t, env, token, "-request", "GET /notes", "-json")
	var r report
	if err := json.Unmarshal([]byte(out), &r); err != nil || code != 1 || r.Answer.Outcome != "unavailable" ||
		r.Answer.Reason != "revocation_unavailable" || r.failed() != "revocation" || r.Answer.Status != 503 {
		t.Errorf("the table out of reach: exit %d, %v, answer %+v, failed %q, stderr %s", code, err, r.Answer, r.failed(), stderr)
	}
}

// TestExplainKeysFile verifies offline with a JWKS file: nothing is
// fetched, and a revocation table the settings name is said not to have
// been read.
func TestExplainKeysFile(t *testing.T) {
	f := newFixture(t)
	keys := filepath.Join(f.dir, "jwks.json")
	if err := os.WriteFile(keys, f.pool.JWKS(), 0o600); err != nil {
		t.Fatal(err)
	}
	env := maps.Clone(f.env)
	env[settings.EnvJWKSURL] = "http://127.0.0.1:1/never/fetched.json"
	env[settings.EnvRevocationTable] = "revocations"
	token := f.id(t, alice)
	out, stderr, code := f.explain(t, env, token, "-request", "POST /add-note", "-keys", keys)
	for _, want := range []string{"the file " + keys + ", for every issuer (offline)", "Revocation was not checked: with -keys nothing is fetched, and REVOCATION_TABLE=revocations was not read",
		"not checked: -keys runs offline and did not read REVOCATION_TABLE=revocations", "Allow: API Gateway calls the integration"} {
		if !strings.Contains(out, want) {
			t.Errorf("explain -keys lacks %q (exit %d, stderr %s):\n%s", want, code, stderr, out)
		}
	}
	if code != 0 {
		t.Errorf("explain -keys = exit %d, want 0", code)
	}
	// The same token without -keys: the settings' JWKS is out of reach.
	delete(env, settings.EnvRevocationTable)
	if _, _, code := f.explain(t, env, token, "-request", "POST /add-note"); code != 1 {
		t.Errorf("explain without -keys = exit %d, want 1 (the outage)", code)
	}
	// A key file of another pool's keys: the kid is unknown.
	other, err := cognitotest.New(poolID, clientID)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keys, other.JWKS(), 0o600); err != nil {
		t.Fatal(err)
	}
	out, _, code = f.explain(t, env, token, "-request", "POST /add-note", "-keys", keys, "-json")
	var r report
	if err := json.Unmarshal([]byte(out), &r); err != nil || code != 1 || r.Answer.Reason != "unknown_key" {
		t.Errorf("explain -keys (other keys) = exit %d, %v, answer %+v", code, err, r.Answer)
	}
}

// TestExplainEnvFile reads the settings from an env-vars file in SAM's
// format, its http://host.docker.internal pointed at 127.0.0.1, and a
// token on standard input with a Bearer scheme.
func TestExplainEnvFile(t *testing.T) {
	f := newFixture(t)
	section := maps.Clone(f.env)
	section[settings.EnvJWKSURL] = strings.Replace(section[settings.EnvJWKSURL], "http://127.0.0.1:", "http://host.docker.internal:", 1)
	b, err := json.Marshal(map[string]map[string]string{"AuthorizerFunction": section, "AddNoteFunction": {"NOTES_TABLE": "notes"}})
	if err != nil {
		t.Fatal(err)
	}
	envFile := filepath.Join(f.dir, "env.json")
	if err := os.WriteFile(envFile, b, 0o600); err != nil {
		t.Fatal(err)
	}
	token := f.id(t, alice)
	var out, stderr bytes.Buffer
	// The environment names another pool: the file's settings win.
	shell := map[string]string{settings.EnvUserPoolID: "us-east-1_Shell1", settings.EnvClientIDs: "x"}
	code := run(t.Context(), []string{"-token", "-", "-request", "get /users/" + alice.Sub + "/notes", "-env", envFile},
		strings.NewReader("  Bearer "+token+"\n"), &out, &stderr, lookup(shell))
	if code != 0 || !strings.Contains(out.String(), "Settings  from "+envFile+" (AuthorizerFunction)") ||
		!strings.Contains(out.String(), "passed, for the caller's own values in the path (bind)") {
		t.Errorf("explain -env = exit %d, stderr %s\n%s", code, stderr.String(), out.String())
	}
	assertNoToken(t, out.String(), token)
}

// TestExplainUsage: what is not a decision exits 2, naming the problem.
func TestExplainUsage(t *testing.T) {
	f := newFixture(t)
	token := f.id(t, alice)
	tokenFile := filepath.Join(f.dir, "token")
	if err := os.WriteFile(tokenFile, []byte(token), 0o600); err != nil {
		t.Fatal(err)
	}
	notJWKS := filepath.Join(f.dir, "keys.json")
	if err := os.WriteFile(notJWKS, []byte(`{"kty": "RSA"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	badEnv := filepath.Join(f.dir, "bad-env.json")
	if err := os.WriteFile(badEnv, []byte(`{"SignOutFunction": {}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	noPool := maps.Clone(f.env)
	noPool[settings.EnvUserPoolID] = "not-a-pool"
	for _, tt := range []struct {
		name string
		env  map[string]string
		args []string
		want string // in stderr
	}{
		{"no -token", f.env, []string{"-request", "GET /notes"}, "-token and -request are required"},
		{"no -request", f.env, []string{"-token", tokenFile}, "-token and -request are required"},
		{"a missing token file", f.env, []string{"-token", filepath.Join(f.dir, "none"), "-request", "GET /notes"}, "-token: open"},
		{"a method that is none", f.env, []string{"-token", tokenFile, "-request", "FETCH /notes"}, `want "METHOD /path"`},
		{"a path without a slash", f.env, []string{"-token", tokenFile, "-request", "GET notes"}, `want "METHOD /path"`},
		{"a query string", f.env, []string{"-token", tokenFile, "-request", "GET /notes?page=2"}, "without a query string"},
		{"a wildcard in the path", f.env, []string{"-token", tokenFile, "-request", "GET /no*tes"}, "bad path"},
		{"a bad API id", f.env, []string{"-token", tokenFile, "-request", "GET /notes", "-api", "Not_An_Id"}, "bad api id"},
		{"settings the authorizer refuses", noPool, []string{"-token", tokenFile, "-request", "GET /notes"}, settings.EnvUserPoolID},
		{"an env file without the section", f.env, []string{"-token", tokenFile, "-request", "GET /notes", "-env", badEnv}, "has no AuthorizerFunction section"},
		{"a missing env file", f.env, []string{"-token", tokenFile, "-request", "GET /notes", "-env", filepath.Join(f.dir, "none.json")}, "-env: open"},
		{"a keys file that is no JWKS", f.env, []string{"-token", tokenFile, "-request", "GET /notes", "-keys", notJWKS}, "not a JWKS: no keys"},
		{"an unknown flag", f.env, []string{"-token", tokenFile, "-request", "GET /notes", "-nope"}, "flag provided but not defined"},
		{"an argument", f.env, []string{"-token", tokenFile, "-request", "GET", "/notes"}, "unexpected arguments"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out, stderr bytes.Buffer
			code := run(t.Context(), tt.args, strings.NewReader(""), &out, &stderr, lookup(tt.env))
			if code != 2 || !strings.Contains(stderr.String(), tt.want) || out.Len() != 0 {
				t.Errorf("explain %q = exit %d, stderr %q, stdout %q; want 2, a message holding %q, nothing on stdout", tt.args, code, stderr.String(), out.String(), tt.want)
			}
			assertNoToken(t, stderr.String(), token)
		})
	}
}

// TestMakeExplainPassesItsVariables: make explain hands TOKEN, REQUEST,
// ENV_VARS, KEYS and ARGS to the built command, and runs the binary rather
// than go run, so that its exit code survives.
func TestMakeExplainPassesItsVariables(t *testing.T) {
	makeBin := testenv.LookPath(t, "make", "install GNU make (apt-get install make; macOS: xcode-select --install)")
	dryRun := func(vars ...string) string {
		t.Helper()
		cmd := exec.CommandContext(t.Context(), makeBin, append([]string{"--no-print-directory", "-n", "-C", filepath.Join("..", ".."), "explain"}, vars...)...)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("make -n explain %v: %v", vars, err)
		}
		return string(out)
	}
	out := dryRun("TOKEN=tok", "REQUEST=GET /users/x/notes", "ENV_VARS=env.json", "KEYS=jwks.json", "ARGS=-json")
	if !strings.Contains(out, `bin/explain -token tok -request "GET /users/x/notes" -env env.json -keys jwks.json -json`) {
		t.Errorf("make -n explain with its variables = %q, want bin/explain run with each", out)
	}
	if !strings.Contains(out, "build -o bin/explain ./cmd/explain") {
		t.Errorf("make -n explain = %q, want cmd/explain built into bin/explain", out)
	}
	if out := dryRun("ENV_VARS="); !strings.Contains(out, `bin/explain -token .local/id-token -request "GET /notes"`) || strings.Contains(out, "-env") || strings.Contains(out, "-keys") {
		t.Errorf("make -n explain ENV_VARS= = %q, want make devtoken's token, GET /notes, no -env, no -keys", out)
	}
}

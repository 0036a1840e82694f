package authorizer_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/golang-jwt/jwt/v5"

	"github.com/gatehouse-dev/cognito-authorizer/internal/authorizer"
	"github.com/gatehouse-dev/cognito-authorizer/internal/decide"
	"github.com/gatehouse-dev/cognito-authorizer/internal/identity"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/authorizertest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/cognitotest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/verify"
)

const (
	poolID    = "eu-west-1_AbC123xyz"
	clientID  = "4fr8n6nrk1v2example1q2w3e4"
	methodARN = "arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/POST/add-note"
	stageARN  = "arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/*/*"
)

var alice = cognitotest.User{
	Sub: "11111111-2222-3333-4444-555555555555", Username: "alice", Email: "alice@example.com",
	Groups: []string{"admins", "staff"}, Scopes: []string{"notes/write", "openid"},
}

// fixture is a handler wired as cmd/authorizer wires it, against a local pool
// whose JWKS is served on 127.0.0.1, logging into a buffer.
type fixture struct {
	pool    *cognitotest.Pool
	handler *authorizer.Handler
	logs    *bytes.Buffer
	getenv  func(string) string
}

func newFixture(t testing.TB, env map[string]string) *fixture {
	t.Helper()
	logs := new(bytes.Buffer)
	f := newFixtureLogging(t, env, logs)
	f.logs = logs
	return f
}

// newFixtureLogging is newFixture logging to w.
func newFixtureLogging(t testing.TB, env map[string]string, w io.Writer) *fixture {
	t.Helper()
	pool, jwksURL := cognitotest.Start(t, poolID, clientID)
	vars := map[string]string{
		settings.EnvUserPoolID: poolID,
		settings.EnvClientIDs:  clientID,
		settings.EnvJWKSURL:    jwksURL,
	}
	for k, v := range env {
		vars[k] = v
	}
	getenv := func(k string) string { return vars[k] }
	return &fixture{pool: pool, handler: authorizertest.NewHandler(t, getenv, newLogger(w)), getenv: getenv}
}

func (f *fixture) idToken(t testing.TB) string {
	t.Helper()
	tok, err := f.pool.IDToken(alice, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func (f *fixture) accessToken(t testing.TB) string {
	t.Helper()
	tok, err := f.pool.AccessToken(alice, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func tokenEvent(token string) json.RawMessage {
	b, _ := json.Marshal(events.APIGatewayCustomAuthorizerRequest{Type: "TOKEN", AuthorizationToken: token, MethodArn: methodARN})
	return b
}

func requestEvent(headers map[string]string, multi map[string][]string) json.RawMessage {
	b, _ := json.Marshal(events.APIGatewayCustomAuthorizerRequestTypeRequest{
		Type: "REQUEST", MethodArn: methodARN, Resource: "/add-note", Path: "/add-note", HTTPMethod: "POST",
		Headers: headers, MultiValueHeaders: multi,
	})
	return b
}

func invoke(f *fixture, ev json.RawMessage) (events.APIGatewayCustomAuthorizerResponse, error) {
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-1"})
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return f.handler.Handle(ctx, ev)
}

// wantAllow checks an Allow answer for alice with the stage-wide resource.
func wantAllow(t testing.TB, resp events.APIGatewayCustomAuthorizerResponse, err error, resource string) {
	t.Helper()
	if err != nil {
		t.Fatalf("Handle() error = %v, want Allow", err)
	}
	if resp.PrincipalID != alice.Sub {
		t.Errorf("principalId = %q, want %q", resp.PrincipalID, alice.Sub)
	}
	want := events.APIGatewayCustomAuthorizerPolicy{Version: "2012-10-17", Statement: []events.IAMPolicyStatement{{
		Action: []string{"execute-api:Invoke"}, Effect: "Allow", Resource: []string{resource},
	}}}
	got, _ := json.Marshal(resp.PolicyDocument)
	wantJSON, _ := json.Marshal(want)
	if !bytes.Equal(got, wantJSON) {
		t.Errorf("policyDocument = %s, want %s", got, wantJSON)
	}
}

func TestTokenEvents(t *testing.T) {
	f := newFixture(t, nil)
	id := f.idToken(t)
	tests := []struct {
		name  string
		value string
		allow bool
	}{
		{"bearer", "Bearer " + id, true},
		{"lower-case scheme", "bearer " + id, true},
		{"upper-case scheme and spaces", "  BEARER   " + id + " ", true},
		{"bare token", id, true},
		{"access token", "Bearer " + f.accessToken(t), true},
		{"empty", "", false},
		{"scheme only", "Bearer", false},
		{"scheme and space", "Bearer ", false},
		{"basic scheme", "Basic " + id, false},
		{"two tokens", "Bearer " + id + " " + id, false},
		{"token with tab", "Bearer " + id[:10] + "\t" + id[10:], false},
		{"garbage", "Bearer not-a-jwt", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := invoke(f, tokenEvent(tt.value))
			if tt.allow {
				wantAllow(t, resp, err, stageARN)
				return
			}
			if err == nil || err.Error() != "Unauthorized" {
				t.Fatalf("Handle(%q) = %+v, %v, want error Unauthorized", tt.name, resp, err)
			}
		})
	}
}

func TestContextCarriesClaims(t *testing.T) {
	f := newFixture(t, nil)
	tests := []struct {
		name  string
		token string
		want  map[string]any
	}{
		{"id token", f.idToken(t), map[string]any{
			identity.KeySub: alice.Sub, identity.KeyEmail: alice.Email, identity.KeyGroups: "admins,staff",
			identity.KeyUsername: alice.Username, "cognito:username": alice.Username, identity.KeyClientID: clientID,
			identity.KeyTokenUse: "id", "aud": clientID, "email_verified": true, "iss": f.pool.Issuer,
		}},
		{"access token", f.accessToken(t), map[string]any{
			identity.KeySub: alice.Sub, identity.KeyGroups: "admins,staff", identity.KeyUsername: alice.Username,
			identity.KeyClientID: clientID, identity.KeyTokenUse: "access", identity.KeyScope: "notes/write openid",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := invoke(f, tokenEvent("Bearer "+tt.token))
			wantAllow(t, resp, err, stageARN)
			for k, want := range tt.want {
				if got := resp.Context[k]; got != want {
					t.Errorf("context[%q] = %#v, want %#v", k, got, want)
				}
			}
			for k, v := range resp.Context {
				switch v.(type) {
				case string, float64, bool:
				default:
					t.Errorf("context[%q] is a %T; API Gateway takes strings, numbers and booleans", k, v)
				}
			}
			if exp, ok := resp.Context["exp"].(float64); !ok || exp < float64(time.Now().Unix()) {
				t.Errorf("context[exp] = %#v, want a number in the future", resp.Context["exp"])
			}
			b, _ := json.Marshal(resp)
			if bytes.Contains(b, []byte(tt.token)) || bytes.Contains(b, []byte(strings.Split(tt.token, ".")[2])) {
				t.Errorf("answer contains the token: %s", b)
			}
		})
	}
}

func TestContextFlattensNestedClaims(t *testing.T) {
	f := newFixture(t, nil)
	claims := f.pool.IDClaims(alice, time.Now())
	claims["custom:tier"] = "gold"
	claims["address"] = map[string]any{"formatted": "1 Main St"}
	claims["identities"] = []any{map[string]any{"providerName": "Google"}}
	claims["nothing"] = nil
	tok, err := f.pool.Sign(claims)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := invoke(f, tokenEvent(tok))
	wantAllow(t, resp, err, stageARN)
	want := map[string]any{
		"custom:tier": "gold",
		"address":     `{"formatted":"1 Main St"}`,
		"identities":  `[{"providerName":"Google"}]`,
	}
	for k, w := range want {
		if got := resp.Context[k]; got != w {
			t.Errorf("context[%q] = %#v, want %#v", k, got, w)
		}
	}
	if _, ok := resp.Context["nothing"]; ok {
		t.Errorf("context has a null claim")
	}
}

func TestRequestEvents(t *testing.T) {
	f := newFixture(t, nil)
	id := f.idToken(t)
	tests := []struct {
		name    string
		headers map[string]string
		multi   map[string][]string
		allow   bool
	}{
		{"Authorization header", map[string]string{"Authorization": "Bearer " + id}, nil, true},
		{"lower-case header name", map[string]string{"authorization": id}, nil, true},
		{"multi-value only", nil, map[string][]string{"AUTHORIZATION": {"Bearer " + id}}, true},
		{"same value in both", map[string]string{"Authorization": "Bearer " + id}, map[string][]string{"Authorization": {"Bearer " + id}}, true},
		{"no header", map[string]string{"Host": "example.com"}, nil, false},
		{"no headers at all", nil, nil, false},
		{"two different values", nil, map[string][]string{"Authorization": {"Bearer " + id, "Bearer x.y.z"}}, false},
		{"token in another header", map[string]string{"token": id}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := invoke(f, requestEvent(tt.headers, tt.multi))
			if tt.allow {
				wantAllow(t, resp, err, stageARN)
				return
			}
			if !errors.Is(err, authorizer.ErrUnauthorized) {
				t.Fatalf("Handle() = %+v, %v, want Unauthorized", resp, err)
			}
		})
	}

	t.Run("TOKEN_HEADER=token", func(t *testing.T) {
		f := newFixture(t, map[string]string{settings.EnvTokenHeader: "token"})
		resp, err := invoke(f, requestEvent(map[string]string{"Token": f.idToken(t)}, nil))
		wantAllow(t, resp, err, stageARN)
	})
}

func TestBadEvents(t *testing.T) {
	f := newFixture(t, nil)
	id := f.idToken(t)
	event := func(typ, arn string) json.RawMessage {
		b, _ := json.Marshal(map[string]any{"type": typ, "authorizationToken": id, "methodArn": arn})
		return b
	}
	tests := map[string]json.RawMessage{
		"not JSON":                []byte("{"),
		"JSON array":              []byte("[]"),
		"JSON null":               []byte("null"),
		"headers of wrong type":   []byte(`{"type":"REQUEST","methodArn":"` + methodARN + `","headers":["a"]}`),
		"unknown type":            event("COOKIE", methodARN),
		"no type":                 event("", methodARN),
		"lower-case type":         event("token", methodARN),
		"no methodArn":            event("TOKEN", ""),
		"methodArn not an ARN":    event("TOKEN", "hello"),
		"methodArn other service": event("TOKEN", "arn:aws:lambda:eu-west-1:123456789012:abcdef1234/prod/POST/x"),
		"methodArn bad account":   event("TOKEN", "arn:aws:execute-api:eu-west-1:12345:abcdef1234/prod/POST/x"),
		"methodArn no stage":      event("TOKEN", "arn:aws:execute-api:eu-west-1:123456789012:abcdef1234"),
		"methodArn with quote":    event("TOKEN", "arn:aws:execute-api:eu-west-1:123456789012:abc\"def/prod/POST/x"),
		"methodArn huge":          event("TOKEN", methodARN+strings.Repeat("/x", 2000)),
		"huge event":              []byte(`{"type":"TOKEN","pad":"` + strings.Repeat("x", authorizer.MaxEventSize) + `"}`),
	}
	for name, ev := range tests {
		t.Run(name, func(t *testing.T) {
			resp, err := invoke(f, ev)
			if !errors.Is(err, authorizer.ErrUnauthorized) {
				t.Fatalf("Handle() = %+v, %v, want Unauthorized", resp, err)
			}
		})
	}
}

func TestPolicyResource(t *testing.T) {
	tests := []struct {
		env, arn, want string
	}{
		{"", methodARN, stageARN},
		{"stage", "arn:aws-cn:execute-api:cn-north-1:123456789012:abc/dev/GET/a/b/c", "arn:aws-cn:execute-api:cn-north-1:123456789012:abc/dev/*/*"},
		{"method", methodARN, methodARN},
	}
	for _, tt := range tests {
		f := newFixture(t, map[string]string{settings.EnvPolicyResource: tt.env})
		b, _ := json.Marshal(map[string]any{"type": "TOKEN", "authorizationToken": f.idToken(t), "methodArn": tt.arn})
		resp, err := invoke(f, b)
		wantAllow(t, resp, err, tt.want)
	}
}

func TestDenyWhenGroupOrScopeMissing(t *testing.T) {
	tests := []struct {
		name   string
		env    map[string]string
		access bool
		allow  bool
		reason string
	}{
		{"group present", map[string]string{settings.EnvRequiredGroups: "admins"}, false, true, ""},
		{"all groups present", map[string]string{settings.EnvRequiredGroups: "staff,admins"}, false, true, ""},
		{"group missing", map[string]string{settings.EnvRequiredGroups: "admins,billing"}, false, false, "missing_required_group"},
		{"scope present", map[string]string{settings.EnvRequiredScopes: "notes/write"}, true, true, ""},
		{"scope missing", map[string]string{settings.EnvRequiredScopes: "notes/write notes/delete"}, true, false, "missing_required_scope"},
		{"scope required of an id token", map[string]string{settings.EnvRequiredScopes: "notes/write"}, false, false, "missing_required_scope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.env)
			tok := f.idToken(t)
			if tt.access {
				tok = f.accessToken(t)
			}
			resp, err := invoke(f, tokenEvent(tok))
			if tt.allow {
				wantAllow(t, resp, err, stageARN)
				return
			}
			if err != nil {
				t.Fatalf("Handle() error = %v, want a Deny policy", err)
			}
			if got := resp.PolicyDocument.Statement[0].Effect; got != "Deny" {
				t.Errorf("Effect = %q, want Deny", got)
			}
			if resp.PrincipalID != alice.Sub || resp.Context["sub"] != alice.Sub {
				t.Errorf("Deny answer = principal %q, context %v; want %q in both (the answer does not depend on the route)", resp.PrincipalID, resp.Context, alice.Sub)
			}
			if line := lastLog(t, f.logs); line["decision"] != "deny" || line["reason"] != tt.reason {
				t.Errorf("log = %v, want decision deny, reason %s", line, tt.reason)
			}
		})
	}
}

func TestJWKSOutageIsNotUnauthorized(t *testing.T) {
	f := newFixture(t, nil)
	f.pool.SetDown(true)
	resp, err := invoke(f, tokenEvent(f.idToken(t)))
	if !errors.Is(err, authorizer.ErrUnavailable) || err.Error() == "Unauthorized" {
		t.Fatalf("Handle() with the JWKS down = %+v, %v, want %v", resp, err, authorizer.ErrUnavailable)
	}
	if line := lastLog(t, f.logs); line["level"] != "ERROR" || line["reason"] != "keys_unavailable" {
		t.Errorf("log = %v, want level ERROR, reason keys_unavailable", line)
	}
	// A bad token is still the caller's fault.
	if _, err := invoke(f, tokenEvent("Bearer nonsense")); !errors.Is(err, authorizer.ErrUnauthorized) {
		t.Errorf("Handle(bad token) with the JWKS down = %v, want Unauthorized", err)
	}
}

type panicVerifier struct{}

func (panicVerifier) Verify(context.Context, string) (*verify.Claims, error) { panic("boom") }

func TestPanicIsUnauthorized(t *testing.T) {
	logs := new(bytes.Buffer)
	h := authorizer.New(decide.New(panicVerifier{}), newLogger(logs))
	resp, err := h.Handle(context.Background(), tokenEvent("a.b.c"))
	if !errors.Is(err, authorizer.ErrUnauthorized) {
		t.Fatalf("Handle() with a panicking verifier = %+v, %v, want Unauthorized", resp, err)
	}
	if line := lastLog(t, logs); line["reason"] != "panic" || line["level"] != "ERROR" {
		t.Errorf("log = %v, want level ERROR, reason panic", line)
	}
}

func TestLogsOneLinePerDecisionAndNeverTheToken(t *testing.T) {
	f := newFixture(t, map[string]string{settings.EnvRequiredGroups: "admins"})
	id := f.idToken(t)
	expired, err := f.pool.Sign(jwt.MapClaims(f.pool.IDClaims(alice, time.Now().Add(-2*time.Hour))))
	if err != nil {
		t.Fatal(err)
	}
	bob, err := f.pool.IDToken(cognitotest.User{Sub: "bob-sub", Username: "bob"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	evs := []json.RawMessage{tokenEvent("Bearer " + id), tokenEvent(expired), tokenEvent(bob), tokenEvent(id + "x"),
		requestEvent(map[string]string{"Authorization": id}, nil)}
	for _, ev := range evs {
		invoke(f, ev)
	}
	lines := strings.Split(strings.TrimSpace(f.logs.String()), "\n")
	if len(lines) != len(evs) {
		t.Fatalf("%d log lines for %d events:\n%s", len(lines), len(evs), f.logs)
	}
	wantDecisions := []string{"allow", "unauthorized", "deny", "unauthorized", "allow"}
	for i, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %d is not JSON: %v: %s", i, err, l)
		}
		if m["decision"] != wantDecisions[i] || m["request_id"] != "req-1" || m["duration_ms"] == nil {
			t.Errorf("log line %d = %v, want decision %s with request_id and duration_ms", i, m, wantDecisions[i])
		}
	}
	for _, tok := range []string{id, expired, bob} {
		sig := tok[strings.LastIndex(tok, ".")+1:]
		payload := strings.Split(tok, ".")[1]
		if strings.Contains(f.logs.String(), sig) || strings.Contains(f.logs.String(), payload) {
			t.Errorf("logs contain a token:\n%s", f.logs)
		}
	}
	if !strings.Contains(f.logs.String(), `"reason":"expired"`) {
		t.Errorf("logs do not name the reason expired:\n%s", f.logs)
	}
}

func lastLog(t testing.TB, logs *bytes.Buffer) map[string]any {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	var m map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &m); err != nil {
		t.Fatalf("log line is not JSON: %v", err)
	}
	return m
}

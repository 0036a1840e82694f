package authorizer_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/golang-jwt/jwt/v5"

	"github.com/gatehouse-dev/cognito-authorizer/internal/authorizer"
	"github.com/gatehouse-dev/cognito-authorizer/internal/decide"
	"github.com/gatehouse-dev/cognito-authorizer/internal/identity"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
)

// sign signs claims with the fixture's pool.
func (f *fixture) sign(t testing.TB, claims jwt.MapClaims) string {
	t.Helper()
	tok, err := f.pool.Sign(claims)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// wantUnauthorized checks a 401 and the reason logged.
func wantUnauthorized(t testing.TB, f *fixture, err error, reasons ...string) {
	t.Helper()
	if !errors.Is(err, authorizer.ErrUnauthorized) {
		t.Fatalf("Handle() error = %v, want Unauthorized", err)
	}
	if got, _ := lastLog(t, f.logs)["reason"].(string); !slices.Contains(reasons, got) {
		t.Errorf("reason = %v, want one of %v", got, reasons)
	}
}

// TestOneSpellingPerToken: a line break or space inside a token is not the
// same token (Go's base64 decoder would skip CR and LF).
func TestOneSpellingPerToken(t *testing.T) {
	f := newFixture(t, nil)
	tok := f.idToken(t)
	i := strings.LastIndexByte(tok, '.') + 10
	for name, bad := range map[string]string{
		"LF in the signature":   tok[:i] + "\n" + tok[i:],
		"CRLF in the signature": tok[:i] + "\r\n" + tok[i:],
		"padding":               tok + "==",
		"empty signature":       tok[:strings.LastIndexByte(tok, '.')+1],
		"four segments":         tok + ".x",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := invoke(f, tokenEvent("Bearer "+bad))
			wantUnauthorized(t, f, err, string(decide.ReasonNotJWT))
			_, err = invoke(f, requestEvent(map[string]string{"Authorization": "Bearer " + bad}, nil))
			wantUnauthorized(t, f, err, string(decide.ReasonNotJWT))
		})
	}
}

// TestLargeTokens: a token up to API Gateway's 10,240-byte header limit is
// verified (a user in many groups has such a token).
func TestLargeTokens(t *testing.T) {
	f := newFixture(t, nil)
	claims := f.pool.IDClaims(alice, time.Now())
	groups := make([]any, 0, 250)
	for i := 0; len(groups) < 250; i++ {
		groups = append(groups, strings.Repeat("g", 20)+string(rune('a'+i%26))+strings.Repeat("x", i%7))
	}
	claims["cognito:groups"] = groups
	tok := f.sign(t, claims)
	if len(tok) <= 8<<10 || len(tok) > 10240-len("Bearer ") {
		t.Fatalf("token of %d bytes, want 8 KiB to 10,240", len(tok))
	}
	if _, err := invoke(f, tokenEvent("Bearer "+tok)); err != nil {
		t.Errorf("Handle(%d-byte token) = %v, want Allow", len(tok), err)
	}
}

// TestOnlyVerifiedIdentityDownstream: an unverified email, a username claim
// in an ID token and claims named like the authorizer's own keys do not
// reach the context.
func TestOnlyVerifiedIdentityDownstream(t *testing.T) {
	f := newFixture(t, nil)
	tests := []struct {
		name      string
		change    map[string]any
		access    bool
		wantEmail any // nil: no email key
		wantUser  string
	}{
		{name: "verified email", change: map[string]any{}, wantEmail: alice.Email, wantUser: alice.Username},
		{name: "email_verified as a string", change: map[string]any{"email_verified": "true"}, wantEmail: alice.Email, wantUser: alice.Username},
		{name: "unverified email", change: map[string]any{"email_verified": false}, wantUser: alice.Username},
		{name: "email_verified missing", change: map[string]any{"email_verified": nil}, wantUser: alice.Username},
		{name: "email_verified other string", change: map[string]any{"email_verified": "yes"}, wantUser: alice.Username},
		{name: "username claim in an ID token", change: map[string]any{"username": "mallory"}, wantEmail: alice.Email, wantUser: alice.Username},
		{name: "cognito:username in an access token", access: true, change: map[string]any{"cognito:username": "mallory"}, wantUser: alice.Username},
		{name: "reserved keys", change: map[string]any{"principalId": "mallory", "": "x"}, wantEmail: alice.Email, wantUser: alice.Username},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			claims := f.pool.IDClaims(alice, time.Now())
			if tt.access {
				claims = f.pool.AccessClaims(alice, time.Now())
			}
			for k, v := range tt.change {
				if v == nil {
					delete(claims, k)
					continue
				}
				claims[k] = v
			}
			resp, err := invoke(f, tokenEvent("Bearer "+f.sign(t, claims)))
			if err != nil {
				t.Fatal(err)
			}
			if got := resp.Context[identity.KeyEmail]; got != tt.wantEmail {
				t.Errorf("context email = %v, want %v", got, tt.wantEmail)
			}
			if got := resp.Context[identity.KeyUsername]; got != tt.wantUser {
				t.Errorf("context username = %v, want %s", got, tt.wantUser)
			}
			for _, k := range []string{"principalId", ""} {
				if _, ok := resp.Context[k]; ok {
					t.Errorf("context has the reserved key %q", k)
				}
			}
		})
	}
}

// TestStrictMethodARN: wildcards and malformed parts are refused, and the
// log never holds the raw methodArn (a token may sit in its path).
func TestStrictMethodARN(t *testing.T) {
	f := newFixture(t, nil)
	tok := f.idToken(t)
	secret := strings.Split(tok, ".")[2][:20]
	for name, arn := range map[string]string{
		"wildcard stage":    "arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/*/POST/add-note",
		"wildcard path":     "arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/GET/notes/*",
		"question mark":     "arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/GET/n?tes",
		"wildcard region":   "arn:aws:execute-api:*:123456789012:abcdef1234/prod/GET/notes",
		"short account":     "arn:aws:execute-api:eu-west-1:12345:abcdef1234/prod/GET/notes",
		"token in the path": "arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/GET/*/" + secret,
	} {
		t.Run(name, func(t *testing.T) {
			ev, _ := json.Marshal(events.APIGatewayCustomAuthorizerRequest{Type: "TOKEN", AuthorizationToken: "Bearer " + tok, MethodArn: arn})
			_, err := invoke(f, ev)
			wantUnauthorized(t, f, err, string(decide.ReasonBadARN))
			if strings.Contains(f.logs.String(), secret) {
				t.Errorf("the log holds part of the methodArn's path:\n%s", f.logs)
			}
		})
	}
}

// TestAnswersBeforeTheDeadline: with a JWKS that hangs, the authorizer
// answers (outage) before Lambda's deadline, and later invocations within
// the retry interval do not wait again.
func TestAnswersBeforeTheDeadline(t *testing.T) {
	hang := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(hang); srv.Close() })
	f := newFixture(t, map[string]string{settings.EnvJWKSURL: srv.URL + "/jwks.json", settings.EnvJWKSTimeout: "3s"})
	tok := f.idToken(t)
	const deadline = 600 * time.Millisecond
	for i := range 3 {
		ctx, cancel := context.WithTimeout(context.Background(), deadline)
		start := time.Now()
		_, err := f.handler.Handle(ctx, tokenEvent("Bearer "+tok))
		elapsed := time.Since(start)
		cancel()
		if !errors.Is(err, authorizer.ErrUnavailable) {
			t.Fatalf("Handle() %d with the JWKS hanging = %v, want %v", i, err, authorizer.ErrUnavailable)
		}
		if elapsed > deadline-settings.AnswerMargin/2 {
			t.Errorf("Handle() %d answered after %v, want before %v less the margin", i, elapsed, deadline)
		}
		if i > 0 && elapsed > 50*time.Millisecond {
			t.Errorf("Handle() %d within the retry interval waited %v, want no wait", i, elapsed)
		}
	}
}

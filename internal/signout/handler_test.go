package signout_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/cognito-authorizer/internal/signout"
)

const (
	testSub      = "0b9f5d7e-4a61-4f0e-9d3c-5a8e2c1f7b60"
	testUsername = "alice"
	testJTI      = "5e2c6f0d-1b7a-4d3e-8f9c-2a4b6c8d0e1f"
)

// testNow is 2026-11-22T04:18:09.250Z.
var testNow = time.Unix(1795321089, 250_000_000)

// recorder fakes the store, the pool and the flusher, writing each call to
// one list so that tests see their order.
type recorder struct {
	calls                       []string
	storeErr, poolErr, flushErr error
}

func (r *recorder) RevokeSession(_ context.Context, jti string, expiresAt time.Time) error {
	r.calls = append(r.calls, fmt.Sprintf("RevokeSession(%s, %d)", jti, expiresAt.Unix()))
	return r.storeErr
}

func (r *recorder) RevokeUser(_ context.Context, sub string, before, expiresAt time.Time) error {
	r.calls = append(r.calls, fmt.Sprintf("RevokeUser(%s, %s, %d)", sub, before.Format(time.RFC3339Nano), expiresAt.Unix()))
	return r.storeErr
}

func (r *recorder) SignOutEverywhere(_ context.Context, username string) error {
	r.calls = append(r.calls, "SignOutEverywhere("+username+")")
	return r.poolErr
}

func (r *recorder) FlushAuthorizerCache(_ context.Context, api, stage string) error {
	r.calls = append(r.calls, "Flush("+api+", "+stage+")")
	return r.flushErr
}

func newTestHandler(tb testing.TB, r *recorder, opts ...signout.Option) (*signout.Handler, *bytes.Buffer) {
	tb.Helper()
	var logs bytes.Buffer
	opts = append([]signout.Option{signout.WithClock(func() time.Time { return testNow })}, opts...)
	return signout.NewHandler(r, r, slog.New(slog.NewJSONHandler(&logs, nil)), opts...), &logs
}

// newRequest is a POST /sign-out as API Gateway passes it after the
// authorizer allowed an access token of testSub.
func newRequest(body string) events.APIGatewayProxyRequest {
	return events.APIGatewayProxyRequest{
		HTTPMethod: http.MethodPost,
		Path:       "/sign-out",
		Body:       body,
		RequestContext: events.APIGatewayProxyRequestContext{
			RequestID: "api-request-1",
			APIID:     "a1b2c3d4e5",
			Stage:     "prod",
			Authorizer: map[string]any{
				"principalId": testSub,
				"sub":         testSub,
				"username":    testUsername,
				"origin_jti":  testJTI,
				"iat":         "1795320489",
				"exp":         "1795324089",
				"token_use":   "access",
			},
		},
	}
}

// A sign-out everywhere revokes tokens issued before testNow plus
// signout.ClockSkew (the clock does not move here while Cognito is called);
// its sub# item lasts that + 24 h + 5 min with the default validity. A
// session's item lasts from testNow for the refresh token's 30 days + 5 min.
const (
	revokedBefore    = "2026-11-22T04:18:10.25Z"
	defaultExpiresAt = 1795321089 + 1 + 24*3600 + 300
	sessionExpiresAt = 1795321089 + 30*24*3600 + 300
)

func TestHandle(t *testing.T) {
	noJTI := newRequest("")
	delete(noJTI.RequestContext.Authorizer, "origin_jti")
	noUsername := newRequest(`{"everywhere":true}`)
	delete(noUsername.RequestContext.Authorizer, "username")
	b64 := newRequest(base64.StdEncoding.EncodeToString([]byte(`{"everywhere": true}`)))
	b64.IsBase64Encoded = true
	longExpEverywhere := newRequest(`{"everywhere": true}`)
	longExpEverywhere.RequestContext.Authorizer["exp"] = "1795328289" // now + 2 h

	tests := []struct {
		name      string
		req       events.APIGatewayProxyRequest
		opts      []signout.Option
		wantCalls []string
	}{
		{name: "empty body: this session", req: newRequest(""), wantCalls: []string{fmt.Sprintf("RevokeSession(%s, %d)", testJTI, sessionExpiresAt)}},
		{name: "blank body", req: newRequest(" \n"), wantCalls: []string{fmt.Sprintf("RevokeSession(%s, %d)", testJTI, sessionExpiresAt)}},
		{name: "empty object", req: newRequest("{}"), wantCalls: []string{fmt.Sprintf("RevokeSession(%s, %d)", testJTI, sessionExpiresAt)}},
		{name: "everywhere false", req: newRequest(`{"everywhere": false}`), wantCalls: []string{fmt.Sprintf("RevokeSession(%s, %d)", testJTI, sessionExpiresAt)}},
		{
			name: "no origin_jti: Cognito, then the sub# item",
			req:  noJTI,
			wantCalls: []string{
				"SignOutEverywhere(alice)",
				fmt.Sprintf("RevokeUser(%s, %s, %d)", testSub, revokedBefore, defaultExpiresAt),
			},
		},
		{
			name: "everywhere: Cognito first, then the sub# item",
			req:  newRequest(`{"everywhere": true}`),
			wantCalls: []string{
				"SignOutEverywhere(alice)",
				fmt.Sprintf("RevokeUser(%s, %s, %d)", testSub, revokedBefore, defaultExpiresAt),
			},
		},
		{
			name:      "everywhere without a username: the sub",
			req:       noUsername,
			wantCalls: []string{"SignOutEverywhere(" + testSub + ")", fmt.Sprintf("RevokeUser(%s, %s, %d)", testSub, revokedBefore, defaultExpiresAt)},
		},
		{
			name:      "base64 body",
			req:       b64,
			wantCalls: []string{"SignOutEverywhere(alice)", fmt.Sprintf("RevokeUser(%s, %s, %d)", testSub, revokedBefore, defaultExpiresAt)},
		},
		{
			name:      "shorter validity",
			req:       newRequest(`{"everywhere": true}`),
			opts:      []signout.Option{signout.WithTokenMaxValidity(time.Hour)},
			wantCalls: []string{"SignOutEverywhere(alice)", fmt.Sprintf("RevokeUser(%s, %s, %d)", testSub, revokedBefore, 1795321089+1+3600+300)},
		},
		{
			name:      "the token's exp beyond the validity",
			req:       longExpEverywhere,
			opts:      []signout.Option{signout.WithTokenMaxValidity(time.Hour)},
			wantCalls: []string{"SignOutEverywhere(alice)", fmt.Sprintf("RevokeUser(%s, %s, %d)", testSub, revokedBefore, 1795328289+300)},
		},
		{
			name:      "a session's item outlives its refresh token",
			req:       newRequest(""),
			opts:      []signout.Option{signout.WithRefreshMaxValidity(2 * time.Hour)},
			wantCalls: []string{fmt.Sprintf("RevokeSession(%s, %d)", testJTI, 1795321089+7200+300)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &recorder{}
			h, logs := newTestHandler(t, r, tt.opts...)
			resp, err := h.Handle(t.Context(), tt.req)
			if err != nil || resp.StatusCode != http.StatusNoContent || resp.Body != "" {
				t.Fatalf("Handle() = %d %q, %v, want 204 without a body", resp.StatusCode, resp.Body, err)
			}
			if diff := cmp.Diff(tt.wantCalls, r.calls); diff != "" {
				t.Errorf("calls (-want +got):\n%s", diff)
			}
			if !strings.Contains(logs.String(), `"status":204`) || strings.Contains(logs.String(), testJTI) {
				t.Errorf("log = %s, want status 204 and no origin_jti", logs)
			}
		})
	}
}

func TestHandleBadBodies(t *testing.T) {
	tests := []struct {
		name, body, wantReason string
		base64                 bool
	}{
		{name: "array", body: `[]`, wantReason: "body_not_object"},
		{name: "string", body: `"everywhere"`, wantReason: "body_not_object"},
		{name: "cut short", body: `{"everywhere": tr`, wantReason: "body_bad_json"},
		{name: "trailing data", body: `{"everywhere": true} {}`, wantReason: "body_trailing_data"},
		{name: "unknown field", body: `{"everywhere": true, "all": true}`, wantReason: "body_unknown_field"},
		{name: "field in capitals", body: `{"Everywhere": true}`, wantReason: "body_unknown_field"},
		{name: "string true", body: `{"everywhere": "true"}`, wantReason: "everywhere_not_boolean"},
		{name: "number", body: `{"everywhere": 1}`, wantReason: "everywhere_not_boolean"},
		{name: "null", body: `{"everywhere": null}`, wantReason: "everywhere_not_boolean"},
		{name: "too large", body: `{"everywhere": true` + strings.Repeat(" ", signout.MaxBodyBytes) + `}`, wantReason: "body_too_large"},
		{name: "bad base64", body: `{"everywhere": true}`, base64: true, wantReason: "bad_base64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &recorder{}
			h, logs := newTestHandler(t, r)
			req := newRequest(tt.body)
			req.IsBase64Encoded = tt.base64
			resp, err := h.Handle(t.Context(), req)
			msg := checkJSON(t, resp, err, http.StatusBadRequest)
			if msg == "" {
				t.Errorf("message is empty, want what is wrong")
			}
			if len(r.calls) != 0 {
				t.Errorf("calls = %v, want none", r.calls)
			}
			if !strings.Contains(logs.String(), `"reason":"`+tt.wantReason+`"`) {
				t.Errorf("log = %s, want reason %s", logs, tt.wantReason)
			}
		})
	}
}

func TestHandleNoAuthorizerContext(t *testing.T) {
	for name, ctx := range map[string]map[string]any{
		"none":           nil,
		"no sub":         {"username": "alice", "origin_jti": testJTI},
		"sub not string": {"sub": 42.0},
	} {
		t.Run(name, func(t *testing.T) {
			r := &recorder{}
			h, _ := newTestHandler(t, r)
			req := newRequest(`{"everywhere": true}`)
			req.RequestContext.Authorizer = ctx
			resp, err := h.Handle(t.Context(), req)
			if msg := checkJSON(t, resp, err, http.StatusUnauthorized); msg != "Unauthorized" {
				t.Errorf("message = %q, want Unauthorized", msg)
			}
			if len(r.calls) != 0 {
				t.Errorf("calls = %v, want none", r.calls)
			}
		})
	}
}

func TestHandleFailures(t *testing.T) {
	storeDown := errors.New("revoke session: writing revocations: throttled")
	poolDown := errors.New("cognito global sign-out: TooManyRequestsException")
	tests := []struct {
		name        string
		body        string
		rec         recorder
		wantCalls   int
		wantMessage string
		wantLog     string
	}{
		{name: "store fails (session)", body: "", rec: recorder{storeErr: storeDown}, wantCalls: 1, wantMessage: "not recorded", wantLog: "throttled"},
		{name: "Cognito fails: nothing written", body: `{"everywhere":true}`, rec: recorder{poolErr: poolDown}, wantCalls: 1, wantMessage: "nothing was recorded", wantLog: "TooManyRequests"},
		{name: "store fails after Cognito", body: `{"everywhere":true}`, rec: recorder{storeErr: storeDown}, wantCalls: 2, wantMessage: "refresh tokens were revoked", wantLog: "throttled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.rec
			h, logs := newTestHandler(t, &r, signout.WithFlusher(&r))
			resp, err := h.Handle(t.Context(), newRequest(tt.body))
			msg := checkJSON(t, resp, err, http.StatusInternalServerError)
			if !strings.Contains(msg, tt.wantMessage) || strings.Contains(msg, tt.wantLog) {
				t.Errorf("message = %q, want it to say %q and not leak %q", msg, tt.wantMessage, tt.wantLog)
			}
			if len(r.calls) != tt.wantCalls {
				t.Errorf("calls = %v, want %d (and no flush)", r.calls, tt.wantCalls)
			}
			if !strings.Contains(logs.String(), `"level":"ERROR"`) || !strings.Contains(logs.String(), tt.wantLog) {
				t.Errorf("log = %s, want an error with %q", logs, tt.wantLog)
			}
		})
	}
}

func TestHandleFlush(t *testing.T) {
	r := &recorder{}
	h, logs := newTestHandler(t, r, signout.WithFlusher(r))
	resp, _ := h.Handle(t.Context(), newRequest(""))
	want := []string{fmt.Sprintf("RevokeSession(%s, %d)", testJTI, sessionExpiresAt), "Flush(a1b2c3d4e5, prod)"}
	if resp.StatusCode != http.StatusNoContent || !cmp.Equal(want, r.calls) {
		t.Errorf("Handle() = %d, calls %v, want 204 and %v", resp.StatusCode, r.calls, want)
	}
	if !strings.Contains(logs.String(), `"authorizer_cache_flushed":true`) {
		t.Errorf("log = %s, want the flush noted", logs)
	}

	// A failed flush is logged; the sign-out itself is done.
	r = &recorder{flushErr: errors.New("apigateway: AccessDenied")}
	h, logs = newTestHandler(t, r, signout.WithFlusher(r))
	resp, _ = h.Handle(t.Context(), newRequest(""))
	if resp.StatusCode != http.StatusNoContent {
		t.Errorf("Handle() with a failed flush = %d, want 204", resp.StatusCode)
	}
	if !strings.Contains(logs.String(), `"level":"ERROR"`) || !strings.Contains(logs.String(), "AccessDenied") {
		t.Errorf("log = %s, want the failed flush as an error", logs)
	}
}

// checkJSON checks a JSON answer's status and returns its message.
func checkJSON(tb testing.TB, resp events.APIGatewayProxyResponse, err error, status int) string {
	tb.Helper()
	if err != nil || resp.StatusCode != status || resp.Headers["Content-Type"] != "application/json" {
		tb.Fatalf("Handle() = %d %v %q, %v, want %d with JSON", resp.StatusCode, resp.Headers, resp.Body, err, status)
	}
	var m struct{ Message string }
	if err := json.Unmarshal([]byte(resp.Body), &m); err != nil {
		tb.Fatalf("body %q: %v", resp.Body, err)
	}
	return m.Message
}

// TestNilLogger: a handler built with a nil logger discards its log line
// instead of panicking.
func TestNilLogger(t *testing.T) {
	r := &recorder{}
	h := signout.NewHandler(r, r, nil, signout.WithClock(func() time.Time { return testNow }))
	resp, err := h.Handle(t.Context(), newRequest(""))
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("Handle() = %d, %v, want 204", resp.StatusCode, err)
	}
}

// TestOnlyThePoolsOwnUsers: with WithIssuers, a caller whose context names
// another issuer (or none) is refused with 403 before anything is written
// or anyone is signed out; the pool's own callers sign out as before.
func TestOnlyThePoolsOwnUsers(t *testing.T) {
	const pool = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123xyz"
	for _, tt := range []struct {
		name, iss string
		want      int
	}{
		{"the pool's user", pool, http.StatusNoContent},
		{"another issuer's user of the same name", "https://idp.example.com/", http.StatusForbidden},
		{"no issuer in the context", "", http.StatusForbidden},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := &recorder{}
			h := signout.NewHandler(r, r, nil, signout.WithClock(func() time.Time { return testNow }), signout.WithIssuers(pool))
			req := newRequest(`{"everywhere": true}`)
			if tt.iss != "" {
				req.RequestContext.Authorizer["iss"] = tt.iss
			}
			resp, err := h.Handle(t.Context(), req)
			if err != nil || resp.StatusCode != tt.want {
				t.Fatalf("Handle() = %d %s, %v, want %d", resp.StatusCode, resp.Body, err, tt.want)
			}
			if tt.want != http.StatusNoContent && len(r.calls) != 0 {
				t.Errorf("refused, yet called %v", r.calls)
			}
		})
	}
}

package apigwtest_test

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/cognito-authorizer/internal/identity"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/apigwtest"
)

var eventsDir = filepath.Join("..", "..", "..", "events")

func TestEvent(t *testing.T) {
	ev := apigwtest.Event(t, filepath.Join(eventsDir, "token.json"), "tok.en.sig")
	if !strings.Contains(string(ev), `"Bearer tok.en.sig"`) || strings.Contains(string(ev), apigwtest.TokenPlaceholder) {
		t.Errorf("Event(token.json) = %s, want the token in place of %s", ev, apigwtest.TokenPlaceholder)
	}
	if _, err := apigwtest.ReadEvent(filepath.Join(eventsDir, "none.json"), "x"); err == nil {
		t.Error("ReadEvent(missing file) = nil error")
	}
}

func TestProxyRequest(t *testing.T) {
	req := apigwtest.ProxyRequest(t, filepath.Join(eventsDir, "add-note.json"))
	if req.HTTPMethod != http.MethodPost || req.Resource != "/add-note" {
		t.Errorf("ProxyRequest(add-note.json) = %s %s, want POST /add-note", req.HTTPMethod, req.Resource)
	}
	if _, err := apigwtest.ReadProxyRequest(filepath.Join(eventsDir, "token.json")); err == nil {
		t.Error("ReadProxyRequest(token.json) = nil error, want its unknown fields refused")
	}
}

func TestAuthorizerContextRoundTrip(t *testing.T) {
	ctx := map[string]any{
		identity.KeySub: "s1", identity.KeyUsername: "alice", identity.KeyGroups: "notes",
		"exp": 1795325400.0, "email_verified": true,
	}
	fw := apigwtest.AuthorizerContext("s1", ctx)
	want := map[string]any{
		"principalId": "s1", "sub": "s1", "username": "alice", "cognito:groups": "notes",
		"exp": "1795325400", "email_verified": "true",
	}
	if diff := cmp.Diff(want, fw); diff != "" {
		t.Errorf("AuthorizerContext() mismatch (-want +got):\n%s", diff)
	}
	p, err := identity.FromAuthorizer(fw)
	if err != nil || p.Sub != "s1" || p.Username != "alice" || len(p.Groups) != 1 {
		t.Errorf("FromAuthorizer(AuthorizerContext()) = %+v, %v", p, err)
	}
}

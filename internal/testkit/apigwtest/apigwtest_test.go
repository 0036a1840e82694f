package apigwtest_test

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
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

func TestAllows(t *testing.T) {
	const (
		stage = "arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod"
		notes = stage + "/GET/notes"
	)
	st := func(effect string, resources ...string) events.IAMPolicyStatement {
		return events.IAMPolicyStatement{Action: []string{"execute-api:Invoke"}, Effect: effect, Resource: resources}
	}
	tests := []struct {
		name       string
		statements []events.IAMPolicyStatement
		methodARN  string
		want       bool
	}{
		{name: "exact Allow", statements: []events.IAMPolicyStatement{st("Allow", notes)}, methodARN: notes, want: true},
		{name: "no statement", methodARN: notes, want: false},
		{name: "Allow of another route", statements: []events.IAMPolicyStatement{st("Allow", stage+"/POST/add-note")}, methodARN: notes, want: false},
		{name: "star spans slashes", statements: []events.IAMPolicyStatement{st("Allow", stage+"/*")}, methodARN: stage + "/GET/users/a/notes", want: true},
		{name: "question mark is one character", statements: []events.IAMPolicyStatement{st("Allow", stage+"/GET/note?")}, methodARN: notes, want: true},
		{name: "question mark is not two", statements: []events.IAMPolicyStatement{st("Allow", stage+"/GET/not?")}, methodARN: notes, want: false},
		{name: "dots are literal", statements: []events.IAMPolicyStatement{st("Allow", strings.ReplaceAll(notes, ":", "."))}, methodARN: notes, want: false},
		{name: "explicit Deny wins", statements: []events.IAMPolicyStatement{st("Allow", stage+"/*"), st("Deny", stage+"/GET/users/*/notes")}, methodARN: stage + "/GET/users/b/notes", want: false},
		{name: "Deny elsewhere", statements: []events.IAMPolicyStatement{st("Allow", stage+"/*"), st("Deny", stage+"/GET/users/*/notes")}, methodARN: notes, want: true},
		{name: "other action", statements: []events.IAMPolicyStatement{{Action: []string{"execute-api:ManageConnections"}, Effect: "Allow", Resource: []string{notes}}}, methodARN: notes, want: false},
		{name: "wildcard action", statements: []events.IAMPolicyStatement{{Action: []string{"execute-api:*"}, Effect: "Allow", Resource: []string{notes}}}, methodARN: notes, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := events.APIGatewayCustomAuthorizerPolicy{Version: "2012-10-17", Statement: tt.statements}
			if got := apigwtest.Allows(doc, tt.methodARN); got != tt.want {
				t.Errorf("Allows(%v, %q) = %v, want %v", tt.statements, tt.methodARN, got, tt.want)
			}
		})
	}
}

package notes_test

import (
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/cognito-authorizer/internal/identity"
	"github.com/gatehouse-dev/cognito-authorizer/internal/notes"
	"github.com/gatehouse-dev/cognito-authorizer/internal/policy"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/apigwtest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/notestest"
)

// sampleEventPath is the event `sam local invoke AddNoteFunction` sends.
var sampleEventPath = filepath.Join("..", "..", "events", "add-note.json")

func TestSampleEvent(t *testing.T) {
	req := apigwtest.ProxyRequest(t, sampleEventPath)
	if req.HTTPMethod != http.MethodPost || req.Resource != "/add-note" || req.IsBase64Encoded {
		t.Errorf("event is %s %s (base64 %v), want POST /add-note, not base64", req.HTTPMethod, req.Resource, req.IsBase64Encoded)
	}
	// API Gateway passes the authorizer's context values as strings (only
	// its own integrationLatency is a number).
	for key, v := range req.RequestContext.Authorizer {
		if _, ok := v.(string); !ok && key != "integrationLatency" {
			t.Errorf("authorizer[%q] = %v (%T), want a string", key, v, v)
		}
	}
	principal, err := identity.FromAuthorizer(req.RequestContext.Authorizer)
	if err != nil {
		t.Fatalf("FromAuthorizer() error = %v", err)
	}
	wantPrincipal := identity.Principal{
		Sub:      "4c8f2a6e-1d3b-4e5f-9a7b-2c1d0e9f8a7b",
		Username: "alice",
		Email:    "alice@example.com",
		Groups:   []string{"writers"},
	}
	if diff := cmp.Diff(wantPrincipal, principal); diff != "" {
		t.Errorf("principal (-want +got):\n%s", diff)
	}

	store := &notestest.Store{}
	h, logs := newTestHandler(t, store)
	resp, err := h.Handle(t.Context(), req)
	if err != nil {
		t.Fatalf("Handle() error = %v, want nil", err)
	}
	body := checkResponse(t, resp, http.StatusCreated)
	if body["note"] != "Bring home milk" {
		t.Errorf("note = %q, want Bring home milk", body["note"])
	}
	wantStored := []notes.Note{{
		UserID:    wantPrincipal.Sub,
		ID:        "id-1",
		Text:      "Bring home milk",
		Email:     wantPrincipal.Email,
		CreatedAt: testNow.Truncate(1e6),
	}}
	if diff := cmp.Diff(wantStored, store.Stored()); diff != "" {
		t.Errorf("stored (-want +got):\n%s", diff)
	}
	token := strings.TrimPrefix(req.Headers["Authorization"], "Bearer ")
	if strings.Contains(logs.String(), token) || strings.Contains(logs.String(), "milk") {
		t.Errorf("log holds the token or the note: %s", logs)
	}
}

// listEventPath is the event `sam local invoke ListNotesFunction` sends.
var listEventPath = filepath.Join("..", "..", "events", "list-notes.json")

func TestListSampleEvent(t *testing.T) {
	req := apigwtest.ProxyRequest(t, listEventPath)
	if req.HTTPMethod != http.MethodGet || req.Resource != notes.ResourceUserNotes || req.Body != "" {
		t.Errorf("event is %s %s with body %q, want GET %s without a body", req.HTTPMethod, req.Resource, req.Body, notes.ResourceUserNotes)
	}
	principal, err := identity.FromAuthorizer(req.RequestContext.Authorizer)
	if err != nil {
		t.Fatalf("FromAuthorizer() error = %v", err)
	}
	if got := req.PathParameters[notes.PathUserID]; got != principal.Sub {
		t.Errorf("pathParameters.userId = %q, want the caller's sub %q: the sample reads the caller's own notes", got, principal.Sub)
	}
	if got, want := req.Path, "/users/"+principal.Sub+"/notes"; got != want {
		t.Errorf("path = %q, want %q", got, want)
	}

	store := &notestest.Store{}
	ids := seed(t, store, principal.Sub, 12)
	status, body, _, _ := list(t, store, req)
	if status != http.StatusOK {
		t.Fatalf("status = %d, want 200", status)
	}
	if diff := cmp.Diff(ids[:10], body.ids()); diff != "" || body.Next == "" {
		t.Errorf("ids (-want +got):\n%s\nnext %q, want the sample's limit of 10 and a next page", diff, body.Next)
	}
}

// ruleCaller is a policy.Caller with a sub and groups.
type ruleCaller struct {
	sub    string
	groups []string
}

func (c ruleCaller) Groups() []string { return c.groups }
func (c ruleCaller) Scopes() []string { return nil }
func (c ruleCaller) Claim(name string) (any, bool) {
	if name == "sub" {
		return c.sub, true
	}
	return nil, false
}

// TestSampleRules checks that events/rules.json, the sample API's route
// rules, parses and grants the routes of the note functions as their
// handlers expect: GET /users/{userId}/notes to its user and to AdminGroup,
// whom ListHandler lets read any user's notes.
func TestSampleRules(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "events", "rules.json"))
	if err != nil {
		t.Fatal(err)
	}
	rules, err := policy.ParseRules(data)
	if err != nil {
		t.Fatalf("ParseRules(events/rules.json) error = %v", err)
	}
	for _, route := range []string{"POST /add-note", "GET " + notes.ResourceNotes, "GET " + notes.ResourceUserNotes} {
		if !slices.Contains(rules.Routes(), route) {
			t.Errorf("events/rules.json has no rule for %s; its routes: %q", route, rules.Routes())
		}
	}
	const prefix = "arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/"
	tests := []struct {
		name   string
		caller ruleCaller
		arn    string
		want   bool
	}{
		{"own notes", ruleCaller{sub: testSub}, prefix + "GET/notes", true},
		{"own notes by user id", ruleCaller{sub: testSub}, prefix + "GET/users/" + testSub + "/notes", true},
		{"another user's notes", ruleCaller{sub: testSub, groups: []string{"writers"}}, prefix + "GET/users/" + bobSub + "/notes", false},
		{"another user's notes, as an admin", ruleCaller{sub: adminSub, groups: []string{notes.AdminGroup}}, prefix + "GET/users/" + bobSub + "/notes", true},
		{"add a note, a writer", ruleCaller{sub: testSub, groups: []string{"writers"}}, prefix + "POST/add-note", true},
		{"add a note, not a writer", ruleCaller{sub: testSub}, prefix + "POST/add-note", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			arn, err := policy.ParseMethodARN(tt.arn)
			if err != nil {
				t.Fatal(err)
			}
			if d := rules.Decide(arn, tt.caller); d.Allowed != tt.want {
				t.Errorf("Decide(%s, %+v) = %v (%s), want %v", tt.arn, tt.caller, d.Allowed, d.Reason, tt.want)
			}
		})
	}
}

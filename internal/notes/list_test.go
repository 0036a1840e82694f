package notes_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/gatehouse-dev/cognito-authorizer/internal/notes"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/notestest"
)

// The users of the listing tests. testSub (alice) is in no admin group.
const (
	bobSub   = "b0b0b0b0-0000-4000-8000-000000000b0b"
	adminSub = "ad000000-0000-4000-8000-0000000000ad"
)

// listBody is the body of a 200 answer.
type listBody struct {
	Notes []struct {
		ID        string `json:"id"`
		Note      string `json:"note"`
		CreatedAt string `json:"createdAt"`
	} `json:"notes"`
	Next string `json:"next"`
}

// ids returns the ids of the listed notes, in order.
func (b listBody) ids() []string {
	var ids []string
	for _, n := range b.Notes {
		ids = append(ids, n.ID)
	}
	return ids
}

// seed stores count notes of userID, one a second apart from testNow, and
// returns their ids newest first.
func seed(tb testing.TB, store notes.Store, userID string, count int) []string {
	tb.Helper()
	ids := make([]string, count)
	for i := range count {
		at := testNow.Add(time.Duration(i) * time.Second).Truncate(time.Millisecond)
		id := mustID(tb, at)
		n := notes.Note{UserID: userID, ID: id, Text: fmt.Sprintf("%s note %d", userID[:3], i), CreatedAt: at}
		if err := store.Put(tb.Context(), n); err != nil {
			tb.Fatalf("Put(%+v) error = %v", n, err)
		}
		ids[count-1-i] = id
	}
	return ids
}

// listRequest returns a GET request on resource as API Gateway passes it
// once the authorizer allowed caller, in groups.
func listRequest(resource, userID string, query map[string]string, caller string, groups ...string) events.APIGatewayProxyRequest {
	path := resource
	var params map[string]string
	if resource == notes.ResourceUserNotes {
		path = "/users/" + userID + "/notes"
		params = map[string]string{notes.PathUserID: userID}
	}
	multi := make(map[string][]string, len(query))
	for k, v := range query {
		multi[k] = []string{v}
	}
	return events.APIGatewayProxyRequest{
		Resource:                        resource,
		Path:                            path,
		HTTPMethod:                      http.MethodGet,
		Headers:                         map[string]string{"Authorization": "Bearer " + testToken},
		QueryStringParameters:           query,
		MultiValueQueryStringParameters: multi,
		PathParameters:                  params,
		RequestContext: events.APIGatewayProxyRequestContext{
			RequestID:    "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
			ResourcePath: resource,
			HTTPMethod:   http.MethodGet,
			Authorizer: map[string]any{
				"principalId":    caller,
				"sub":            caller,
				"cognito:groups": strings.Join(groups, ","),
			},
		},
	}
}

// recordingLister is a notes.Lister that counts its calls and keeps the
// deadline of the last, answering from store, or err when set.
type recordingLister struct {
	store *notestest.Store
	err   error

	mu       sync.Mutex
	calls    int
	deadline time.Time
}

func (l *recordingLister) List(ctx context.Context, userID string, limit int, after string) (notes.Page, error) {
	l.mu.Lock()
	l.calls++
	l.deadline, _ = ctx.Deadline()
	l.mu.Unlock()
	if l.err != nil {
		return notes.Page{}, l.err
	}
	return l.store.List(ctx, userID, limit, after)
}

// listLine is the part of the list handler's log line the tests look at.
type listLine struct {
	Level  string `json:"level"`
	Msg    string `json:"msg"`
	Status int    `json:"status"`
	Route  string `json:"route"`
	Sub    string `json:"sub"`
	UserID string `json:"user_id"`
	Count  int    `json:"count"`
	More   bool   `json:"more"`
	Reason string `json:"reason"`
	Error  string `json:"error"`
}

// list runs one request through a list handler on lister and returns the
// answer's status, its body (decoded as a listing on 200, else its
// message) and the handler's one log line.
func list(tb testing.TB, lister notes.Lister, req events.APIGatewayProxyRequest) (int, listBody, string, listLine) {
	tb.Helper()
	var logs bytes.Buffer
	h := notes.NewListHandler(lister, slog.New(slog.NewJSONHandler(&logs, nil)))
	resp, err := h.Handle(tb.Context(), req)
	if err != nil {
		tb.Fatalf("Handle() error = %v, want nil", err)
	}
	if got := resp.Headers["Content-Type"]; got != "application/json" {
		tb.Errorf("Content-Type = %q, want application/json", got)
	}
	if got := resp.Headers["Cache-Control"]; got != "no-store" {
		tb.Errorf("Cache-Control = %q, want no-store", got)
	}
	var body listBody
	var msg struct{ Message string }
	if resp.StatusCode == http.StatusOK {
		dec := json.NewDecoder(strings.NewReader(resp.Body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&body); err != nil {
			tb.Fatalf("200 body %s: %v", resp.Body, err)
		}
		if body.Notes == nil {
			tb.Errorf("200 body %s has no notes array", resp.Body)
		}
	} else if err := json.Unmarshal([]byte(resp.Body), &msg); err != nil || msg.Message == "" {
		tb.Fatalf("%d body %s is not a JSON message: %v", resp.StatusCode, resp.Body, err)
	}

	lines := strings.Split(strings.TrimSuffix(logs.String(), "\n"), "\n")
	if len(lines) != 1 {
		tb.Fatalf("handler logged %d lines, want 1:\n%s", len(lines), logs.String())
	}
	var line listLine
	if err := json.Unmarshal([]byte(lines[0]), &line); err != nil {
		tb.Fatalf("log line %s: %v", lines[0], err)
	}
	if line.Msg != "list-notes" || line.Status != resp.StatusCode {
		tb.Errorf("log line %s, want msg list-notes and status %d", lines[0], resp.StatusCode)
	}
	if strings.Contains(logs.String(), "TOKEN-MARKER") || strings.Contains(logs.String(), " note ") ||
		(body.Next != "" && strings.Contains(logs.String(), body.Next)) {
		tb.Errorf("log line holds the token, a note or the page token: %s", lines[0])
	}
	return resp.StatusCode, body, msg.Message, line
}

func TestListHandle(t *testing.T) {
	store := &notestest.Store{}
	alice := seed(t, store, testSub, 3)
	bob := seed(t, store, bobSub, 2)

	tests := []struct {
		name       string
		req        events.APIGatewayProxyRequest
		wantStatus int
		wantIDs    []string // on 200
		wantNext   bool
		wantReason string
		wantUserID string // in the log line
	}{
		{
			name:       "own notes",
			req:        listRequest(notes.ResourceNotes, "", nil, testSub),
			wantStatus: http.StatusOK, wantIDs: alice, wantUserID: testSub,
		},
		{
			name:       "own notes through the user route",
			req:        listRequest(notes.ResourceUserNotes, testSub, nil, testSub, "writers"),
			wantStatus: http.StatusOK, wantIDs: alice, wantUserID: testSub,
		},
		{
			name:       "another user's notes, not an admin",
			req:        listRequest(notes.ResourceUserNotes, bobSub, nil, testSub, "writers", "admin", "Admins"),
			wantStatus: http.StatusForbidden, wantReason: "not_owner", wantUserID: bobSub,
		},
		{
			name:       "another user's notes, as an admin",
			req:        listRequest(notes.ResourceUserNotes, bobSub, nil, adminSub, "writers", notes.AdminGroup),
			wantStatus: http.StatusOK, wantIDs: bob, wantUserID: bobSub,
		},
		{
			name:       "admin's own notes, none yet",
			req:        listRequest(notes.ResourceNotes, "", nil, adminSub, notes.AdminGroup),
			wantStatus: http.StatusOK, wantIDs: nil, wantUserID: adminSub,
		},
		{
			name:       "a user with no notes, as an admin",
			req:        listRequest(notes.ResourceUserNotes, "nobody", nil, adminSub, notes.AdminGroup),
			wantStatus: http.StatusOK, wantIDs: nil, wantUserID: "nobody",
		},
		{
			name:       "limit",
			req:        listRequest(notes.ResourceNotes, "", map[string]string{"limit": "2"}, testSub),
			wantStatus: http.StatusOK, wantIDs: alice[:2], wantNext: true, wantUserID: testSub,
		},
		{
			name:       "limit with leading zeros",
			req:        listRequest(notes.ResourceNotes, "", map[string]string{"limit": "001"}, testSub),
			wantStatus: http.StatusOK, wantIDs: alice[:1], wantNext: true, wantUserID: testSub,
		},
		{
			name:       "MaxLimit",
			req:        listRequest(notes.ResourceNotes, "", map[string]string{"limit": "100"}, testSub),
			wantStatus: http.StatusOK, wantIDs: alice, wantUserID: testSub,
		},
		{
			name:       "unknown query parameters are ignored",
			req:        listRequest(notes.ResourceNotes, "", map[string]string{"cachebuster": "1"}, testSub),
			wantStatus: http.StatusOK, wantIDs: alice, wantUserID: testSub,
		},
		{
			name: "no authorizer context",
			req: func() events.APIGatewayProxyRequest {
				r := listRequest(notes.ResourceNotes, "", nil, testSub)
				r.RequestContext.Authorizer = nil
				return r
			}(),
			wantStatus: http.StatusUnauthorized,
		},
		{
			name:       "empty sub",
			req:        listRequest(notes.ResourceNotes, "", nil, ""),
			wantStatus: http.StatusUnauthorized,
		},
		{
			name: "a route the function does not serve",
			req: func() events.APIGatewayProxyRequest {
				r := listRequest(notes.ResourceNotes, "", nil, testSub)
				r.Resource = "/add-note"
				return r
			}(),
			wantStatus: http.StatusNotFound, wantReason: "no_route",
		},
		{
			name: "a method the function does not serve",
			req: func() events.APIGatewayProxyRequest {
				r := listRequest(notes.ResourceNotes, "", nil, testSub)
				r.HTTPMethod = http.MethodPost
				return r
			}(),
			wantStatus: http.StatusNotFound, wantReason: "no_route",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lister := &recordingLister{store: store}
			status, body, _, line := list(t, lister, tt.req)
			if status != tt.wantStatus {
				t.Fatalf("status = %d, want %d (log %+v)", status, tt.wantStatus, line)
			}
			if status == http.StatusOK {
				if diff := cmp.Diff(tt.wantIDs, body.ids()); diff != "" {
					t.Errorf("ids (-want +got):\n%s", diff)
				}
				if got := body.Next != ""; got != tt.wantNext {
					t.Errorf("next = %q, want one: %v", body.Next, tt.wantNext)
				}
			} else if lister.calls != 0 {
				t.Errorf("status %d, but the store was asked %d times, want never", status, lister.calls)
			}
			if line.Reason != tt.wantReason || line.UserID != tt.wantUserID {
				t.Errorf("log reason, user_id = %q, %q, want %q, %q", line.Reason, line.UserID, tt.wantReason, tt.wantUserID)
			}
		})
	}
}

func TestListNoteFields(t *testing.T) {
	store := &notestest.Store{}
	n := notes.Note{UserID: testSub, ID: mustID(t, testNow), Text: "Bring home milk", Email: testEmail, CreatedAt: testNow.In(time.FixedZone("CET", 3600))}
	if err := store.Put(t.Context(), n); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	h := notes.NewListHandler(store, slog.New(slog.NewJSONHandler(&logs, nil)))
	resp, _ := h.Handle(t.Context(), listRequest(notes.ResourceNotes, "", nil, testSub))
	want := `{"notes":[{"id":"` + n.ID + `","note":"Bring home milk","createdAt":"` + testCreatedAt + `"}]}`
	if resp.Body != want {
		t.Errorf("body = %s, want %s", resp.Body, want)
	}
}

func TestListRejects(t *testing.T) {
	store := &notestest.Store{}
	alice := seed(t, store, testSub, 3)
	seed(t, store, bobSub, 3)
	token := func(userID, after string) string {
		return base64.RawURLEncoding.EncodeToString([]byte(`{"u":"` + userID + `","a":"` + after + `"}`))
	}
	// aliceNext and bobNext are tokens the handler hands out.
	next := func(req events.APIGatewayProxyRequest) string {
		t.Helper()
		_, body, _, _ := list(t, store, req)
		if body.Next == "" {
			t.Fatal("no next token on a partial page")
		}
		return body.Next
	}
	aliceNext := next(listRequest(notes.ResourceNotes, "", map[string]string{"limit": "1"}, testSub))
	bobNext := next(listRequest(notes.ResourceUserNotes, bobSub, map[string]string{"limit": "1"}, adminSub, notes.AdminGroup))
	if aliceNext != token(testSub, alice[0]) {
		t.Fatalf("token = %q, want %q: the tests below forge tokens in that form", aliceNext, token(testSub, alice[0]))
	}

	own := func(query map[string]string) events.APIGatewayProxyRequest {
		return listRequest(notes.ResourceNotes, "", query, testSub)
	}
	tests := []struct {
		name       string
		req        events.APIGatewayProxyRequest
		wantReason string
	}{
		{"limit 0", own(map[string]string{"limit": "0"}), "bad_limit"},
		{"limit over MaxLimit", own(map[string]string{"limit": "101"}), "bad_limit"},
		{"limit of four digits", own(map[string]string{"limit": "0010"}), "bad_limit"},
		{"negative limit", own(map[string]string{"limit": "-1"}), "bad_limit"},
		{"limit with a sign", own(map[string]string{"limit": "+5"}), "bad_limit"},
		{"limit with a space", own(map[string]string{"limit": " 5"}), "bad_limit"},
		{"fractional limit", own(map[string]string{"limit": "1.5"}), "bad_limit"},
		{"empty limit", own(map[string]string{"limit": ""}), "bad_limit"},
		{"limit not a number", own(map[string]string{"limit": "ten"}), "bad_limit"},
		{"huge limit", own(map[string]string{"limit": "99999999999999999999"}), "bad_limit"},
		{
			name: "limit given twice",
			req: func() events.APIGatewayProxyRequest {
				r := own(map[string]string{"limit": "5"})
				r.MultiValueQueryStringParameters["limit"] = []string{"1", "5"}
				return r
			}(),
			wantReason: "repeated_limit",
		},
		{
			name: "next given twice",
			req: func() events.APIGatewayProxyRequest {
				r := own(map[string]string{"next": aliceNext})
				r.MultiValueQueryStringParameters["next"] = []string{aliceNext, aliceNext}
				return r
			}(),
			wantReason: "repeated_next",
		},
		{"empty next", own(map[string]string{"next": ""}), "bad_page_token"},
		{"next not base64url", own(map[string]string{"next": "!!!"}), "bad_page_token"},
		{"next padded base64", own(map[string]string{"next": aliceNext + "=="}), "bad_page_token"},
		{"next not JSON", own(map[string]string{"next": base64.RawURLEncoding.EncodeToString([]byte("hello"))}), "bad_page_token"},
		{"next too long", own(map[string]string{"next": strings.Repeat("A", notes.MaxPageTokenLen+1)}), "bad_page_token"},
		{"next with an unknown field", own(map[string]string{"next": base64.RawURLEncoding.EncodeToString([]byte(`{"u":"` + testSub + `","a":"` + alice[0] + `","x":1}`))}), "bad_page_token"},
		{"next with names in another case", own(map[string]string{"next": base64.RawURLEncoding.EncodeToString([]byte(`{"U":"` + testSub + `","A":"` + alice[0] + `"}`))}), "bad_page_token"},
		{"next with spaces", own(map[string]string{"next": base64.RawURLEncoding.EncodeToString([]byte(`{"u": "` + testSub + `","a":"` + alice[0] + `"}`))}), "bad_page_token"},
		{"next after an id that is no note id", own(map[string]string{"next": token(testSub, "#noteId")}), "bad_page_token"},
		{"next after an empty id", own(map[string]string{"next": token(testSub, "")}), "bad_page_token"},
		{"next after a lower-case id", own(map[string]string{"next": token(testSub, strings.ToLower(alice[0]))}), "bad_page_token"},
		{"another user's next on own notes", own(map[string]string{"next": bobNext}), "page_token_other_user"},
		{"a forged next for another user", own(map[string]string{"next": token(bobSub, alice[0])}), "page_token_other_user"},
		{
			name:       "own next on another user's notes, as an admin",
			req:        listRequest(notes.ResourceUserNotes, bobSub, map[string]string{"next": aliceNext}, adminSub, notes.AdminGroup),
			wantReason: "page_token_other_user",
		},
		{"userId too long", listRequest(notes.ResourceUserNotes, strings.Repeat("a", notes.MaxUserIDLen+1), nil, adminSub, notes.AdminGroup), "bad_user_id"},
		{"userId with a slash", listRequest(notes.ResourceUserNotes, "a/b", nil, adminSub, notes.AdminGroup), "bad_user_id"},
		{"userId with a space", listRequest(notes.ResourceUserNotes, "a b", nil, adminSub, notes.AdminGroup), "bad_user_id"},
		{"userId with a star", listRequest(notes.ResourceUserNotes, "*", nil, adminSub, notes.AdminGroup), "bad_user_id"},
		{"empty userId", listRequest(notes.ResourceUserNotes, "", nil, adminSub, notes.AdminGroup), "bad_user_id"},
		{"userId ..", listRequest(notes.ResourceUserNotes, "..", nil, adminSub, notes.AdminGroup), "bad_user_id"},
		{"userId .", listRequest(notes.ResourceUserNotes, ".", nil, adminSub, notes.AdminGroup), "bad_user_id"},
		{"userId .. of a caller whose sub is ..", listRequest(notes.ResourceUserNotes, "..", nil, ".."), "bad_user_id"},
		{"userId with a NUL", listRequest(notes.ResourceUserNotes, "a\x00b", nil, adminSub, notes.AdminGroup), "bad_user_id"},
		{"userId with a non-ASCII letter", listRequest(notes.ResourceUserNotes, "b\u00f6b", nil, adminSub, notes.AdminGroup), "bad_user_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lister := &recordingLister{store: store}
			status, _, msg, line := list(t, lister, tt.req)
			if status != http.StatusBadRequest || line.Reason != tt.wantReason {
				t.Errorf("status, reason = %d, %q, want 400, %q", status, line.Reason, tt.wantReason)
			}
			if lister.calls != 0 {
				t.Errorf("400, but the store was asked %d times, want never", lister.calls)
			}
			if strings.Contains(msg, testSub) || strings.Contains(msg, bobSub) {
				t.Errorf("message %q names a user", msg)
			}
		})
	}

	t.Run("a valid token is accepted", func(t *testing.T) {
		status, body, _, _ := list(t, store, own(map[string]string{"next": aliceNext}))
		if status != http.StatusOK || !cmp.Equal(body.ids(), alice[1:]) {
			t.Errorf("status %d, ids %v, want 200, %v", status, body.ids(), alice[1:])
		}
	})
}

func TestListPaging(t *testing.T) {
	tests := []struct {
		name      string
		count     int
		limit     string
		wantPages []int
	}{
		{name: "default limit", count: 45, limit: "", wantPages: []int{20, 20, 5}},
		{name: "exact multiple of the limit", count: 40, limit: "", wantPages: []int{20, 20}},
		{name: "limit 1", count: 3, limit: "1", wantPages: []int{1, 1, 1}},
		{name: "MaxLimit", count: 150, limit: "100", wantPages: []int{100, 50}},
		{name: "no notes", count: 0, limit: "7", wantPages: []int{0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := &notestest.Store{}
			want := seed(t, store, testSub, tt.count)
			seed(t, store, bobSub, 3)
			var got []string
			var pages []int
			next := ""
			for range len(tt.wantPages) + 1 {
				query := map[string]string{}
				if tt.limit != "" {
					query["limit"] = tt.limit
				}
				if next != "" {
					query["next"] = next
				}
				status, body, _, line := list(t, store, listRequest(notes.ResourceNotes, "", query, testSub))
				if status != http.StatusOK {
					t.Fatalf("page %d: status %d, want 200", len(pages)+1, status)
				}
				if line.Count != len(body.Notes) || line.More != (body.Next != "") {
					t.Errorf("log count, more = %d, %v, want %d, %v", line.Count, line.More, len(body.Notes), body.Next != "")
				}
				got = append(got, body.ids()...)
				pages = append(pages, len(body.Notes))
				next = body.Next
				if next == "" {
					break
				}
			}
			if diff := cmp.Diff(tt.wantPages, pages); diff != "" {
				t.Errorf("page sizes (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("ids over all pages, newest first (-want +got):\n%s", diff)
			}
		})
	}
}

func TestListStoreFails(t *testing.T) {
	lister := &recordingLister{err: errors.New("ProvisionedThroughputExceededException: slow down")}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	var logs bytes.Buffer
	h := notes.NewListHandler(lister, slog.New(slog.NewJSONHandler(&logs, nil)))
	resp, _ := h.Handle(ctx, listRequest(notes.ResourceNotes, "", nil, testSub))
	if resp.StatusCode != http.StatusInternalServerError || strings.Contains(resp.Body, "slow down") {
		t.Errorf("answer = %d %s, want 500 without the detail", resp.StatusCode, resp.Body)
	}
	if !strings.Contains(logs.String(), "slow down") || !strings.Contains(logs.String(), `"level":"ERROR"`) {
		t.Errorf("log = %s, want the detail at level ERROR", logs.String())
	}
	outer, _ := ctx.Deadline()
	if lister.deadline.IsZero() || !lister.deadline.Before(outer) {
		t.Errorf("store deadline = %v, want one before the invocation's %v", lister.deadline, outer)
	}
}

// FuzzListQuery checks that no query or userId makes the list handler panic
// or answer anything but 200, 400 or 403 with a JSON body, that the store
// is asked only for a 200, and that a 200 lists only the user asked for.
func FuzzListQuery(f *testing.F) {
	store := &notestest.Store{}
	alice := seed(f, store, testSub, 5)
	seed(f, store, bobSub, 5)
	aliceToken := base64.RawURLEncoding.EncodeToString([]byte(`{"u":"` + testSub + `","a":"` + alice[1] + `"}`))
	for _, seedArgs := range []struct{ userID, limit, next string }{
		{"", "", ""},
		{testSub, "2", ""},
		{testSub, "", aliceToken},
		{bobSub, "1", aliceToken},
		{"", "100", aliceToken + "A"},
		{"", "0", ""},
		{"a/b", "-1", "!!"},
		{"", "", strings.Repeat("A", notes.MaxPageTokenLen+1)},
	} {
		f.Add(seedArgs.userID, seedArgs.limit, seedArgs.next, false)
		f.Add(seedArgs.userID, seedArgs.limit, seedArgs.next, true)
	}
	f.Fuzz(func(t *testing.T, userID, limit, next string, admin bool) {
		resource := notes.ResourceNotes
		if userID != "" {
			resource = notes.ResourceUserNotes
		}
		var groups []string
		if admin {
			groups = []string{notes.AdminGroup}
		}
		query := map[string]string{}
		if limit != "" {
			query["limit"] = limit
		}
		if next != "" {
			query["next"] = next
		}
		lister := &recordingLister{store: store}
		var logs bytes.Buffer
		h := notes.NewListHandler(lister, slog.New(slog.NewJSONHandler(&logs, nil)))
		resp, err := h.Handle(t.Context(), listRequest(resource, userID, query, testSub, groups...))
		if err != nil {
			t.Fatalf("Handle() error = %v", err)
		}
		switch resp.StatusCode {
		case http.StatusOK:
			var body listBody
			if err := json.Unmarshal([]byte(resp.Body), &body); err != nil {
				t.Fatalf("200 body %s: %v", resp.Body, err)
			}
			want := testSub
			if userID != "" {
				want = userID
			}
			if want != testSub && !admin {
				t.Fatalf("200 for %s's notes to a caller who is neither them nor an admin", want)
			}
			for _, n := range body.Notes {
				if (want == testSub) != slices.Contains(alice, n.ID) {
					t.Fatalf("listing of %s holds note %s of another user", want, n.ID)
				}
			}
		case http.StatusBadRequest, http.StatusForbidden:
			if lister.calls != 0 {
				t.Fatalf("status %d, but the store was asked", resp.StatusCode)
			}
		default:
			t.Fatalf("status = %d (%s), want 200, 400 or 403", resp.StatusCode, resp.Body)
		}
	})
}

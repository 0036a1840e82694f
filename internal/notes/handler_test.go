package notes_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/cognito-authorizer/internal/notes"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/notestest"
)

const (
	testSub   = "4c8f2a6e-1d3b-4e5f-9a7b-2c1d0e9f8a7b"
	testEmail = "alice@example.com"
	// testToken stands for the ID token API Gateway forwards in the
	// Authorization header; it must never reach the logs.
	testToken = "eyJraWQiOiJ0ZXN0In0.eyJzdWIiOiJ0ZXN0In0.TOKEN-MARKER-5e1f"
)

// testNow is the fixed clock of the tests; createdAt keeps its milliseconds.
var testNow = time.Date(2026, 11, 22, 4, 18, 9, 123456789, time.UTC)

const testCreatedAt = "2026-11-22T04:18:09.123Z"

// fixedIDs returns an id source that hands out ids in turn, then fails.
func fixedIDs(ids ...string) func(time.Time) (string, error) {
	var mu sync.Mutex
	return func(time.Time) (string, error) {
		mu.Lock()
		defer mu.Unlock()
		if len(ids) == 0 {
			return "", errors.New("fixedIDs: no ids left")
		}
		id := ids[0]
		ids = ids[1:]
		return id, nil
	}
}

// newTestHandler returns a handler on store with the fixed clock and ids
// id-1, id-2 ..., and the buffer it logs to.
func newTestHandler(tb testing.TB, store notes.Store, opts ...notes.Option) (*notes.Handler, *bytes.Buffer) {
	tb.Helper()
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	opts = append([]notes.Option{
		notes.WithClock(func() time.Time { return testNow }),
		notes.WithIDs(fixedIDs("id-1", "id-2", "id-3")),
	}, opts...)
	return notes.NewHandler(store, logger, opts...), &logs
}

// newRequest returns a POST /add-note request with body, as API Gateway
// passes it after the authorizer allowed it.
func newRequest(body string) events.APIGatewayProxyRequest {
	return events.APIGatewayProxyRequest{
		Resource:   "/add-note",
		Path:       "/add-note",
		HTTPMethod: http.MethodPost,
		Headers: map[string]string{
			"Authorization": "Bearer " + testToken,
			"Content-Type":  "application/json",
		},
		RequestContext: events.APIGatewayProxyRequestContext{
			RequestID:    "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
			ResourcePath: "/add-note",
			HTTPMethod:   http.MethodPost,
			Authorizer: map[string]any{
				"principalId":        testSub,
				"sub":                testSub,
				"username":           "alice",
				"email":              testEmail,
				"cognito:groups":     "editors,readers",
				"token_use":          "id",
				"client_id":          "1example23456789abcdefghij",
				"integrationLatency": float64(214),
			},
		},
		Body: body,
	}
}

// logLine is the part of the handler's log line the tests look at.
type logLine struct {
	Level   string `json:"level"`
	Msg     string `json:"msg"`
	Status  int    `json:"status"`
	Sub     string `json:"sub"`
	NoteID  string `json:"note_id"`
	Reason  string `json:"reason"`
	Retries int    `json:"retries"`
	Error   string `json:"error"`
}

// oneLogLine checks that the handler logged exactly one JSON line and
// returns it.
func oneLogLine(tb testing.TB, logs *bytes.Buffer) logLine {
	tb.Helper()
	lines := strings.Split(strings.TrimSuffix(logs.String(), "\n"), "\n")
	if len(lines) != 1 {
		tb.Fatalf("handler logged %d lines, want 1:\n%s", len(lines), logs)
	}
	var l logLine
	if err := json.Unmarshal([]byte(lines[0]), &l); err != nil {
		tb.Fatalf("log line %s is not JSON: %v", lines[0], err)
	}
	if l.Msg != "add-note" {
		tb.Errorf("log msg = %q, want %q", l.Msg, "add-note")
	}
	if strings.Contains(logs.String(), "TOKEN-MARKER") {
		tb.Errorf("log line holds the token: %s", lines[0])
	}
	return l
}

// checkResponse checks the status, the Content-Type and that the body is a
// JSON object with exactly the fields of its kind, and returns the body.
func checkResponse(tb testing.TB, resp events.APIGatewayProxyResponse, wantStatus int) map[string]string {
	tb.Helper()
	if resp.StatusCode != wantStatus {
		tb.Errorf("status = %d, want %d (body %s)", resp.StatusCode, wantStatus, resp.Body)
	}
	if got := resp.Headers["Content-Type"]; got != "application/json" {
		tb.Errorf("Content-Type = %q, want application/json", got)
	}
	var body map[string]string
	if err := json.Unmarshal([]byte(resp.Body), &body); err != nil {
		tb.Fatalf("body %s is not a JSON object of strings: %v", resp.Body, err)
	}
	wantKeys := []string{"message"}
	if wantStatus == http.StatusCreated {
		wantKeys = []string{"createdAt", "id", "note"}
	}
	gotKeys := slices.Sorted(maps.Keys(body))
	if diff := cmp.Diff(wantKeys, gotKeys); diff != "" {
		tb.Errorf("body %s has other fields (-want +got):\n%s", resp.Body, diff)
	}
	return body
}

func TestHandleStoresNote(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		base64   bool
		wantNote string
	}{
		{name: "tutorial note", body: `{"note":"Bring home milk"}`, wantNote: "Bring home milk"},
		{name: "trimmed", body: `{"note":"  Bring home milk \n"}`, wantNote: "Bring home milk"},
		{name: "spaces around the JSON", body: " \n{ \"note\" : \"milk\" }\n ", wantNote: "milk"},
		{name: "newline and tab kept", body: `{"note":"milk\n\teggs"}`, wantNote: "milk\n\teggs"},
		{name: "CRLF becomes LF", body: `{"note":"milk\r\neggs"}`, wantNote: "milk\neggs"},
		{name: "escapes", body: `{"note":"caf\u00e9 \"quoted\" \/ \ud83e\udd5b"}`, wantNote: "café \"quoted\" / 🥛"},
		{name: "HTML is stored as text", body: `{"note":"<b>milk</b> & eggs"}`, wantNote: "<b>milk</b> & eggs"},
		{
			name:     "exactly MaxNoteChars characters of two bytes",
			body:     `{"note":"` + strings.Repeat("é", notes.MaxNoteChars) + `"}`,
			wantNote: strings.Repeat("é", notes.MaxNoteChars),
		},
		{
			name:     "MaxNoteChars characters once trimmed",
			body:     `{"note":"   ` + strings.Repeat("a", notes.MaxNoteChars) + `   "}`,
			wantNote: strings.Repeat("a", notes.MaxNoteChars),
		},
		{
			name:     "body of exactly MaxBodyBytes",
			body:     padTo(`{"note":"milk"}`, notes.MaxBodyBytes),
			wantNote: "milk",
		},
		{
			name:     "base64",
			body:     base64.StdEncoding.EncodeToString([]byte(`{"note":"Bring home milk"}`)),
			base64:   true,
			wantNote: "Bring home milk",
		},
		{
			name:     "base64 of exactly MaxBodyBytes",
			body:     base64.StdEncoding.EncodeToString([]byte(padTo(`{"note":"milk"}`, notes.MaxBodyBytes))),
			base64:   true,
			wantNote: "milk",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := &notestest.Store{}
			h, logs := newTestHandler(t, store)
			req := newRequest(tt.body)
			req.IsBase64Encoded = tt.base64

			resp, err := h.Handle(t.Context(), req)
			if err != nil {
				t.Fatalf("Handle() error = %v, want nil", err)
			}
			body := checkResponse(t, resp, http.StatusCreated)
			want := map[string]string{"id": "id-1", "note": tt.wantNote, "createdAt": testCreatedAt}
			if diff := cmp.Diff(want, body); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
			wantStored := []notes.Note{{
				UserID:    testSub,
				ID:        "id-1",
				Text:      tt.wantNote,
				Email:     testEmail,
				CreatedAt: testNow.Truncate(time.Millisecond),
			}}
			if diff := cmp.Diff(wantStored, store.Stored()); diff != "" {
				t.Errorf("stored (-want +got):\n%s", diff)
			}

			l := oneLogLine(t, logs)
			if l.Level != "INFO" || l.Status != http.StatusCreated || l.Sub != testSub || l.NoteID != "id-1" {
				t.Errorf("log line = %+v, want INFO, status 201, sub %s, noteId id-1", l, testSub)
			}
			if strings.Contains(logs.String(), tt.wantNote) {
				t.Errorf("log line holds the note: %s", logs)
			}
		})
	}
}

// padTo pads the JSON body with trailing spaces to n bytes.
func padTo(body string, n int) string {
	return body + strings.Repeat(" ", n-len(body))
}

func TestHandleRejectsBadBody(t *testing.T) {
	tests := []struct {
		name        string
		body        string
		base64      bool
		wantReason  string
		wantMessage string
	}{
		{name: "empty", body: "", wantReason: "body_empty", wantMessage: "body is empty"},
		{name: "only spaces", body: " \r\n\t", wantReason: "body_empty", wantMessage: "body is empty"},
		{name: "string", body: `"Bring home milk"`, wantReason: "body_not_object", wantMessage: "must be a JSON object"},
		{name: "array", body: `[{"note":"milk"}]`, wantReason: "body_not_object", wantMessage: "must be a JSON object"},
		{name: "null", body: `null`, wantReason: "body_not_object", wantMessage: "must be a JSON object"},
		{name: "number", body: `42`, wantReason: "body_not_object", wantMessage: "must be a JSON object"},
		{name: "form encoded", body: `note=milk`, wantReason: "body_not_object", wantMessage: "must be a JSON object"},
		{name: "cut short", body: `{"note":"milk"`, wantReason: "body_bad_json", wantMessage: "not valid JSON"},
		{name: "trailing comma", body: `{"note":"milk",}`, wantReason: "body_bad_json", wantMessage: "not valid JSON"},
		{name: "unquoted name", body: `{note:"milk"}`, wantReason: "body_bad_json", wantMessage: "not valid JSON"},
		{name: "single quotes", body: `{'note':'milk'}`, wantReason: "body_bad_json", wantMessage: "not valid JSON"},
		{name: "raw newline in string", body: "{\"note\":\"milk\neggs\"}", wantReason: "body_bad_json", wantMessage: "not valid JSON"},
		{name: "second object", body: `{"note":"milk"}{"note":"eggs"}`, wantReason: "body_trailing_data", wantMessage: "data after the JSON object"},
		{name: "trailing text", body: `{"note":"milk"} please`, wantReason: "body_trailing_data", wantMessage: "data after the JSON object"},
		{name: "unknown field", body: `{"note":"milk","priority":1}`, wantReason: "body_unknown_field", wantMessage: `the only field is "note"`},
		{name: "name in capitals", body: `{"NOTE":"milk"}`, wantReason: "body_unknown_field", wantMessage: "unknown field"},
		{name: "name capitalised", body: `{"Note":"milk"}`, wantReason: "body_unknown_field", wantMessage: "unknown field"},
		{name: "missing note", body: `{}`, wantReason: "note_missing", wantMessage: "note is required"},
		{name: "note number", body: `{"note":42}`, wantReason: "note_not_string", wantMessage: "must be a JSON string, not a number"},
		{name: "note null", body: `{"note":null}`, wantReason: "note_not_string", wantMessage: "not null"},
		{name: "note object", body: `{"note":{"text":"milk"}}`, wantReason: "note_not_string", wantMessage: "not an object"},
		{name: "note array", body: `{"note":["milk"]}`, wantReason: "note_not_string", wantMessage: "not an array"},
		{name: "note boolean", body: `{"note":true}`, wantReason: "note_not_string", wantMessage: "not a boolean"},
		{name: "note empty", body: `{"note":""}`, wantReason: "note_empty", wantMessage: "note is empty"},
		{name: "note blank", body: `{"note":" \n\t\r\n "}`, wantReason: "note_empty", wantMessage: "note is empty"},
		{
			name:        "note too long",
			body:        `{"note":"` + strings.Repeat("é", notes.MaxNoteChars+1) + `"}`,
			wantReason:  "note_too_long",
			wantMessage: "longer than 1000 characters",
		},
		{name: "NUL", body: `{"note":"milk\u0000"}`, wantReason: "note_control_char", wantMessage: "control character"},
		{name: "escape", body: `{"note":"\u001b[31mmilk"}`, wantReason: "note_control_char", wantMessage: "control character"},
		{name: "lone CR", body: `{"note":"milk\reggs"}`, wantReason: "note_control_char", wantMessage: "control character"},
		{name: "bidi override", body: `{"note":"pay \u202eeulav"}`, wantReason: "note_format_char", wantMessage: "formatting character"},
		{name: "zero-width space", body: `{"note":"mi\u200blk"}`, wantReason: "note_format_char", wantMessage: "formatting character"},
		{name: "DEL", body: `{"note":"milk\u007f"}`, wantReason: "note_control_char", wantMessage: "control character"},
		{name: "C1 control", body: `{"note":"milk\u0085eggs"}`, wantReason: "note_control_char", wantMessage: "control character"},
		{name: "invalid UTF-8 in the note", body: "{\"note\":\"milk\xff\"}", wantReason: "body_not_utf8", wantMessage: "not valid UTF-8"},
		{name: "invalid UTF-8 outside the note", body: "{\"note\":\"milk\"}\xc0", wantReason: "body_not_utf8", wantMessage: "not valid UTF-8"},
		{
			name:        "body too large",
			body:        padTo(`{"note":"milk"}`, notes.MaxBodyBytes+1),
			wantReason:  "body_too_large",
			wantMessage: "larger than 8192 bytes",
		},
		{
			name:        "base64 body too large",
			body:        base64.StdEncoding.EncodeToString([]byte(padTo(`{"note":"milk"}`, notes.MaxBodyBytes+1))),
			base64:      true,
			wantReason:  "body_too_large",
			wantMessage: "larger than 8192 bytes",
		},
		{
			name:        "huge base64 body",
			body:        strings.Repeat("QUFB", 1<<20),
			base64:      true,
			wantReason:  "body_too_large",
			wantMessage: "larger than 8192 bytes",
		},
		{name: "invalid base64", body: `{"note":"milk"}`, base64: true, wantReason: "bad_base64", wantMessage: "not valid base64"},
		{name: "base64 cut short", body: "eyJub3RlIjoibWlsayJ9X", base64: true, wantReason: "bad_base64", wantMessage: "not valid base64"},
		{
			name:        "base64 of invalid JSON",
			body:        base64.StdEncoding.EncodeToString([]byte(`{"note":`)),
			base64:      true,
			wantReason:  "body_bad_json",
			wantMessage: "not valid JSON",
		},
		{
			name:        "base64 of invalid UTF-8",
			body:        base64.StdEncoding.EncodeToString([]byte("{\"note\":\"\xff\"}")),
			base64:      true,
			wantReason:  "body_not_utf8",
			wantMessage: "not valid UTF-8",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := &notestest.Store{}
			h, logs := newTestHandler(t, store)
			req := newRequest(tt.body)
			req.IsBase64Encoded = tt.base64

			resp, err := h.Handle(t.Context(), req)
			if err != nil {
				t.Fatalf("Handle() error = %v, want nil", err)
			}
			body := checkResponse(t, resp, http.StatusBadRequest)
			if !strings.Contains(body["message"], tt.wantMessage) {
				t.Errorf("message = %q, want it to contain %q", body["message"], tt.wantMessage)
			}
			if len(store.Attempts()) != 0 {
				t.Errorf("store saw %d puts, want none: %+v", len(store.Attempts()), store.Attempts())
			}

			l := oneLogLine(t, logs)
			if l.Level != "INFO" || l.Status != http.StatusBadRequest || l.Reason != tt.wantReason {
				t.Errorf("log line = %+v, want INFO, status 400, reason %s", l, tt.wantReason)
			}
			if strings.Contains(logs.String(), "milk") {
				t.Errorf("log line holds the body: %s", logs)
			}
		})
	}
}

func TestHandleRefusesWithoutPrincipal(t *testing.T) {
	tests := []struct {
		name       string
		authorizer map[string]any
	}{
		{name: "no authorizer context", authorizer: nil},
		{name: "empty authorizer context", authorizer: map[string]any{}},
		{name: "principalId but no sub", authorizer: map[string]any{"principalId": testSub, "email": testEmail}},
		{name: "empty sub", authorizer: map[string]any{"sub": ""}},
		{name: "sub not a string", authorizer: map[string]any{"sub": float64(42)}},
		{name: "sub too long", authorizer: map[string]any{"sub": strings.Repeat("a", 129)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := &notestest.Store{}
			h, logs := newTestHandler(t, store)
			req := newRequest(`{"note":"Bring home milk"}`)
			req.RequestContext.Authorizer = tt.authorizer

			resp, err := h.Handle(t.Context(), req)
			if err != nil {
				t.Fatalf("Handle() error = %v, want nil", err)
			}
			body := checkResponse(t, resp, http.StatusUnauthorized)
			if got := body["message"]; got != "Unauthorized" {
				t.Errorf("message = %q, want Unauthorized", got)
			}
			if len(store.Attempts()) != 0 {
				t.Errorf("store saw %d puts, want none", len(store.Attempts()))
			}
			l := oneLogLine(t, logs)
			if l.Level != "ERROR" || l.Status != http.StatusUnauthorized || !strings.Contains(l.Error, "without the authorizer") {
				t.Errorf("log line = %+v, want ERROR, status 401 and an error naming the missing authorizer", l)
			}
			if strings.Contains(logs.String(), "milk") {
				t.Errorf("log line holds the note: %s", logs)
			}
		})
	}
}

func TestHandleStoreFailures(t *testing.T) {
	errBoom := errors.New("dynamodb said SECRET-DETAIL-91c2")
	existsErr := func() error { return errors.Join(errors.New("put note"), notes.ErrExists) }
	tests := []struct {
		name         string
		errs         []error
		ids          []string
		wantStatus   int
		wantID       string // of the stored note, on 201
		wantAttempts int
		wantRetries  int
		wantLogError string
	}{
		{
			name:         "store error",
			errs:         []error{errBoom},
			wantStatus:   http.StatusInternalServerError,
			wantAttempts: 1,
			wantLogError: "SECRET-DETAIL-91c2",
		},
		{
			name:         "one collision is retried with a new id",
			errs:         []error{existsErr()},
			wantStatus:   http.StatusCreated,
			wantID:       "id-2",
			wantAttempts: 2,
			wantRetries:  1,
		},
		{
			name:         "two collisions",
			errs:         []error{existsErr(), existsErr()},
			wantStatus:   http.StatusInternalServerError,
			wantAttempts: 2,
			wantRetries:  1,
			wantLogError: notes.ErrExists.Error(),
		},
		{
			name:         "collision then store error",
			errs:         []error{existsErr(), errBoom},
			wantStatus:   http.StatusInternalServerError,
			wantAttempts: 2,
			wantRetries:  1,
			wantLogError: "SECRET-DETAIL-91c2",
		},
		{
			name:         "no id",
			ids:          []string{},
			wantStatus:   http.StatusInternalServerError,
			wantAttempts: 0,
			wantLogError: "no ids left",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := &notestest.Store{Errs: tt.errs}
			ids := tt.ids
			if ids == nil {
				ids = []string{"id-1", "id-2", "id-3"}
			}
			h, logs := newTestHandler(t, store, notes.WithIDs(fixedIDs(ids...)))

			resp, err := h.Handle(t.Context(), newRequest(`{"note":"Bring home milk"}`))
			if err != nil {
				t.Fatalf("Handle() error = %v, want nil", err)
			}
			body := checkResponse(t, resp, tt.wantStatus)
			if len(store.Attempts()) != tt.wantAttempts {
				t.Errorf("store saw %d puts, want %d", len(store.Attempts()), tt.wantAttempts)
			}
			l := oneLogLine(t, logs)
			if l.Retries != tt.wantRetries {
				t.Errorf("log retries = %d, want %d", l.Retries, tt.wantRetries)
			}

			if tt.wantStatus == http.StatusCreated {
				if body["id"] != tt.wantID || len(store.Stored()) != 1 || store.Stored()[0].ID != tt.wantID {
					t.Errorf("answered id %q and stored %+v, want id %s stored once", body["id"], store.Stored(), tt.wantID)
				}
				return
			}
			if got, want := body["message"], "internal error: the note could not be stored"; got != want {
				t.Errorf("message = %q, want %q", got, want)
			}
			if strings.Contains(resp.Body, "SECRET") || strings.Contains(resp.Body, "exists") {
				t.Errorf("body %s leaks the error", resp.Body)
			}
			if len(store.Stored()) != 0 {
				t.Errorf("stored %+v, want nothing", store.Stored())
			}
			if l.Level != "ERROR" || l.Status != http.StatusInternalServerError || !strings.Contains(l.Error, tt.wantLogError) {
				t.Errorf("log line = %+v, want ERROR, status 500, error containing %q", l, tt.wantLogError)
			}
			if strings.Contains(logs.String(), "milk") {
				t.Errorf("log line holds the note: %s", logs)
			}
		})
	}
}

func TestHandleDeadline(t *testing.T) {
	t.Run("put ends before the invocation", func(t *testing.T) {
		store := &notestest.Store{}
		h, _ := newTestHandler(t, store)
		deadline := time.Now().Add(time.Hour)
		ctx, cancel := context.WithDeadline(t.Context(), deadline)
		defer cancel()

		resp, _ := h.Handle(ctx, newRequest(`{"note":"milk"}`))
		checkResponse(t, resp, http.StatusCreated)
		got := store.Deadlines()[0]
		if !got.Before(deadline) || got.Before(deadline.Add(-time.Second)) {
			t.Errorf("put's deadline = %v, want shortly before the invocation's %v", got, deadline)
		}
	})

	t.Run("no time left", func(t *testing.T) {
		store := &notestest.Store{}
		h, logs := newTestHandler(t, store)
		ctx, cancel := context.WithDeadline(t.Context(), time.Now().Add(100*time.Millisecond))
		defer cancel()

		resp, _ := h.Handle(ctx, newRequest(`{"note":"milk"}`))
		checkResponse(t, resp, http.StatusInternalServerError)
		if len(store.Stored()) != 0 {
			t.Errorf("stored %+v, want nothing", store.Stored())
		}
		if l := oneLogLine(t, logs); !strings.Contains(l.Error, "deadline") {
			t.Errorf("log error = %q, want the deadline named", l.Error)
		}
	})
}

func TestHandleLogsRequestIDs(t *testing.T) {
	h, logs := newTestHandler(t, &notestest.Store{})
	ctx := lambdacontext.NewContext(t.Context(), &lambdacontext.LambdaContext{AwsRequestID: "lambda-req-7"})
	if _, err := h.Handle(ctx, newRequest(`{"note":"milk"}`)); err != nil {
		t.Fatalf("Handle() error = %v, want nil", err)
	}
	var got map[string]any
	if err := json.Unmarshal(logs.Bytes(), &got); err != nil {
		t.Fatalf("log %s is not JSON: %v", logs, err)
	}
	for key, want := range map[string]any{
		"api_request_id": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
		"request_id":     "lambda-req-7",
		"body_bytes":     float64(len(`{"note":"milk"}`)),
	} {
		if got[key] != want {
			t.Errorf("log %s = %v, want %v", key, got[key], want)
		}
	}
	if _, ok := got["duration_ms"]; !ok {
		t.Errorf("log has no duration_ms: %s", logs)
	}
	if strings.Contains(logs.String(), testEmail) {
		t.Errorf("log holds the email: %s", logs)
	}
}

func TestHandleWithoutEmail(t *testing.T) {
	store := &notestest.Store{}
	h, _ := newTestHandler(t, store)
	req := newRequest(`{"note":"milk"}`)
	delete(req.RequestContext.Authorizer, "email")

	resp, _ := h.Handle(t.Context(), req)
	checkResponse(t, resp, http.StatusCreated)
	if len(store.Stored()) != 1 || store.Stored()[0].Email != "" {
		t.Errorf("stored %+v, want one note without email", store.Stored())
	}
}

func TestHandleDefaultIDs(t *testing.T) {
	store := &notestest.Store{}
	logger := slog.New(slog.NewJSONHandler(&bytes.Buffer{}, nil))
	h := notes.NewHandler(store, logger, notes.WithClock(func() time.Time { return testNow }))

	resp, _ := h.Handle(t.Context(), newRequest(`{"note":"milk"}`))
	body := checkResponse(t, resp, http.StatusCreated)
	if !idPattern.MatchString(body["id"]) || !strings.HasPrefix(body["id"], mustID(t, testNow)[:10]) {
		t.Errorf("id = %q, want a note id of %v", body["id"], testNow)
	}
}

// TestNilLogger: the handlers built with a nil logger discard their log
// lines instead of panicking.
func TestNilLogger(t *testing.T) {
	store := &notestest.Store{}
	h := notes.NewHandler(store, nil, notes.WithClock(func() time.Time { return testNow }))
	resp, err := h.Handle(t.Context(), newRequest(`{"note":"milk"}`))
	if err != nil {
		t.Fatalf("Handle() error = %v", err)
	}
	checkResponse(t, resp, http.StatusCreated)

	lh := notes.NewListHandler(store, nil)
	resp, err = lh.Handle(t.Context(), listRequest(notes.ResourceNotes, "", nil, testSub))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("list Handle() = %d, %v, want 200", resp.StatusCode, err)
	}
}

package notes_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gatehouse-dev/cognito-authorizer/internal/notes"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/notestest"
)

// Body encodings FuzzHandler tries.
const (
	fuzzRaw        = iota // the body as it is
	fuzzBase64            // the body base64-encoded, marked isBase64Encoded
	fuzzMarkedOnly        // the body as it is, wrongly marked isBase64Encoded
)

// FuzzHandler checks that no body makes the handler panic or answer
// anything but 201 with the stored note or 400 with a message, and that a
// note is stored exactly when the answer is 201.
func FuzzHandler(f *testing.F) {
	for _, body := range []string{
		`{"note":"Bring home milk"}`,
		`{"note":"  milk \r\n eggs\t"}`,
		`{"note":""}`,
		`{"note":null}`,
		`{"note":1e999}`,
		`{"note":"\ud800"}`,
		`{"note":"a\u0000"}`,
		`{"note":"milk","note":"eggs"}`,
		`{"NOTE":"milk"}`,
		`{"note":"milk"}{}`,
		`{"note":"` + strings.Repeat("é", notes.MaxNoteChars) + `"}`,
		`{"note":"` + strings.Repeat("a", notes.MaxNoteChars+1) + `"}`,
		`[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`,
		"{\"note\":\"\xff\"}",
		"\ufeff{\"note\":\"milk\"}",
		"",
		"eyJub3RlIjoibWlsayJ9",
	} {
		f.Add(body, uint8(fuzzRaw))
		f.Add(body, uint8(fuzzBase64))
		f.Add(body, uint8(fuzzMarkedOnly))
	}
	start := time.Date(2026, 11, 22, 4, 18, 9, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body string, encoding uint8) {
		req := newRequest(body)
		switch encoding % 3 {
		case fuzzBase64:
			req.Body = base64.StdEncoding.EncodeToString([]byte(body))
			req.IsBase64Encoded = true
		case fuzzMarkedOnly:
			req.IsBase64Encoded = true
		}
		store := &notestest.Store{}
		h := notes.NewHandler(store, slog.New(slog.NewJSONHandler(&bytes.Buffer{}, nil)),
			notes.WithClock(func() time.Time { return start }))

		resp, err := h.Handle(t.Context(), req)
		if err != nil {
			t.Fatalf("Handle() error = %v, want nil", err)
		}
		switch resp.StatusCode {
		case http.StatusCreated:
			var got struct{ ID, Note, CreatedAt string }
			if err := json.Unmarshal([]byte(resp.Body), &got); err != nil {
				t.Fatalf("201 body %q is not JSON: %v", resp.Body, err)
			}
			if stored := store.Stored(); len(stored) != 1 || stored[0].Text != got.Note || stored[0].ID != got.ID {
				t.Fatalf("201 with %+v, but stored %+v, want that note once", got, stored)
			}
			checkStoredNote(t, got.Note)
		case http.StatusBadRequest:
			var got struct{ Message string }
			if err := json.Unmarshal([]byte(resp.Body), &got); err != nil || got.Message == "" {
				t.Fatalf("400 body %q is not a JSON message: %v", resp.Body, err)
			}
			if len(store.Attempts()) != 0 {
				t.Fatalf("400 %q, but the store saw %+v", got.Message, store.Attempts())
			}
		default:
			t.Fatalf("status = %d (body %s), want 201 or 400", resp.StatusCode, resp.Body)
		}
		if resp.Headers["Content-Type"] != "application/json" {
			t.Fatalf("Content-Type = %q, want application/json", resp.Headers["Content-Type"])
		}
	})
}

// checkStoredNote checks the rules every stored note keeps.
func checkStoredNote(tb testing.TB, note string) {
	tb.Helper()
	switch {
	case !utf8.ValidString(note):
		tb.Fatalf("stored note %q is not valid UTF-8", note)
	case note == "" || strings.TrimSpace(note) != note:
		tb.Fatalf("stored note %q is empty or not trimmed", note)
	case utf8.RuneCountInString(note) > notes.MaxNoteChars:
		tb.Fatalf("stored note has %d characters, want at most %d", utf8.RuneCountInString(note), notes.MaxNoteChars)
	}
	for _, r := range note {
		if unicode.IsControl(r) && r != '\n' && r != '\t' {
			tb.Fatalf("stored note %q has control character %U", note, r)
		}
	}
}

package notestest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/cognito-authorizer/internal/notes"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/notestest"
)

func TestStore(t *testing.T) {
	boom := errors.New("boom")
	s := &notestest.Store{Errs: []error{boom, nil}}
	at := time.Date(2026, 11, 22, 4, 18, 9, 0, time.UTC)
	n := notes.Note{UserID: "u", ID: "1", Text: "milk", CreatedAt: at}
	other := notes.Note{UserID: "u", ID: "1", Text: "eggs", CreatedAt: at}

	if err := s.Put(t.Context(), n); !errors.Is(err, boom) {
		t.Fatalf("Put() #1 = %v, want %v from Errs", err, boom)
	}
	for i := range 2 {
		if err := s.Put(t.Context(), n); err != nil {
			t.Fatalf("Put(same note) #%d = %v, want nil", i+1, err)
		}
	}
	if err := s.Put(t.Context(), other); !errors.Is(err, notes.ErrExists) {
		t.Fatalf("Put(other note, same key) = %v, want %v", err, notes.ErrExists)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Hour)
	cancel()
	if err := s.Put(ctx, n); !errors.Is(err, context.Canceled) {
		t.Fatalf("Put(ended context) = %v, want %v", err, context.Canceled)
	}

	if diff := cmp.Diff([]notes.Note{n}, s.Stored()); diff != "" {
		t.Errorf("Stored() (-want +got):\n%s", diff)
	}
	if got := len(s.Attempts()); got != 5 {
		t.Errorf("len(Attempts()) = %d, want 5", got)
	}
	if d := s.Deadlines(); len(d) != 5 || !d[0].IsZero() || d[4].IsZero() {
		t.Errorf("Deadlines() = %v, want zero but for the last", d)
	}
}

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

func TestStoreList(t *testing.T) {
	s := &notestest.Store{}
	at := time.Date(2026, 11, 22, 4, 18, 9, 0, time.UTC)
	for _, n := range []notes.Note{
		{UserID: "u", ID: "1", Text: "a", Email: "u@example.com", CreatedAt: at},
		{UserID: "u", ID: "3", Text: "c", CreatedAt: at},
		{UserID: "v", ID: "2", Text: "b", CreatedAt: at},
		{UserID: "u", ID: "2", Text: "b", CreatedAt: at},
	} {
		if err := s.Put(t.Context(), n); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name      string
		limit     int
		after     string
		wantIDs   []string
		wantAfter string
	}{
		{name: "first page", limit: 2, wantIDs: []string{"3", "2"}, wantAfter: "2"},
		{name: "last page", limit: 2, after: "2", wantIDs: []string{"1"}},
		{name: "exactly full", limit: 3, wantIDs: []string{"3", "2", "1"}},
		{name: "after a missing id", limit: 5, after: "25", wantIDs: []string{"2", "1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, err := s.List(t.Context(), "u", tt.limit, tt.after)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, n := range page.Notes {
				ids = append(ids, n.ID)
				if n.Email != "" {
					t.Errorf("note %s has Email %q, want none, as DynamoStore lists", n.ID, n.Email)
				}
			}
			if diff := cmp.Diff(tt.wantIDs, ids); diff != "" || page.After != tt.wantAfter {
				t.Errorf("List(%d, %q) = %v, After %q, want %v, %q", tt.limit, tt.after, ids, page.After, tt.wantIDs, tt.wantAfter)
			}
		})
	}
}

package notestest

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/gatehouse-dev/cognito-authorizer/internal/notes"
)

// Store is a notes.Store and notes.Lister in memory that keeps every note
// it was asked to put. Like DynamoStore it refuses a different note under a
// key it holds (notes.ErrExists), accepts the same note again, and lists a
// user's notes by descending id. The zero value is an empty store; it is
// safe for concurrent use.
type Store struct {
	// Errs are the answers of successive Puts, set before the first: nil
	// stores the note, anything else is returned and nothing is stored.
	// Once they are used up, every Put stores.
	Errs []error

	mu        sync.Mutex
	attempts  []notes.Note
	deadlines []time.Time
	stored    []notes.Note
	byKey     map[[2]string]notes.Note
}

// Put stores n, unless ctx has ended, Errs says otherwise, or a different
// note has n's key.
func (s *Store) Put(ctx context.Context, n notes.Note) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.attempts = append(s.attempts, n)
	deadline, _ := ctx.Deadline()
	s.deadlines = append(s.deadlines, deadline)
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(s.Errs) > 0 {
		err := s.Errs[0]
		s.Errs = s.Errs[1:]
		if err != nil {
			return err
		}
	}
	key := [2]string{n.UserID, n.ID}
	if old, ok := s.byKey[key]; ok {
		if old.Text != n.Text || !old.CreatedAt.Equal(n.CreatedAt) {
			return fmt.Errorf("put note %s: %w", n.ID, notes.ErrExists)
		}
		return nil
	}
	if s.byKey == nil {
		s.byKey = make(map[[2]string]notes.Note)
	}
	s.byKey[key] = n
	s.stored = append(s.stored, n)
	return nil
}

// Attempts returns every note Put was called with, in order.
func (s *Store) Attempts() []notes.Note {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.attempts)
}

// Deadlines returns the deadline of each Put's context, in order; zero where
// it had none.
func (s *Store) Deadlines() []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.deadlines)
}

// Stored returns the notes stored, in the order they were stored.
func (s *Store) Stored() []notes.Note {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.stored)
}

// List returns up to limit of userID's notes with ids below after (all of
// them when after is empty), by descending id and without Email, as
// DynamoStore's Query does.
// After is set only when more notes follow, so a listing never ends with an
// empty page.
func (s *Store) List(ctx context.Context, userID string, limit int, after string) (notes.Page, error) {
	if err := ctx.Err(); err != nil {
		return notes.Page{}, err
	}
	if limit < 1 {
		return notes.Page{}, fmt.Errorf("list notes: limit %d is below 1", limit)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var mine []notes.Note
	for _, n := range s.stored {
		if n.UserID == userID && (after == "" || n.ID < after) {
			n.Email = ""
			mine = append(mine, n)
		}
	}
	slices.SortFunc(mine, func(a, b notes.Note) int { return cmp.Compare(b.ID, a.ID) })
	page := notes.Page{Notes: mine}
	if len(mine) > limit {
		page.Notes = mine[:limit]
		page.After = page.Notes[limit-1].ID
	}
	return page, nil
}

package notestest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/gatehouse-dev/cognito-authorizer/internal/notes"
)

// Store is a notes.Store in memory that keeps every note it was asked to
// put. Like DynamoStore it refuses a different note under a key it holds
// (notes.ErrExists) and accepts the same note again. The zero value is an
// empty store; it is safe for concurrent use.
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

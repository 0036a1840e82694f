// Package notes is the sample API the authorizer guards: POST /add-note
// with {"note": "Bring home milk"} stores a note for the signed-in user in
// DynamoDB (Handler); GET /notes and GET /users/{userId}/notes list a
// user's notes, newest first, a page at a time (ListHandler).
//
// The handlers never look at the token. It trusts only
// requestContext.authorizer, which API Gateway fills in after the authorizer
// allowed the request, and it refuses a request without it (401): when the
// method was deployed without the authorizer, the endpoint fails closed.
package notes

import (
	"context"
	"errors"
	"time"
)

// Limits of a request.
const (
	// MaxBodyBytes is the largest body accepted, counted after base64
	// decoding when API Gateway passes the body base64-encoded.
	MaxBodyBytes = 8 << 10
	// MaxNoteChars is the most characters (Unicode code points) a note may
	// have once trimmed.
	MaxNoteChars = 1000
)

// Note is one stored note.
type Note struct {
	// UserID is the owner: the sub the authorizer passed.
	UserID string
	// ID is the note's id within the owner's notes, from NewID: unique and
	// ordered by creation time.
	ID   string
	Text string
	// Email is the owner's email address where the token carried one, else
	// empty.
	Email     string
	CreatedAt time.Time
}

// Store keeps notes. It is the one thing the handler needs from DynamoDB.
type Store interface {
	// Put stores n. It never replaces a different note with the same
	// UserID and ID: it reports ErrExists instead.
	Put(ctx context.Context, n Note) error
}

// Lister reads notes back. It is the one thing ListHandler needs from
// DynamoDB.
type Lister interface {
	// List returns up to limit of userID's notes, newest first: from the
	// newest when after is empty, else from the first note older than the
	// note with id after (which need not exist).
	List(ctx context.Context, userID string, limit int, after string) (Page, error)
}

// Page is one page of a user's notes, newest first.
type Page struct {
	Notes []Note
	// After is where the next page starts, the id of this page's last note,
	// when more notes may follow; empty on the last page.
	After string
}

// ErrExists reports that the owner already has a different note with this id,
// which Put left untouched.
var ErrExists = errors.New("a different note with this id exists")

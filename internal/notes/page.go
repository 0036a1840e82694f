package notes

import (
	"encoding/base64"
	"encoding/json"
	"errors"
)

// MaxPageTokenLen is the longest page token accepted, in bytes. The longest
// one List hands out, for a user id of MaxUserIDLen bytes, is 226.
const MaxPageTokenLen = 256

// pageToken is the content of a next-page token: the key of the last note
// of the page before, the position a Query continues from.
type pageToken struct {
	UserID string `json:"u"`
	After  string `json:"a"`
}

// Why a page token is refused. The caller sees only that the token is bad;
// the log gets which of these.
var (
	errTokenTooLong = errors.New("page token is too long")
	errTokenFormat  = errors.New("page token is not one this API issued")
	errTokenUser    = errors.New("page token belongs to another listing")
)

// encodePageToken returns the token of the page that follows the note
// after of userID's notes.
//
// The token is opaque to callers (base64url of a small JSON object) but not
// signed, and need not be: it names a position within a listing, not a
// permission. decodePageToken checks that it names the very user being
// listed, whom the caller has already been allowed to read, and that the
// position is a note id; a caller who edits a token can only move within
// notes they may read anyway. A MAC would need a secret shared by every
// instance, deployed and rotated, for no gain in what a caller can read.
func encodePageToken(userID, after string) string {
	b, _ := json.Marshal(pageToken{UserID: userID, After: after}) // strings only: cannot fail
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodePageToken reads a token encodePageToken made for userID's notes
// and returns the id the page starts after.
func decodePageToken(token, userID string) (string, error) {
	if len(token) > MaxPageTokenLen {
		return "", errTokenTooLong
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return "", errTokenFormat
	}
	var t pageToken
	if err := json.Unmarshal(raw, &t); err != nil {
		return "", errTokenFormat
	}
	// The round trip refuses what encoding/json lets through but
	// encodePageToken never writes: other fields, names in another case,
	// duplicate names, spaces, escapes.
	if encodePageToken(t.UserID, t.After) != token || !isID(t.After) {
		return "", errTokenFormat
	}
	if t.UserID != userID {
		return "", errTokenUser
	}
	return t.After, nil
}

// isID reports whether s has the form of an id NewID makes: 26 digits of
// Crockford's base32, the first at most 7.
func isID(s string) bool {
	if len(s) != 26 || s[0] > '7' {
		return false
	}
	for i := range len(s) {
		if !isCrockford(s[i]) {
			return false
		}
	}
	return true
}

func isCrockford(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z' && c != 'I' && c != 'L' && c != 'O' && c != 'U')
}

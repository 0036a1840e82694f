// Package revocation refuses tokens whose session or user has signed out:
// the check the authorizer makes after a token verifies, and the writes the
// sign-out endpoint makes.
//
// A Cognito ID or access token stays a valid JWT until it expires, whatever
// happens to the session it came from. The revocation table says which
// sessions and users have signed out since. Its partition key is "id"
// (string, no sort key) and it holds two kinds of item:
//
//	{"id": "sub#<sub>", "revokedBefore": N, "expiresAt": N}
//	{"id": "jti#<origin_jti>", "expiresAt": N}
//
// with N in epoch seconds (DynamoDB numbers). A sub# item refuses every
// token of that user issued (iat) before revokedBefore: "sign out
// everywhere". A jti# item refuses every token whose origin_jti claim it
// names: "sign out this session" (Cognito gives the ID and access tokens of
// one sign-in, and of its refreshes, the same origin_jti). expiresAt is the
// table's TTL attribute, the latest expiry of any token the item can refuse;
// an item past it is ignored even before DynamoDB deletes it.
//
// Store reads and writes the table; Checker answers for a token through an
// in-memory cache of what Store read.
package revocation

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// Errors returned by Checker.Check. Every failure matches ErrRevoked or
// ErrUnavailable; a malformed item matches ErrMalformedItem as well as
// ErrRevoked. The error's text adds the detail for the logs.
var (
	// ErrRevoked means the token's session or user signed out: the token
	// must be refused (API Gateway's 401).
	ErrRevoked = errors.New("token revoked")
	// ErrUnavailable means the table could not be read in time (a timeout,
	// throttling, any other error): the token could not be checked, and
	// must be neither allowed nor refused as unauthorized (the outage
	// answer).
	ErrUnavailable = errors.New("revocation store unavailable")
	// ErrMalformedItem means an item of the table does not follow the
	// schema. Such an item is read as a revocation, so it also matches
	// ErrRevoked: a broken write fails closed.
	ErrMalformedItem = errors.New("malformed revocation item")
)

// Attribute names and id prefixes of the table's items.
const (
	AttrID            = "id"            // S: PrefixSub or PrefixJTI, then the value; the partition key
	AttrRevokedBefore = "revokedBefore" // N: epoch seconds, sub# items only
	AttrExpiresAt     = "expiresAt"     // N: epoch seconds, the table's TTL
	PrefixSub         = "sub#"
	PrefixJTI         = "jti#"
)

// kind is what an item revokes.
type kind uint8

const (
	kindSub kind = iota + 1
	kindJTI
)

// key names one item. It is a struct rather than the id string so that a
// cache hit builds no string.
type key struct {
	kind  kind
	value string
}

func (k key) id() string {
	if k.kind == kindSub {
		return PrefixSub + k.value
	}
	return PrefixJTI + k.value
}

// keyOf reads an item's id; ok is false for an id of neither kind.
func keyOf(id string) (k key, ok bool) {
	switch {
	case strings.HasPrefix(id, PrefixSub):
		return key{kindSub, id[len(PrefixSub):]}, true
	case strings.HasPrefix(id, PrefixJTI):
		return key{kindJTI, id[len(PrefixJTI):]}, true
	}
	return key{}, false
}

// record is what the table holds under one key.
type record struct {
	found         bool
	revokedBefore int64 // epoch seconds; sub# items only
	expiresAt     int64 // epoch seconds; 0 when the item has none
	// malformed says what is wrong with the item, empty when it follows
	// the schema.
	malformed string
}

// live reports whether the record revokes anything at now: it was found
// and its expiresAt, if any, has not passed.
func (r record) live(now time.Time) bool {
	return r.found && (r.expiresAt == 0 || now.Unix() < r.expiresAt || r.malformed != "")
}

// verdict applies the records of a token's sub and origin_jti (jti is the
// zero record for a token without one) to a token issued at issuedAt.
func verdict(subject, originJTI string, sub, jti record, issuedAt, now time.Time) error {
	if sub.live(now) {
		if sub.malformed != "" {
			return &itemError{id: PrefixSub + subject, detail: sub.malformed}
		}
		// A token without iat (the zero time) is older than any
		// revocation.
		if issuedAt.Before(time.Unix(sub.revokedBefore, 0)) {
			return &revokedError{what: "user signed out everywhere at " + strconv.FormatInt(sub.revokedBefore, 10) +
				", token issued at " + strconv.FormatInt(issuedAt.Unix(), 10)}
		}
	}
	if jti.live(now) {
		if jti.malformed != "" {
			return &itemError{id: PrefixJTI + originJTI, detail: jti.malformed}
		}
		return &revokedError{what: "session signed out"}
	}
	return nil
}

// revokedError is a revocation as the table records it.
type revokedError struct{ what string }

func (e *revokedError) Error() string { return ErrRevoked.Error() + ": " + e.what }
func (e *revokedError) Unwrap() error { return ErrRevoked }

// itemError is a malformed item, read as a revocation.
type itemError struct{ id, detail string }

func (e *itemError) Error() string {
	return ErrRevoked.Error() + ": " + ErrMalformedItem.Error() + " " + strconv.Quote(e.id) + ": " + e.detail
}
func (e *itemError) Unwrap() []error { return []error{ErrRevoked, ErrMalformedItem} }

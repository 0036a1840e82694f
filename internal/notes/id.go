package notes

import (
	"encoding/binary"
	"fmt"
	"io"
	"time"
)

// crockford is Crockford's base32 alphabet, in ascending byte order so that
// ids sort as strings in the order of the numbers they encode.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// maxIDMillis is the first millisecond that 48 bits cannot hold (year 10889).
const maxIDMillis = 1 << 48

// NewID returns a note id in the layout of a ULID: 48 bits of Unix time in
// milliseconds and 80 bits read from random (crypto/rand.Reader in
// production), written as 26 characters of Crockford's base32. Ids of
// different milliseconds sort, as strings, in the order of their times; ids
// of the same millisecond are in random order, and 80 random bits make two of
// them equal with negligible probability.
func NewID(now time.Time, random io.Reader) (string, error) {
	ms := now.UnixMilli()
	if ms < 0 || ms >= maxIDMillis {
		return "", fmt.Errorf("note id: time %v is outside 1970 to 10889", now)
	}
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(ms)<<16)
	if _, err := io.ReadFull(random, b[6:]); err != nil {
		return "", fmt.Errorf("note id: reading random bits: %w", err)
	}
	return encodeID(b), nil
}

// encodeID writes the 128 bits of b as 26 base32 digits, most significant
// first; the first digit holds only the top 3 bits, as in a ULID.
func encodeID(b [16]byte) string {
	hi := binary.BigEndian.Uint64(b[:8])
	lo := binary.BigEndian.Uint64(b[8:])
	var out [26]byte
	for i := len(out) - 1; i >= 0; i-- {
		out[i] = crockford[lo&31]
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
	return string(out[:])
}

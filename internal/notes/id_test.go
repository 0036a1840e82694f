package notes_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"regexp"
	"testing"
	"testing/iotest"
	"time"

	"github.com/gatehouse-dev/cognito-authorizer/internal/notes"
)

// idPattern is the form of a note id: 26 digits of Crockford's base32, the
// first of which holds only 3 bits.
var idPattern = regexp.MustCompile(`^[0-7][0-9A-HJKMNP-TV-Z]{25}$`)

// mustID returns a note id of now with crypto/rand's bits.
func mustID(tb testing.TB, now time.Time) string {
	tb.Helper()
	id, err := notes.NewID(now, rand.Reader)
	if err != nil {
		tb.Fatalf("NewID(%v) error = %v", now, err)
	}
	return id
}

func TestNewIDKnownValues(t *testing.T) {
	tests := []struct {
		name   string
		now    time.Time
		random []byte
		want   string
	}{
		{
			name:   "epoch, zero bits",
			now:    time.UnixMilli(0),
			random: make([]byte, 10),
			want:   "00000000000000000000000000",
		},
		{
			// The time part of the ULID spec's example 01ARYZ6S41TSV4RRFFQ69G5FAV.
			name:   "ULID example time",
			now:    time.UnixMilli(1469918176385),
			random: make([]byte, 10),
			want:   "01ARYZ6S410000000000000000",
		},
		{
			name:   "last millisecond, all bits set",
			now:    time.UnixMilli(1<<48 - 1),
			random: bytes.Repeat([]byte{0xff}, 10),
			want:   "7ZZZZZZZZZZZZZZZZZZZZZZZZZ",
		},
		{
			name:   "random bits in the last 16 digits",
			now:    time.UnixMilli(0),
			random: []byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 31},
			want:   "0000000000000000000000000Z",
		},
		{
			name:   "time zone does not matter",
			now:    time.UnixMilli(1469918176385).In(time.FixedZone("UTC+13", 13*3600)),
			random: make([]byte, 10),
			want:   "01ARYZ6S410000000000000000",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := notes.NewID(tt.now, bytes.NewReader(tt.random))
			if err != nil || got != tt.want {
				t.Errorf("NewID(%v, %x) = %q, %v, want %q, nil", tt.now, tt.random, got, err, tt.want)
			}
		})
	}
}

func TestNewIDErrors(t *testing.T) {
	errRead := errors.New("no entropy")
	tests := []struct {
		name    string
		now     time.Time
		random  io.Reader
		wantErr error
	}{
		{name: "before 1970", now: time.UnixMilli(-1), random: bytes.NewReader(make([]byte, 10))},
		{name: "after 10889", now: time.UnixMilli(1 << 48), random: bytes.NewReader(make([]byte, 10))},
		{name: "short random", now: testNow, random: bytes.NewReader(make([]byte, 9)), wantErr: io.ErrUnexpectedEOF},
		{name: "random fails", now: testNow, random: iotest.ErrReader(errRead), wantErr: errRead},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := notes.NewID(tt.now, tt.random)
			if err == nil || (tt.wantErr != nil && !errors.Is(err, tt.wantErr)) {
				t.Errorf("NewID(%v) = %q, %v, want an error (%v)", tt.now, got, err, tt.wantErr)
			}
		})
	}
}

func TestNewIDFormat(t *testing.T) {
	for _, now := range []time.Time{testNow, time.UnixMilli(0), time.UnixMilli(1<<48 - 1), time.Now()} {
		if id := mustID(t, now); !idPattern.MatchString(id) {
			t.Errorf("NewID(%v) = %q, want 26 Crockford base32 digits", now, id)
		}
	}
}

func TestNewIDOrderedByTime(t *testing.T) {
	// Random bits that fall while the time rises must not change the order.
	start := testNow
	var ids []string
	for i := range 2000 {
		random := bytes.Repeat([]byte{byte(255 - i%256)}, 10)
		id, err := notes.NewID(start.Add(time.Duration(i)*time.Millisecond), bytes.NewReader(random))
		if err != nil {
			t.Fatalf("NewID() error = %v", err)
		}
		ids = append(ids, id)
	}
	// Times far apart, with real random bits.
	for _, d := range []time.Duration{time.Second, time.Hour, 24 * time.Hour, 365 * 24 * time.Hour} {
		ids = append(ids, mustID(t, start.Add(2*time.Second+d)))
	}
	for i := 1; i < len(ids); i++ {
		if ids[i-1] >= ids[i] {
			t.Fatalf("ids[%d] = %s is not after ids[%d] = %s", i, ids[i], i-1, ids[i-1])
		}
	}
}

func TestNewIDUnique(t *testing.T) {
	// All in the same millisecond: only the random bits tell them apart.
	const n = 100_000
	seen := make(map[string]bool, n)
	for range n {
		id := mustID(t, testNow)
		if seen[id] {
			t.Fatalf("NewID() returned %s twice in %d ids", id, n)
		}
		seen[id] = true
	}
}

func ExampleNewID() {
	now := time.Date(2026, 11, 22, 4, 18, 9, 123_000_000, time.UTC)
	random := bytes.NewReader([]byte("0123456789"))
	id, err := notes.NewID(now, random)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(id)
	// Output:
	// 01M80QKK3360RK4CSM6MV3EE1S
}

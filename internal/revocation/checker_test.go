package revocation

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"
)

const (
	testSub = "0b9f5d7e-4a61-4f0e-9d3c-5a8e2c1f7b60"
	testJTI = "5e2c6f0d-1b7a-4d3e-8f9c-2a4b6c8d0e1f"
)

func unix(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

func TestCheck(t *testing.T) {
	later := unix(testNow.Add(time.Hour))
	issued := testNow.Add(-10 * time.Minute)
	tests := []struct {
		name      string
		items     []map[string]types.AttributeValue
		originJTI string
		issuedAt  time.Time
		want      error // nil, ErrRevoked or ErrMalformedItem
		wantAsked []string
	}{
		{name: "no items", originJTI: testJTI, issuedAt: issued, wantAsked: []string{"sub#" + testSub, "jti#" + testJTI}},
		{name: "no origin_jti: only the sub is asked", issuedAt: issued, wantAsked: []string{"sub#" + testSub}},
		{
			name:     "signed out everywhere after the token was issued",
			items:    []map[string]types.AttributeValue{subItem(testSub, unix(issued.Add(time.Second)), later)},
			issuedAt: issued, want: ErrRevoked,
		},
		{
			name:     "signed out everywhere in the second the token was issued",
			items:    []map[string]types.AttributeValue{subItem(testSub, unix(issued), later)},
			issuedAt: issued,
		},
		{
			name:     "signed in again after signing out everywhere",
			items:    []map[string]types.AttributeValue{subItem(testSub, unix(issued.Add(-time.Second)), later)},
			issuedAt: issued,
		},
		{
			name:     "a token without iat is older than any sign-out",
			items:    []map[string]types.AttributeValue{subItem(testSub, unix(issued), later)},
			issuedAt: time.Time{}, want: ErrRevoked,
		},
		{
			name:      "session signed out",
			items:     []map[string]types.AttributeValue{jtiItem(testJTI, later)},
			originJTI: testJTI, issuedAt: issued, want: ErrRevoked,
		},
		{
			name:      "another session signed out",
			items:     []map[string]types.AttributeValue{jtiItem("other-session", later)},
			originJTI: testJTI, issuedAt: issued,
		},
		{
			name:      "items past expiresAt are ignored",
			items:     []map[string]types.AttributeValue{jtiItem(testJTI, unix(testNow)), subItem(testSub, unix(testNow), unix(testNow.Add(-time.Second)))},
			originJTI: testJTI, issuedAt: issued,
		},
		{
			name: "an item without expiresAt still counts",
			items: []map[string]types.AttributeValue{{
				AttrID: &types.AttributeValueMemberS{Value: "jti#" + testJTI},
			}},
			originJTI: testJTI, issuedAt: issued, want: ErrRevoked,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeDynamo(tt.items...)
			c, _, _ := newTestChecker(t, f)
			err := c.Check(t.Context(), testSub, tt.originJTI, tt.issuedAt)
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Errorf("Check() = %v, want %v", err, tt.want)
			}
			if tt.want != nil && (!errors.Is(err, ErrRevoked) || errors.Is(err, ErrUnavailable)) {
				t.Errorf("Check() = %v, want a revocation, not an outage", err)
			}
			if tt.wantAsked != nil {
				if diff := cmp.Diff([][]string{tt.wantAsked}, f.asked); diff != "" {
					t.Errorf("BatchGetItem keys (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestCheckMalformedItems(t *testing.T) {
	later := &types.AttributeValueMemberN{Value: unix(testNow.Add(time.Hour))}
	id := func(s string) *types.AttributeValueMemberS { return &types.AttributeValueMemberS{Value: s} }
	tests := []struct {
		name    string
		item    map[string]types.AttributeValue
		wantLog string
	}{
		{
			name:    "sub# without revokedBefore",
			item:    map[string]types.AttributeValue{AttrID: id("sub#" + testSub), AttrExpiresAt: later},
			wantLog: "no revokedBefore",
		},
		{
			name:    "revokedBefore a string",
			item:    map[string]types.AttributeValue{AttrID: id("sub#" + testSub), AttrRevokedBefore: id("1795321089"), AttrExpiresAt: later},
			wantLog: "revokedBefore is a string",
		},
		{
			name:    "revokedBefore not whole",
			item:    map[string]types.AttributeValue{AttrID: id("sub#" + testSub), AttrRevokedBefore: &types.AttributeValueMemberN{Value: "1.5"}, AttrExpiresAt: later},
			wantLog: `\"1.5\" is not a positive whole number`,
		},
		{
			name: "revokedBefore in the past but expiresAt a boolean",
			item: map[string]types.AttributeValue{
				AttrID: id("sub#" + testSub), AttrRevokedBefore: &types.AttributeValueMemberN{Value: "1"},
				AttrExpiresAt: &types.AttributeValueMemberBOOL{Value: true},
			},
			wantLog: "expiresAt is a boolean",
		},
		{
			name:    "jti# with expiresAt a string",
			item:    map[string]types.AttributeValue{AttrID: id("jti#" + testJTI), AttrExpiresAt: id("tomorrow")},
			wantLog: "expiresAt is a string",
		},
		{
			name:    "jti# with a revokedBefore",
			item:    map[string]types.AttributeValue{AttrID: id("jti#" + testJTI), AttrRevokedBefore: later, AttrExpiresAt: later},
			wantLog: "revokedBefore on a jti# item",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, logs := newTestChecker(t, newFakeDynamo(tt.item))
			err := c.Check(t.Context(), testSub, testJTI, testNow)
			if !errors.Is(err, ErrRevoked) || !errors.Is(err, ErrMalformedItem) {
				t.Errorf("Check() = %v, want ErrRevoked and ErrMalformedItem", err)
			}
			if !strings.Contains(logs.String(), `"level":"ERROR"`) || !strings.Contains(logs.String(), tt.wantLog) {
				t.Errorf("log = %s, want an error saying %q", logs, tt.wantLog)
			}
			// From the cache, still refused, and logged only once.
			if err := c.Check(t.Context(), testSub, testJTI, testNow); !errors.Is(err, ErrMalformedItem) {
				t.Errorf("second Check() = %v, want ErrMalformedItem", err)
			}
			if n := strings.Count(logs.String(), "\n"); n != 1 {
				t.Errorf("log has %d lines, want 1:\n%s", n, logs)
			}
		})
	}
}

func TestCheckUnavailable(t *testing.T) {
	throttled := &types.ProvisionedThroughputExceededException{Message: new("throughput exceeded")}
	tests := []struct {
		name        string
		setup       func(f *fakeDynamo)
		timeout     time.Duration
		want        error // beyond ErrUnavailable
		wantCalls   int
		wantMessage string
	}{
		{
			name:      "throttled",
			setup:     func(f *fakeDynamo) { f.err = throttled },
			wantCalls: 1, want: throttled, wantMessage: "throughput exceeded",
		},
		{
			name:      "other error",
			setup:     func(f *fakeDynamo) { f.err = &types.ResourceNotFoundException{Message: new("no table")} },
			wantCalls: 1, wantMessage: "no table",
		},
		{
			name: "keys left unprocessed under the table's ARN",
			setup: func(f *fakeDynamo) {
				f.unprocessed, f.unprocessedAs = 10, "arn:aws:dynamodb:eu-west-1:123456789012:table/revocations"
			},
			wantCalls: unprocessedRounds, wantMessage: "still unprocessed",
		},
		{
			name:      "keys left unprocessed every time",
			setup:     func(f *fakeDynamo) { f.unprocessed = 10 },
			wantCalls: unprocessedRounds, wantMessage: "still unprocessed",
		},
		{
			name:      "timeout",
			setup:     func(f *fakeDynamo) { f.block = make(chan struct{}) },
			timeout:   30 * time.Millisecond,
			wantCalls: 1, want: context.DeadlineExceeded,
		},
		{
			name:      "unprocessed, then the deadline",
			setup:     func(f *fakeDynamo) { f.unprocessed = 10 },
			timeout:   5 * time.Millisecond,
			wantCalls: 1, want: context.DeadlineExceeded,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeDynamo()
			tt.setup(f)
			c, _, _ := newTestChecker(t, f)
			ctx := t.Context()
			if tt.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.timeout)
				defer cancel()
			}
			start := time.Now()
			err := c.Check(ctx, testSub, testJTI, testNow)
			if !errors.Is(err, ErrUnavailable) || errors.Is(err, ErrRevoked) {
				t.Fatalf("Check() = %v, want ErrUnavailable only", err)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("Check() = %v, want it to wrap %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.wantMessage) {
				t.Errorf("Check() = %q, want it to say %q", err, tt.wantMessage)
			}
			if got := f.callCount(); got != tt.wantCalls {
				t.Errorf("BatchGetItem calls = %d, want %d", got, tt.wantCalls)
			}
			if tt.timeout > 0 && time.Since(start) > tt.timeout+time.Second {
				t.Errorf("Check() took %v, want about %v", time.Since(start), tt.timeout)
			}

			// Failures are not cached: the next check asks again.
			f.mu.Lock()
			f.err, f.unprocessed, f.block = nil, 0, nil
			f.mu.Unlock()
			if err := c.Check(t.Context(), testSub, testJTI, testNow); err != nil {
				t.Errorf("Check() after recovery = %v, want nil", err)
			}
		})
	}
}

func TestCheckUnprocessedThenAnswered(t *testing.T) {
	f := newFakeDynamo(jtiItem(testJTI, unix(testNow.Add(time.Hour))))
	f.unprocessed = unprocessedRounds - 1
	c, _, _ := newTestChecker(t, f)
	if err := c.Check(t.Context(), testSub, testJTI, testNow); !errors.Is(err, ErrRevoked) {
		t.Errorf("Check() = %v, want ErrRevoked", err)
	}
	if got := f.callCount(); got != unprocessedRounds {
		t.Errorf("BatchGetItem calls = %d, want %d", got, unprocessedRounds)
	}
}

func TestCacheTTL(t *testing.T) {
	f := newFakeDynamo(subItem("revoked-user", unix(testNow), unix(testNow.Add(time.Hour))))
	c, clk, _ := newTestChecker(t, f, WithCacheTTL(10*time.Second))
	check := func(sub string, want error) {
		t.Helper()
		if err := c.Check(t.Context(), sub, testJTI, testNow.Add(-time.Minute)); !errors.Is(err, want) || (want == nil && err != nil) {
			t.Errorf("Check(%s) = %v, want %v", sub, err, want)
		}
	}
	wantCalls := func(n int) {
		t.Helper()
		if got := f.callCount(); got != n {
			t.Errorf("BatchGetItem calls = %d, want %d", got, n)
		}
	}

	check(testSub, nil)
	check("revoked-user", ErrRevoked)
	wantCalls(2)

	clk.Add(9 * time.Second)
	check(testSub, nil)               // negative entries
	check("revoked-user", ErrRevoked) // positive entry
	wantCalls(2)

	// A sign-out within the TTL is seen once the entry expires.
	f.mu.Lock()
	f.items["jti#"+testJTI] = jtiItem(testJTI, unix(testNow.Add(time.Hour)))
	f.mu.Unlock()
	check(testSub, nil)
	clk.Add(time.Second)
	check(testSub, ErrRevoked)
	// The jti# entry is shared by both users' tokens of this session.
	check("revoked-user", ErrRevoked)
	wantCalls(4)
	if diff := cmp.Diff([]string{"sub#revoked-user"}, f.asked[3]); diff != "" {
		t.Errorf("last lookup (-want +got):\n%s", diff)
	}
}

func TestCacheOff(t *testing.T) {
	f := newFakeDynamo()
	c, _, _ := newTestChecker(t, f, WithCacheTTL(0))
	for range 3 {
		if err := c.Check(t.Context(), testSub, testJTI, testNow); err != nil {
			t.Fatalf("Check() = %v", err)
		}
	}
	if got := f.callCount(); got != 3 {
		t.Errorf("BatchGetItem calls = %d, want 3", got)
	}
}

func TestCacheBound(t *testing.T) {
	f := newFakeDynamo()
	c, clk, _ := newTestChecker(t, f, WithMaxEntries(3))
	for i := range 5 {
		clk.Add(time.Millisecond)
		if err := c.Check(t.Context(), fmt.Sprint("user-", i), "", testNow); err != nil {
			t.Fatalf("Check() = %v", err)
		}
	}
	if n := len(c.entries); n != 3 || c.order.Len() != 3 {
		t.Errorf("cache holds %d entries (%d in order), want 3", n, c.order.Len())
	}
	c.Check(t.Context(), "user-4", "", testNow) // the newest: cached
	c.Check(t.Context(), "user-0", "", testNow) // the oldest: evicted
	if got := f.callCount(); got != 6 {
		t.Errorf("BatchGetItem calls = %d, want 6", got)
	}

	// Expired entries go first, whatever the bound.
	clk.Add(DefaultCacheTTL)
	c.Check(t.Context(), "user-9", "", testNow)
	if n := len(c.entries); n != 1 {
		t.Errorf("cache holds %d entries after the TTL, want 1", n)
	}
}

func TestSharedMisses(t *testing.T) {
	const callers = 8
	f := newFakeDynamo(jtiItem(testJTI, unix(testNow.Add(time.Hour))))
	f.block = make(chan struct{})
	f.started = make(chan struct{}, callers)
	// No cache: only the shared lookup can keep the count at one.
	c, _, _ := newTestChecker(t, f, WithCacheTTL(0))

	errs := make(chan error, callers)
	var wg sync.WaitGroup
	for range callers {
		wg.Go(func() { errs <- c.Check(t.Context(), testSub, testJTI, testNow) })
	}
	<-f.started
	waitForWaiters(t, c, callers-1)
	close(f.block)
	wg.Wait()
	close(errs)
	for err := range errs {
		if !errors.Is(err, ErrRevoked) {
			t.Errorf("Check() = %v, want ErrRevoked", err)
		}
	}
	if got := f.callCount(); got != 1 {
		t.Errorf("BatchGetItem calls = %d, want 1 for %d concurrent misses", got, callers)
	}
	if len(c.flights) != 0 {
		t.Errorf("%d lookups still registered, want none", len(c.flights))
	}
}

// TestSharedMissWaiterDeadline: a waiter leaves at its own deadline; the
// lookup goes on for the others.
func TestSharedMissWaiterDeadline(t *testing.T) {
	f := newFakeDynamo()
	f.block = make(chan struct{})
	f.started = make(chan struct{}, 2)
	c, _, _ := newTestChecker(t, f)

	leader := make(chan error, 1)
	go func() { leader <- c.Check(t.Context(), testSub, testJTI, testNow) }()
	<-f.started

	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Millisecond)
	defer cancel()
	if err := c.Check(ctx, testSub, testJTI, testNow); !errors.Is(err, ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("waiter's Check() = %v, want ErrUnavailable at its deadline", err)
	}
	close(f.block)
	if err := <-leader; err != nil {
		t.Errorf("leader's Check() = %v, want nil", err)
	}
}

// waitForWaiters waits until n callers wait for the running lookup.
func waitForWaiters(tb testing.TB, c *Checker, n int) {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		c.mu.Lock()
		got := 0
		for _, f := range c.flights {
			got += f.waiters
		}
		c.mu.Unlock()
		if got == n {
			return
		}
		time.Sleep(time.Millisecond)
	}
	tb.Fatalf("fewer than %d callers joined the lookup", n)
}

func TestNilChecker(t *testing.T) {
	var c *Checker
	if err := c.Check(t.Context(), testSub, testJTI, testNow); err != nil {
		t.Errorf("(*Checker)(nil).Check() = %v, want nil", err)
	}
}

func TestCheckNoSub(t *testing.T) {
	f := newFakeDynamo()
	c, _, _ := newTestChecker(t, f)
	if err := c.Check(t.Context(), "", testJTI, testNow); !errors.Is(err, ErrRevoked) {
		t.Errorf("Check(no sub) = %v, want ErrRevoked", err)
	}
	if f.callCount() != 0 {
		t.Errorf("Check(no sub) read the table")
	}
}

// TestNilLogger: a Checker built with a nil logger discards what it logs (a
// malformed item here) instead of panicking.
func TestNilLogger(t *testing.T) {
	item := map[string]types.AttributeValue{
		AttrID:        &types.AttributeValueMemberS{Value: "sub#" + testSub},
		AttrExpiresAt: &types.AttributeValueMemberN{Value: unix(testNow.Add(time.Hour))},
	}
	c := NewChecker(NewStore(newFakeDynamo(item), "revocations"), nil, WithClock(func() time.Time { return testNow }))
	if err := c.Check(t.Context(), testSub, testJTI, testNow); !errors.Is(err, ErrMalformedItem) {
		t.Errorf("Check() = %v, want ErrMalformedItem", err)
	}
}

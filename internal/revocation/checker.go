package revocation

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/gatehouse-dev/cognito-authorizer/internal/netcalls"
)

// Defaults of a Checker.
const (
	// DefaultCacheTTL is how long a lookup's answer is reused (the
	// REVOCATION_CACHE_TTL default, which cmd/authorizer's test keeps equal).
	DefaultCacheTTL = 10 * time.Second
	// DefaultMaxEntries bounds the cache: about 150 bytes an entry.
	DefaultMaxEntries = 10_000
	// DefaultTimeout bounds a lookup whose ctx has no deadline. The
	// authorizer always passes one; this keeps a forgotten one from
	// hanging on a stuck connection.
	DefaultTimeout = 3 * time.Second
)

// Checker answers whether a verified token was revoked, reading the table
// through an in-memory cache. It is safe for concurrent use. A nil *Checker
// checks nothing: every token passes, which is what an authorizer without
// a revocation table wants.
//
// The cache holds what the table said about each key, found or not, for the
// cache TTL; a sign-out therefore reaches a warm Checker within that time.
// Concurrent misses for the same keys share one lookup. The cache holds at
// most MaxEntries keys, dropping the oldest first.
type Checker struct {
	store      *Store
	log        *slog.Logger
	ttl        time.Duration
	maxEntries int
	now        func() time.Time

	mu      sync.Mutex
	entries map[key]*list.Element // of *entry
	order   *list.List            // oldest first
	flights map[string]*flight
}

// entry is one cached record.
type entry struct {
	key     key
	rec     record
	expires time.Time
}

// flight is one lookup that concurrent misses wait for.
type flight struct {
	done chan struct{} // closed when recs and err are set
	recs map[key]record
	err  error
	// waiters counts the callers that joined the lookup after it began.
	waiters int
}

// Option configures a Checker.
type Option func(*Checker)

// WithCacheTTL sets how long a lookup's answer is reused (default
// DefaultCacheTTL); 0 turns the cache off.
func WithCacheTTL(d time.Duration) Option { return func(c *Checker) { c.ttl = max(d, 0) } }

// WithMaxEntries bounds the number of cached keys (default
// DefaultMaxEntries).
func WithMaxEntries(n int) Option { return func(c *Checker) { c.maxEntries = n } }

// WithClock sets the clock of the cache and of expiresAt (default
// time.Now).
func WithClock(now func() time.Time) Option { return func(c *Checker) { c.now = now } }

// NewChecker returns a Checker reading store and logging malformed items to
// log (log nil: discarded).
func NewChecker(store *Store, log *slog.Logger, opts ...Option) *Checker {
	c := &Checker{
		store:      store,
		log:        log,
		ttl:        DefaultCacheTTL,
		maxEntries: DefaultMaxEntries,
		now:        time.Now,
		entries:    make(map[key]*list.Element),
		order:      list.New(),
		flights:    make(map[string]*flight),
	}
	for _, opt := range opts {
		opt(c)
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.maxEntries < 2 {
		c.maxEntries = 2
	}
	return c
}

// Check returns nil when the token of sub, issued at issuedAt and carrying
// originJTI ("" for a token without origin_jti: only the sub# item
// applies), may pass; an error matching ErrRevoked when its user or session
// signed out or an item about it is malformed; and an error matching
// ErrUnavailable when the table could not be read before ctx's deadline.
//
// The caller's ctx bounds the lookup: the authorizer passes one whose
// deadline leaves it time to answer. A token without a sub cannot be
// checked and is refused (ErrRevoked).
func (c *Checker) Check(ctx context.Context, sub, originJTI string, issuedAt time.Time) error {
	if c == nil {
		return nil
	}
	if sub == "" {
		return fmt.Errorf("%w: token has no sub to check", ErrRevoked)
	}
	subKey, jtiKey := key{kindSub, sub}, key{kindJTI, originJTI}
	now := c.now()

	c.mu.Lock()
	subRec, subHit := c.cached(subKey, now)
	jtiRec, jtiHit := record{}, true
	if originJTI != "" {
		jtiRec, jtiHit = c.cached(jtiKey, now)
	}
	c.mu.Unlock()
	if subHit && jtiHit {
		return verdict(sub, originJTI, subRec, jtiRec, issuedAt, now)
	}

	missing := make([]key, 0, 2)
	if !subHit {
		missing = append(missing, subKey)
	}
	if !jtiHit {
		missing = append(missing, jtiKey)
	}
	recs, err := c.lookup(ctx, missing)
	if err != nil {
		return err
	}
	if !subHit {
		subRec = recs[subKey]
	}
	if !jtiHit {
		jtiRec = recs[jtiKey]
	}
	return verdict(sub, originJTI, subRec, jtiRec, issuedAt, c.now())
}

// cached returns the live cache entry of k. The caller holds mu.
func (c *Checker) cached(k key, now time.Time) (record, bool) {
	el, ok := c.entries[k]
	if !ok {
		return record{}, false
	}
	e := el.Value.(*entry)
	if !now.Before(e.expires) {
		return record{}, false
	}
	return e.rec, true
}

// lookup reads keys from the store, or waits for the lookup of the same
// keys that is already running. Its errors match ErrUnavailable.
func (c *Checker) lookup(ctx context.Context, keys []key) (map[key]record, error) {
	name := keys[0].id()
	for _, k := range keys[1:] {
		name += "\x00" + k.id()
	}

	c.mu.Lock()
	if f, ok := c.flights[name]; ok {
		f.waiters++
		c.mu.Unlock()
		select {
		case <-f.done:
			return f.recs, f.err
		case <-ctx.Done():
			return nil, fmt.Errorf("%w: waiting for a lookup: %w", ErrUnavailable, ctx.Err())
		}
	}
	f := &flight{done: make(chan struct{}), err: errors.New("revocation lookup panicked")}
	c.flights[name] = f
	c.mu.Unlock()
	// This caller reads the table: its invocation's metrics say so (those
	// that join the lookup above made none).
	netcalls.Add(ctx, netcalls.RevocationLookup)

	// Whatever happens, a panic included, the flight ends and its waiters
	// go on.
	defer func() {
		c.mu.Lock()
		delete(c.flights, name)
		if f.err == nil && c.ttl > 0 {
			expires := c.now().Add(c.ttl)
			for _, k := range keys {
				c.put(k, f.recs[k], expires)
			}
		}
		close(f.done)
		c.mu.Unlock()
	}()

	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultTimeout)
		defer cancel()
	}
	recs, err := c.store.lookup(ctx, keys)
	for _, k := range keys {
		if rec := recs[k]; rec.malformed != "" {
			c.log.LogAttrs(ctx, slog.LevelError, "malformed revocation item: refusing its tokens",
				slog.String("id", k.id()), slog.String("error", rec.malformed))
		}
	}
	f.recs, f.err = recs, err
	return recs, err
}

// put caches rec under k until expires and drops what is expired or
// beyond the bound, oldest first. Entries are added in the order they
// expire, so the oldest is at the front. The caller holds mu.
func (c *Checker) put(k key, rec record, expires time.Time) {
	if el, ok := c.entries[k]; ok {
		e := el.Value.(*entry)
		e.rec, e.expires = rec, expires
		c.order.MoveToBack(el)
	} else {
		c.entries[k] = c.order.PushBack(&entry{key: k, rec: rec, expires: expires})
	}
	now := c.now()
	for front := c.order.Front(); front != nil; front = c.order.Front() {
		e := front.Value.(*entry)
		if c.order.Len() <= c.maxEntries && now.Before(e.expires) {
			break
		}
		c.order.Remove(front)
		delete(c.entries, e.key)
	}
}

// warmKey is the item Warm reads: an origin_jti no sign-out writes.
var warmKey = key{kindJTI, "#warm-up"}

// Warm reads the table once, for an item no sign-out writes, so that the
// client's first request (its credentials, the DNS lookup, the TLS
// handshake) is paid at start, in parallel with the JWKS fetch, rather than
// by the first invocation that checks a token. Nothing is cached; its error
// says only that the table could not be read yet.
func (c *Checker) Warm(ctx context.Context) error {
	_, err := c.store.lookup(ctx, []key{warmKey})
	return err
}

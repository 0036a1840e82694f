// Package jwks keeps one JSON Web Key Set in memory for a verifier (package
// verify, or keyfunc: a Cache is a jwkset.Storage), fetching it in the
// calling invocation rather than in a background goroutine, which Lambda
// freezes between invocations. It keeps only the keys a KeyPolicy's
// algorithms can use (VerificationKey). A Cache serves one JWKS URL; a
// verifier of several issuers holds one Cache per URL.
//
// keyfunc's default storage does not fit Lambda: a one-minute HTTP timeout, a
// first fetch that blocks start-up, a silent empty key set when that fetch
// fails and one unknown-kid refresh per five minutes. A Cache instead fetches
// within the caller's deadline, refetches for an unknown kid at most once per
// refetch interval (WithRefetchInterval; once per retry interval while the
// JWKS is failing), so a flood of random kids costs a few fetches while a
// real key rotation or the end of an outage is seen within seconds, and it
// tells an outage (ErrUnavailable) apart from an unknown key (ErrUnknownKey).
package jwks

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/MicahParks/jwkset"

	"github.com/gatehouse-dev/cognito-authorizer/internal/netcalls"
)

// Errors of KeyRead. A verifier tells them apart: an unknown key means the
// token is not acceptable, unavailable keys mean it could not be checked.
var (
	// ErrUnavailable reports that no key set could be had: the JWKS could
	// not be fetched, or not within the caller's deadline.
	ErrUnavailable = errors.New("signing keys unavailable")
	// ErrUnknownKey reports that the latest key set has no usable key of
	// that kid.
	ErrUnknownKey = errors.New("no such signing key")
	// errReadOnly refuses the writes of jwkset.Storage: the set changes only
	// by a fetch, which applies the KeyPolicy.
	errReadOnly = errors.New("jwks: the key set is read-only; it changes only by fetching the JWKS")
)

// MaxSize is the largest JWKS document read, in bytes. Cognito's has two keys
// in under 1 KB.
const MaxSize = 64 << 10

// Defaults of New and its options.
const (
	DefaultMinRSABits      = 2048
	DefaultMaxRSABits      = 8192
	DefaultTimeout         = 3 * time.Second
	DefaultRefreshInterval = time.Hour
	DefaultRefetchInterval = 5 * time.Second
	DefaultRetryInterval   = time.Second
	DefaultStaleWait       = 250 * time.Millisecond
)

// KeyPolicy says which keys of a JWKS are usable: signing keys that can
// verify at least one of Algorithms under VerificationKey's rule (an RSA key
// for RS* and PS*, an EC key on P-256 for ES256 and on P-384 for ES384, and
// a key that names its alg for that one only). RSA keys must also have at
// least MinRSABits (none weaker than Cognito's 2048) and at most MaxRSABits
// (none so large that each signature check becomes expensive).
type KeyPolicy struct {
	// Algorithms are the JWS algorithms the keys are for, e.g. RS256, each
	// one of Algorithms(); at least one is required. A key that can serve
	// none of them is skipped.
	Algorithms []string
	// MinRSABits and MaxRSABits bound the modulus; zero takes the defaults.
	MinRSABits, MaxRSABits int
}

// Option configures a Cache (New). Options left out, and durations of zero
// or less, take the defaults above.
type Option func(*config)

// config is what the options set.
type config struct {
	client          *http.Client
	timeout         time.Duration
	refreshInterval time.Duration
	refetchInterval time.Duration
	retryInterval   time.Duration
	staleWait       time.Duration
	now             func() time.Time
	log             *slog.Logger
}

// WithClient sets the client that makes the requests; nil (the default)
// means a client of its own, which follows no redirect.
func WithClient(client *http.Client) Option { return func(c *config) { c.client = client } }

// WithTimeout bounds one fetch (default DefaultTimeout); the caller's
// context bounds it too.
func WithTimeout(d time.Duration) Option { return func(c *config) { c.timeout = d } }

// WithRefreshInterval sets the age after which the set is fetched again
// (default DefaultRefreshInterval), so that keys removed from the JWKS stop
// being trusted.
func WithRefreshInterval(d time.Duration) Option { return func(c *config) { c.refreshInterval = d } }

// WithRefetchInterval sets the least time between two fetches after a
// successful one (default DefaultRefetchInterval): the bound on fetches a
// flood of unknown kids causes.
func WithRefetchInterval(d time.Duration) Option { return func(c *config) { c.refetchInterval = d } }

// WithClock sets the clock; nil (the default) means time.Now.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithLogger sets the logger that receives one line per fetch; nil (the
// default): discarded.
func WithLogger(log *slog.Logger) Option { return func(c *config) { c.log = log } }

// Cache is a jwkset.Storage whose KeyRead fetches the JWKS when the key is
// not there or the set is old. Give it to verify.New as an Issuer's Keys (or
// wrap it with keyfunc.New). Its set changes only
// by fetching: the Storage methods that write refuse. It is safe for
// concurrent use.
type Cache struct {
	keys *jwkset.MemoryJWKSet

	url    string
	policy KeyPolicy
	client *http.Client
	cfg    config

	mu        sync.Mutex
	fetchedAt time.Time // last successful fetch
	triedAt   time.Time // last fetch started, or the end of the last failed one
	lastErr   error     // outcome of the last fetch
	inflight  *flight   // the running fetch, if any
}

// flight is one fetch that callers may wait for.
type flight struct {
	done chan struct{} // closed when the fetch ends
}

// New returns an empty Cache of the JWKS at url, whose usable keys keys
// says; the first KeyRead or Refresh fetches the set.
func New(url string, keys KeyPolicy, opts ...Option) (*Cache, error) {
	if url == "" {
		return nil, errors.New("jwks: no URL")
	}
	if len(keys.Algorithms) == 0 {
		return nil, errors.New("jwks: no key algorithm")
	}
	for _, alg := range keys.Algorithms {
		if !slices.Contains(algorithms, alg) {
			return nil, fmt.Errorf("jwks: key algorithm %q is not one of %v", alg, algorithms)
		}
	}
	keys.Algorithms = slices.Clone(keys.Algorithms)
	if keys.MinRSABits <= 0 {
		keys.MinRSABits = DefaultMinRSABits
	}
	if keys.MaxRSABits <= 0 {
		keys.MaxRSABits = DefaultMaxRSABits
	}
	var cfg config
	for _, opt := range opts {
		opt(&cfg)
	}
	defaults := []struct {
		d   *time.Duration
		def time.Duration
	}{
		{&cfg.timeout, DefaultTimeout},
		{&cfg.refreshInterval, DefaultRefreshInterval},
		{&cfg.refetchInterval, DefaultRefetchInterval},
		{&cfg.retryInterval, DefaultRetryInterval},
		{&cfg.staleWait, DefaultStaleWait},
	}
	for _, d := range defaults {
		if *d.d <= 0 {
			*d.d = d.def
		}
	}
	if cfg.now == nil {
		cfg.now = time.Now
	}
	client := cfg.client
	if client == nil {
		client = &http.Client{
			Transport: http.DefaultTransport.(*http.Transport).Clone(),
			// Cognito's JWKS does not redirect; a redirect could lead off
			// https, around the checks on the configured URL.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	if cfg.log == nil {
		cfg.log = slog.New(slog.DiscardHandler)
	}
	return &Cache{
		keys:    jwkset.NewMemoryStorage(),
		url:     url,
		policy:  keys,
		client:  client,
		cfg:     cfg,
		lastErr: errors.New("JWKS not fetched yet"),
	}, nil
}

// KeyRead returns the key named kid. A key not in the set, or a set older
// than the refresh interval (WithRefreshInterval), makes it fetch the set
// first unless a fetch ran less than the refetch interval (the retry
// interval after a failure) ago. If the refresh of an old set fails, the old
// set is still used: the keys could not be shown to be removed. The error
// matches ErrUnknownKey when the latest JWKS has no such key, and
// ErrUnavailable when the JWKS could not be fetched.
func (c *Cache) KeyRead(ctx context.Context, kid string) (jwkset.JWK, error) {
	jwk, err := c.keys.KeyRead(ctx, kid)
	found := err == nil
	if found {
		if age := c.age(); age >= c.cfg.refreshInterval {
			// The set is old but holds the key: refresh it within a
			// short wait, and use the key whatever the refresh does. Past
			// twice the interval, a JWKS slower than the stale wait must
			// not keep a removed key trusted for ever: the refresh gets
			// the caller's whole time, as for a missing key.
			wait, cancel := ctx, context.CancelFunc(func() {})
			if age < 2*c.cfg.refreshInterval {
				wait, cancel = context.WithTimeout(ctx, c.cfg.staleWait)
			}
			c.refresh(wait, refreshStale)
			cancel()
			if jwk, err = c.keys.KeyRead(ctx, kid); err == nil {
				return jwk, nil
			}
			// Only a successful fetch replaces the set.
			return jwkset.JWK{}, fmt.Errorf("%w: kid %.64q no longer in the JWKS", ErrUnknownKey, kid)
		}
		return jwk, nil
	}
	c.refresh(ctx, refreshMissing)
	if jwk, err = c.keys.KeyRead(ctx, kid); err == nil {
		return jwk, nil
	}
	if err := ctx.Err(); err != nil {
		// The caller ran out of time before the JWKS answered: the key
		// may well be there.
		return jwkset.JWK{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	c.mu.Lock()
	lastErr := c.lastErr
	c.mu.Unlock()
	if lastErr != nil {
		return jwkset.JWK{}, fmt.Errorf("%w: %w", ErrUnavailable, lastErr)
	}
	return jwkset.JWK{}, fmt.Errorf("%w: kid %.64q not in the JWKS", ErrUnknownKey, kid)
}

// Refresh fetches the set now, or waits for a fetch already running, and
// returns the outcome. Call it at start-up so the first invocation finds the
// keys; its failure is not fatal, as KeyRead tries again.
func (c *Cache) Refresh(ctx context.Context) error {
	c.refresh(ctx, refreshForce)
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lastErr
}

// age is the time since the last successful fetch.
func (c *Cache) age() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cfg.now().Sub(c.fetchedAt)
}

// Why refresh is called, which sets how soon after the last try it fetches
// again.
type refreshMode int

const (
	// refreshMissing: a key is not in the set. Fetch again the refetch
	// interval after the last try, the retry interval while fetching fails.
	refreshMissing refreshMode = iota
	// refreshStale: the set is old but holds the key asked for. Nothing is
	// urgent: fetch again the refetch interval after the last try, even
	// while fetching fails.
	refreshStale
	// refreshForce: fetch now (Refresh).
	refreshForce
)

// refresh fetches the set unless a fetch is running (it waits for that one,
// within ctx) or one was tried too recently for mode.
//
// The outcome is recorded whatever happens, a panic included, so that no
// later caller waits on a fetch that will never end. A fetch cut short by
// the caller's deadline counts as a failed try, and the retry interval runs
// from its end: a JWKS that hangs costs one bounded wait per retry interval,
// not one per request.
func (c *Cache) refresh(ctx context.Context, mode refreshMode) {
	c.mu.Lock()
	if f := c.inflight; f != nil {
		c.mu.Unlock()
		select {
		case <-f.done:
		case <-ctx.Done():
		}
		return
	}
	interval := c.cfg.refetchInterval
	if c.lastErr != nil && mode == refreshMissing {
		interval = c.cfg.retryInterval
	}
	now := c.cfg.now()
	if mode != refreshForce && !c.triedAt.IsZero() && now.Sub(c.triedAt) < interval {
		c.mu.Unlock()
		return
	}
	f := &flight{done: make(chan struct{})}
	c.inflight, c.triedAt = f, now
	c.mu.Unlock()
	// This caller goes to the network: its invocation's metrics say so
	// (those that wait for this fetch above made none).
	netcalls.Add(ctx, netcalls.JWKSFetch)

	n, err := 0, errors.New("JWKS fetch panicked")
	defer func() {
		elapsed := c.cfg.now().Sub(now)
		cut := err != nil && ctx.Err() != nil
		c.mu.Lock()
		c.lastErr = err
		if err == nil {
			c.fetchedAt = now
		} else {
			// The retry interval runs from the end of a failed try: a
			// fetch that hung until its caller's deadline is not followed
			// at once by another that hangs as long.
			c.triedAt = now.Add(elapsed)
		}
		c.inflight = nil
		close(f.done)
		c.mu.Unlock()

		switch {
		case cut:
			c.cfg.log.LogAttrs(ctx, slog.LevelError, "JWKS fetch cut short by the invocation's deadline",
				slog.String("jwks_url", c.url), slog.String("error", err.Error()),
				slog.Int64("duration_ms", elapsed.Milliseconds()))
		case err != nil:
			c.cfg.log.LogAttrs(ctx, slog.LevelError, "JWKS fetch failed",
				slog.String("jwks_url", c.url), slog.String("error", err.Error()),
				slog.Int64("duration_ms", elapsed.Milliseconds()))
		default:
			c.cfg.log.LogAttrs(ctx, slog.LevelInfo, "JWKS fetched",
				slog.String("jwks_url", c.url), slog.Int("keys", n),
				slog.Int64("duration_ms", elapsed.Milliseconds()))
		}
	}()
	n, err = c.fetch(ctx)
}

package jwks_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/MicahParks/jwkset"

	"github.com/gatehouse-dev/cognito-authorizer/internal/jwks"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/clocktest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/cognitotest"
)

// server serves a pool's JWKS on 127.0.0.1 and counts the requests; down
// makes it answer 503, delay makes it slow.
type server struct {
	pool    *cognitotest.Pool
	hits    atomic.Int64
	down    atomic.Bool
	delay   atomic.Int64 // nanoseconds
	body    atomic.Pointer[string]
	url     string
	release chan struct{}
}

func newServer(t testing.TB) *server {
	t.Helper()
	pool, err := cognitotest.New("eu-west-1_AbC123xyz", "client")
	if err != nil {
		t.Fatal(err)
	}
	s := &server{pool: pool, release: make(chan struct{})}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		if d := time.Duration(s.delay.Load()); d > 0 {
			select {
			case <-time.After(d):
			case <-r.Context().Done():
				return
			case <-s.release:
				return
			}
		}
		if s.down.Load() {
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		if b := s.body.Load(); b != nil {
			w.Write([]byte(*b))
			return
		}
		pool.ServeHTTP(w, r)
	}))
	t.Cleanup(func() { close(s.release); srv.Close() })
	s.url = srv.URL + pool.JWKSPath()
	return s
}

func newCache(t testing.TB, s *server, c *clocktest.Clock, opts ...jwks.Option) *jwks.Cache {
	t.Helper()
	cache, err := jwks.New(s.url, rs256, append([]jwks.Option{jwks.WithClock(c.Now)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return cache
}

func kid(p *cognitotest.Pool) string {
	_, k := p.SigningKey()
	return k
}

func TestFetchedOnceAndReused(t *testing.T) {
	s := newServer(t)
	c := clocktest.New(time.Unix(1_800_000_000, 0))
	cache := newCache(t, s, c)
	for i := 0; i < 100; i++ {
		if _, err := cache.KeyRead(context.Background(), kid(s.pool)); err != nil {
			t.Fatalf("KeyRead() = %v", err)
		}
		c.Add(30 * time.Second) // 50 minutes in all: under the refresh interval
	}
	if got := s.hits.Load(); got != 1 {
		t.Errorf("JWKS fetched %d times, want 1", got)
	}
}

func TestOutageAtColdStartRecovers(t *testing.T) {
	s := newServer(t)
	s.down.Store(true)
	c := clocktest.New(time.Unix(1_800_000_000, 0))
	cache := newCache(t, s, c)

	if err := cache.Refresh(context.Background()); err == nil {
		t.Fatal("Refresh() with the JWKS down = nil, want an error")
	}
	_, err := cache.KeyRead(context.Background(), kid(s.pool))
	if !errors.Is(err, jwks.ErrUnavailable) {
		t.Fatalf("KeyRead() during outage = %v, want %v", err, jwks.ErrUnavailable)
	}
	s.down.Store(false)
	// Within the retry interval nothing is fetched, and the answer is still an outage.
	_, err = cache.KeyRead(context.Background(), kid(s.pool))
	if !errors.Is(err, jwks.ErrUnavailable) {
		t.Fatalf("KeyRead() inside retry interval = %v, want %v", err, jwks.ErrUnavailable)
	}
	if got := s.hits.Load(); got != 1 {
		t.Errorf("fetches during outage = %d, want 1", got)
	}
	c.Add(jwks.DefaultRetryInterval)
	if _, err := cache.KeyRead(context.Background(), kid(s.pool)); err != nil {
		t.Fatalf("KeyRead() after the JWKS is back = %v, want the key", err)
	}
}

func TestUnknownKidFloodIsBoundedAndRotationIsSeen(t *testing.T) {
	s := newServer(t)
	c := clocktest.New(time.Unix(1_800_000_000, 0))
	cache := newCache(t, s, c)
	if err := cache.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}

	var wg sync.WaitGroup
	var unknown atomic.Int64
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 250; i++ {
				_, err := cache.KeyRead(context.Background(), fmt.Sprintf("random-%d-%d", g, i))
				if errors.Is(err, jwks.ErrUnknownKey) {
					unknown.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if got := unknown.Load(); got != 2000 {
		t.Errorf("unknown-key answers = %d, want 2000", got)
	}
	// One fetch at start; the flood, all within one instant, may cause one more.
	if got := s.hits.Load(); got > 2 {
		t.Errorf("JWKS fetched %d times for 2000 random kids, want at most 2", got)
	}

	// A real rotation right after the flood is seen once the refetch
	// interval has passed: seconds, not minutes.
	newKid, err := s.pool.Rotate()
	if err != nil {
		t.Fatal(err)
	}
	c.Add(jwks.DefaultRefetchInterval)
	if _, err := cache.KeyRead(context.Background(), newKid); err != nil {
		t.Fatalf("KeyRead(rotated kid) %v after the flood = %v", jwks.DefaultRefetchInterval, err)
	}
}

func TestConcurrentMissesShareOneFetch(t *testing.T) {
	s := newServer(t)
	s.delay.Store(int64(200 * time.Millisecond))
	c := clocktest.New(time.Unix(1_800_000_000, 0))
	cache := newCache(t, s, c)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := cache.KeyRead(context.Background(), kid(s.pool))
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("KeyRead() = %v", err)
		}
	}
	if got := s.hits.Load(); got != 1 {
		t.Errorf("JWKS fetched %d times by 20 concurrent readers, want 1", got)
	}
}

// keyRemoved returns a cache that holds a key its JWKS has since rotated
// away and removed, and that key's kid.
func keyRemoved(t *testing.T) (*server, *clocktest.Clock, *jwks.Cache, string) {
	t.Helper()
	s := newServer(t)
	c := clocktest.New(time.Unix(1_800_000_000, 0))
	cache := newCache(t, s, c)
	old := kid(s.pool)
	if _, err := cache.KeyRead(context.Background(), old); err != nil {
		t.Fatal(err)
	}
	if _, err := s.pool.Rotate(); err != nil {
		t.Fatal(err)
	}
	s.pool.RemoveKey(old)
	return s, c, cache, old
}

func TestRemovedKeysStopBeingTrusted(t *testing.T) {
	_, c, cache, old := keyRemoved(t)

	c.Add(jwks.DefaultRefreshInterval - time.Second)
	if _, err := cache.KeyRead(context.Background(), old); err != nil {
		t.Fatalf("KeyRead(old kid) before the refresh interval = %v, want the cached key", err)
	}
	c.Add(time.Second)
	_, err := cache.KeyRead(context.Background(), old)
	if !errors.Is(err, jwks.ErrUnknownKey) {
		t.Fatalf("KeyRead(removed kid) after refresh = %v, want %v", err, jwks.ErrUnknownKey)
	}
}

func TestStaleSetSurvivesFailedRefresh(t *testing.T) {
	s := newServer(t)
	c := clocktest.New(time.Unix(1_800_000_000, 0))
	cache := newCache(t, s, c)
	k := kid(s.pool)
	if _, err := cache.KeyRead(context.Background(), k); err != nil {
		t.Fatal(err)
	}
	s.down.Store(true)
	c.Add(2 * jwks.DefaultRefreshInterval)
	if _, err := cache.KeyRead(context.Background(), k); err != nil {
		t.Fatalf("KeyRead() with the JWKS down and a stale set = %v, want the cached key", err)
	}
	// An unknown kid while the JWKS is down is an outage, not the caller's fault.
	_, err := cache.KeyRead(context.Background(), "rotated-during-outage")
	if !errors.Is(err, jwks.ErrUnavailable) {
		t.Errorf("KeyRead(unknown kid) during outage = %v, want %v", err, jwks.ErrUnavailable)
	}
}

func TestSlowJWKSIsBounded(t *testing.T) {
	s := newServer(t)
	s.delay.Store(int64(time.Minute))
	c := clocktest.New(time.Unix(1_800_000_000, 0))

	t.Run("by the fetch timeout", func(t *testing.T) {
		cache := newCache(t, s, c, jwks.WithTimeout(200*time.Millisecond))
		start := time.Now()
		_, err := cache.KeyRead(context.Background(), kid(s.pool))
		if !errors.Is(err, jwks.ErrUnavailable) {
			t.Errorf("KeyRead() = %v, want %v", err, jwks.ErrUnavailable)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("KeyRead() took %v with a 200ms timeout", d)
		}
	})
	t.Run("by the caller's deadline", func(t *testing.T) {
		cache := newCache(t, s, c) // 3s fetch timeout
		ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := cache.KeyRead(ctx, kid(s.pool))
		if !errors.Is(err, jwks.ErrUnavailable) {
			t.Errorf("KeyRead() = %v, want %v", err, jwks.ErrUnavailable)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("KeyRead() took %v with a 150ms deadline", d)
		}
	})
}

func jwk(t testing.TB, bits int, fields map[string]any) map[string]any {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]any{
		"kty": "RSA", "kid": "k", "alg": "RS256", "use": "sig",
		"n": base64.RawURLEncoding.EncodeToString(k.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(k.E)).Bytes()),
	}
	for f, v := range fields {
		if v == nil {
			delete(m, f)
			continue
		}
		m[f] = v
	}
	return m
}

func TestBadJWKSDocuments(t *testing.T) {
	doc := func(keys ...map[string]any) string {
		b, err := json.Marshal(map[string]any{"keys": keys})
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	tests := []struct {
		name   string
		body   string
		usable bool // the key "k" is usable
	}{
		{name: "good", body: doc(jwk(t, 2048, nil)), usable: true},
		{name: "no alg or use", body: doc(jwk(t, 2048, map[string]any{"alg": nil, "use": nil})), usable: true},
		{name: "not JSON", body: "<html>"},
		{name: "too large", body: doc(jwk(t, 2048, map[string]any{"pad": strings.Repeat("x", jwks.MaxSize)}))},
		{name: "empty set", body: `{"keys":[]}`},
		{name: "1024-bit key", body: doc(jwk(t, 1024, nil))},
		{name: "8200-bit modulus", body: doc(jwk(t, 2048, map[string]any{"n": base64.RawURLEncoding.EncodeToString(append([]byte{0xff}, make([]byte, 1024)...))}))},
		{name: "encryption key", body: doc(jwk(t, 2048, map[string]any{"use": "enc"}))},
		{name: "RS512 key", body: doc(jwk(t, 2048, map[string]any{"alg": "RS512"}))},
		{name: "EC key type", body: doc(jwk(t, 2048, map[string]any{"kty": "EC"}))},
		{name: "no kid", body: doc(jwk(t, 2048, map[string]any{"kid": nil}))},
		{name: "bad modulus", body: doc(jwk(t, 2048, map[string]any{"n": "!!"}))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t)
			s.body.Store(&tt.body)
			c := clocktest.New(time.Unix(1_800_000_000, 0))
			cache := newCache(t, s, c)
			_, err := cache.KeyRead(context.Background(), "k")
			if tt.usable {
				if err != nil {
					t.Fatalf("KeyRead() = %v, want the key", err)
				}
				return
			}
			if !errors.Is(err, jwks.ErrUnavailable) {
				t.Fatalf("KeyRead() = %v, want %v", err, jwks.ErrUnavailable)
			}
		})
	}
}

func TestBadDocumentKeepsGoodSet(t *testing.T) {
	s := newServer(t)
	c := clocktest.New(time.Unix(1_800_000_000, 0))
	cache := newCache(t, s, c)
	k := kid(s.pool)
	if _, err := cache.KeyRead(context.Background(), k); err != nil {
		t.Fatal(err)
	}
	garbage := "not json"
	s.body.Store(&garbage)
	c.Add(jwks.DefaultRefreshInterval)
	if _, err := cache.KeyRead(context.Background(), k); err != nil {
		t.Fatalf("KeyRead() after an unparsable refresh = %v, want the cached key", err)
	}
}

type panicOnce struct {
	panicked atomic.Bool
	next     http.RoundTripper
}

func (p *panicOnce) RoundTrip(r *http.Request) (*http.Response, error) {
	if !p.panicked.Swap(true) {
		panic("transport bug")
	}
	return p.next.RoundTrip(r)
}

func TestPanicDuringFetchDoesNotWedgeTheCache(t *testing.T) {
	s := newServer(t)
	c := clocktest.New(time.Unix(1_800_000_000, 0))
	cache := newCache(t, s, c, jwks.WithClient(&http.Client{Transport: &panicOnce{next: http.DefaultTransport}}))
	func() {
		defer func() {
			if recover() == nil {
				t.Error("KeyRead() did not pass the transport's panic on")
			}
		}()
		cache.KeyRead(context.Background(), kid(s.pool))
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err := cache.KeyRead(ctx, kid(s.pool))
	if !errors.Is(err, jwks.ErrUnavailable) || ctx.Err() != nil {
		t.Fatalf("KeyRead() right after the panic = %v (ctx %v), want a prompt %v", err, ctx.Err(), jwks.ErrUnavailable)
	}
	c.Add(jwks.DefaultRetryInterval)
	if _, err := cache.KeyRead(ctx, kid(s.pool)); err != nil {
		t.Fatalf("KeyRead() a retry interval after the panic = %v, want the key", err)
	}
}

// TestFetchCutByCallersDeadlineCountsAsFailedTry: a JWKS that hangs costs one
// bounded wait per retry interval, not one per request.
func TestFetchCutByCallersDeadlineCountsAsFailedTry(t *testing.T) {
	s := newServer(t)
	s.delay.Store(int64(time.Second))
	c := clocktest.New(time.Unix(1_800_000_000, 0))
	cache := newCache(t, s, c)

	for i := range 3 {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		start := time.Now()
		_, err := cache.KeyRead(ctx, kid(s.pool))
		cancel()
		if !errors.Is(err, jwks.ErrUnavailable) {
			t.Fatalf("KeyRead() %d past its deadline = %v, want %v", i, err, jwks.ErrUnavailable)
		}
		if i > 0 && time.Since(start) > 25*time.Millisecond {
			t.Errorf("KeyRead() %d within the retry interval waited %v, want no wait", i, time.Since(start))
		}
	}
	if got := s.hits.Load(); got != 1 {
		t.Errorf("JWKS fetched %d times within the retry interval, want 1", got)
	}
	s.delay.Store(0)
	c.Add(jwks.DefaultRetryInterval)
	if _, err := cache.KeyRead(context.Background(), kid(s.pool)); err != nil {
		t.Fatalf("KeyRead() after the retry interval = %v, want the key", err)
	}
	if got := s.hits.Load(); got != 2 {
		t.Errorf("JWKS fetched %d times, want 2", got)
	}
}

// TestWaitersOfACutFetch: callers who share a fetch that is cut short get the
// outage answer (503, retry), never an unknown key (401), and none of them
// waits past the end of that fetch.
func TestWaitersOfACutFetch(t *testing.T) {
	s := newServer(t)
	c := clocktest.New(time.Unix(1_800_000_000, 0))
	cache := newCache(t, s, c)
	if err := cache.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	rotated, err := s.pool.Rotate()
	if err != nil {
		t.Fatal(err)
	}
	c.Add(jwks.DefaultRefetchInterval)
	s.delay.Store(int64(2 * time.Second))

	type result struct {
		name    string
		err     error
		elapsed time.Duration
	}
	results := make(chan result, 3)
	start := func(name string, timeout time.Duration, delay time.Duration) {
		go func() {
			time.Sleep(delay)
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			began := time.Now()
			_, err := cache.KeyRead(ctx, rotated)
			results <- result{name, err, time.Since(began)}
		}()
	}
	start("fetcher", 100*time.Millisecond, 0)
	start("short waiter", 50*time.Millisecond, 20*time.Millisecond)
	start("patient waiter", 10*time.Second, 20*time.Millisecond)
	for range 3 {
		r := <-results
		if !errors.Is(r.err, jwks.ErrUnavailable) {
			t.Errorf("%s: KeyRead(rotated kid) = %v, want %v", r.name, r.err, jwks.ErrUnavailable)
		}
		if r.elapsed > time.Second {
			t.Errorf("%s waited %v, want no longer than the shared fetch", r.name, r.elapsed)
		}
	}
}

func TestRedirectsAreNotFollowed(t *testing.T) {
	s := newServer(t)
	redirect := httptest.NewServer(http.RedirectHandler(s.url, http.StatusFound))
	t.Cleanup(redirect.Close)
	c := clocktest.New(time.Unix(1_800_000_000, 0))
	cache, err := jwks.New(redirect.URL, rs256, jwks.WithClock(c.Now))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cache.KeyRead(context.Background(), kid(s.pool)); !errors.Is(err, jwks.ErrUnavailable) {
		t.Errorf("KeyRead() through a redirect = %v, want %v", err, jwks.ErrUnavailable)
	}
	if got := s.hits.Load(); got != 0 {
		t.Errorf("the redirect was followed: %d requests reached the JWKS", got)
	}
}

func TestKeyReadAllRefuses(t *testing.T) {
	s := newServer(t)
	cache := newCache(t, s, clocktest.New(time.Unix(1_800_000_000, 0)))
	if err := cache.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if keys, err := cache.KeyReadAll(context.Background()); err == nil {
		t.Errorf("KeyReadAll() = %d keys, want an error: keys are read by kid only", len(keys))
	}
}

// rs256 is the key policy of a Cognito pool.
var rs256 = jwks.KeyPolicy{Algorithms: []string{"RS256"}}

// TestWritesRefused: keys enter the cache only through a fetch, which
// applies the key policy.
func TestWritesRefused(t *testing.T) {
	s, c := newServer(t), clocktest.New(time.Unix(1_800_000_000, 0))
	cache := newCache(t, s, c)
	ctx := context.Background()
	if err := cache.KeyWrite(ctx, jwkset.JWK{}); err == nil {
		t.Error("KeyWrite() = nil, want an error")
	}
	if err := cache.KeyReplaceAll(ctx, nil); err == nil {
		t.Error("KeyReplaceAll() = nil, want an error")
	}
	if _, err := cache.KeyDelete(ctx, kid(s.pool)); err == nil {
		t.Error("KeyDelete() = nil, want an error")
	}
	if _, err := cache.KeyRead(ctx, kid(s.pool)); err != nil {
		t.Fatalf("KeyRead() = %v", err)
	}
	if _, err := jwks.New(s.url, jwks.KeyPolicy{}); err == nil {
		t.Error("New() without a key algorithm = nil error")
	}
}

// TestSlowJWKSStillRemovesKeys: a JWKS slower than StaleWait cannot keep a
// removed key trusted for ever (a review found the old set kept for good):
// past twice the refresh interval the refresh gets the caller's time.
func TestSlowJWKSStillRemovesKeys(t *testing.T) {
	s, c, cache, old := keyRemoved(t)
	s.delay.Store(int64(400 * time.Millisecond))

	c.Add(jwks.DefaultRefreshInterval)
	start := time.Now()
	if _, err := cache.KeyRead(context.Background(), old); err != nil {
		t.Fatalf("KeyRead(old kid) with a slow refresh = %v, want the cached key", err)
	}
	if waited := time.Since(start); waited > time.Duration(float64(jwks.DefaultStaleWait)*1.5) {
		t.Errorf("KeyRead() waited %v for the refresh of an old set, want at most about %v", waited, jwks.DefaultStaleWait)
	}
	c.Add(jwks.DefaultRefreshInterval)
	if _, err := cache.KeyRead(context.Background(), old); !errors.Is(err, jwks.ErrUnknownKey) {
		t.Errorf("KeyRead(removed kid) at twice the refresh interval = %v, want %v", err, jwks.ErrUnknownKey)
	}
}

// TestUnusableSetKeepsTheLastGoodOne: a 200 with no usable key is a failed
// fetch, not a rotation to no keys (it used to wipe the cache, so tokens
// that verified a moment earlier got the outage answer).
func TestUnusableSetKeepsTheLastGoodOne(t *testing.T) {
	for name, body := range map[string]func(t *testing.T) string{
		"no keys":         func(*testing.T) string { return `{"keys":[]}` },
		"only enc keys":   func(t *testing.T) string { return jwksDoc(t, jwk(t, 2048, map[string]any{"use": "enc"})) },
		"only HS256 keys": func(t *testing.T) string { return jwksDoc(t, jwk(t, 2048, map[string]any{"alg": "HS256"})) },
	} {
		t.Run(name, func(t *testing.T) {
			s, c := newServer(t), clocktest.New(time.Unix(1_800_000_000, 0))
			cache := newCache(t, s, c)
			k := kid(s.pool)
			if _, err := cache.KeyRead(context.Background(), k); err != nil {
				t.Fatal(err)
			}
			b := body(t)
			s.body.Store(&b)
			c.Add(jwks.DefaultRefreshInterval)
			if err := cache.Refresh(context.Background()); err == nil {
				t.Error("Refresh() of a set with no usable key = nil, want an error")
			}
			if _, err := cache.KeyRead(context.Background(), k); err != nil {
				t.Errorf("KeyRead(known kid) after an unusable set = %v, want the last good key", err)
			}
		})
	}
}

// TestDuplicateKidRefused: a set listing one kid twice trusts neither key
// (the first used to win silently); the other keys stay usable.
func TestDuplicateKidRefused(t *testing.T) {
	s, c := newServer(t), clocktest.New(time.Unix(1_800_000_000, 0))
	var logs strings.Builder
	cache := newCache(t, s, c, jwks.WithLogger(slog.New(slog.NewJSONHandler(&logs, nil))))
	b := jwksDoc(t, jwk(t, 2048, map[string]any{"kid": "twice"}), jwk(t, 2048, map[string]any{"kid": "twice"}), jwk(t, 2048, map[string]any{"kid": "once"}))
	s.body.Store(&b)
	if _, err := cache.KeyRead(context.Background(), "twice"); !errors.Is(err, jwks.ErrUnknownKey) {
		t.Errorf("KeyRead(duplicated kid) = %v, want %v", err, jwks.ErrUnknownKey)
	}
	if _, err := cache.KeyRead(context.Background(), "once"); err != nil {
		t.Errorf("KeyRead(other kid) = %v", err)
	}
	if !strings.Contains(logs.String(), `listed 2 times`) {
		t.Errorf("the duplicated kid was not logged:\n%s", logs.String())
	}
}

func jwksDoc(t *testing.T, keys ...map[string]any) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{"keys": keys})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestOptionsReplaceDefaults: the intervals the options set replace the
// defaults, and a nil logger discards.
func TestOptionsReplaceDefaults(t *testing.T) {
	s, c := newServer(t), clocktest.New(time.Unix(1_800_000_000, 0))
	cache := newCache(t, s, c, jwks.WithRefreshInterval(time.Minute), jwks.WithRefetchInterval(time.Minute), jwks.WithLogger(nil))
	k := kid(s.pool)
	if _, err := cache.KeyRead(context.Background(), k); err != nil {
		t.Fatal(err)
	}
	c.Add(time.Minute)
	if _, err := cache.KeyRead(context.Background(), k); err != nil {
		t.Fatal(err)
	}
	if got := s.hits.Load(); got != 2 {
		t.Errorf("JWKS fetched %d times, want 2: the set a refresh interval (1m) old is fetched again", got)
	}
	c.Add(jwks.DefaultRefetchInterval)
	if _, err := cache.KeyRead(context.Background(), "unknown"); !errors.Is(err, jwks.ErrUnknownKey) {
		t.Errorf("KeyRead(unknown kid) = %v, want %v", err, jwks.ErrUnknownKey)
	}
	if got := s.hits.Load(); got != 2 {
		t.Errorf("JWKS fetched %d times, want 2: an unknown kid within the refetch interval (1m) fetches nothing", got)
	}
}

package oidc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/MicahParks/jwkset"

	"github.com/gatehouse-dev/cognito-authorizer/internal/jwks"
)

// MaxDocumentSize is the largest discovery document read, in bytes. Big
// providers' documents are 2 to 6 KB.
const MaxDocumentSize = 64 << 10

// DiscoveryPath is where an issuer publishes its discovery document,
// below the issuer (OpenID Connect Discovery 1.0 §4).
const DiscoveryPath = "/.well-known/openid-configuration"

// Defaults of NewKeys's options.
const (
	DefaultTimeout       = jwks.DefaultTimeout
	DefaultRetryInterval = jwks.DefaultRetryInterval
)

// errReadOnly refuses the writes of jwkset.Storage, as a jwks.Cache does.
var errReadOnly = errors.New("oidc: the key set is read-only; it changes only by fetching the JWKS")

// Option configures Keys (NewKeys). Options left out, and durations of zero
// or less, take the defaults.
type Option func(*config)

// config is what the options set.
type config struct {
	client        *http.Client
	timeout       time.Duration
	retryInterval time.Duration
	now           func() time.Time
	log           *slog.Logger
}

// WithHTTPClient sets the client that fetches the discovery document; nil
// (the default) means a client of its own. Whichever client, no redirect is
// followed: one could lead off https, around the checks on the issuer.
func WithHTTPClient(client *http.Client) Option { return func(c *config) { c.client = client } }

// WithTimeout bounds one fetch of the discovery document (default
// DefaultTimeout); the caller's context bounds it too.
func WithTimeout(d time.Duration) Option { return func(c *config) { c.timeout = d } }

// WithRetryInterval sets the least time between two discovery attempts
// while discovery fails (default DefaultRetryInterval).
func WithRetryInterval(d time.Duration) Option { return func(c *config) { c.retryInterval = d } }

// WithClock sets the clock; nil (the default) means time.Now.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithLogger sets the logger that receives one line per discovery attempt;
// nil (the default): discarded.
func WithLogger(log *slog.Logger) Option { return func(c *config) { c.log = log } }

// Keys is the key set of an OpenID provider, found through its discovery
// document. It is a jwkset.Storage for verify.Issuer: until discovery has
// succeeded, KeyRead first fetches the document, checks that it is the
// issuer's own, takes its jwks_uri and makes the key cache for it; from
// then on every read goes to that cache. Discovery runs in the calling
// invocation, like a jwks.Cache's fetches, and once per Keys: a provider's
// jwks_uri does not move while its keys rotate. It is safe for concurrent
// use.
type Keys struct {
	issuer    string
	configURL string // the discovery document's
	newKeys   func(jwksURL string) (*jwks.Cache, error)
	client    *http.Client
	cfg       config

	mu       sync.Mutex
	cache    *jwks.Cache // set once discovery has succeeded
	jwksURL  string
	triedAt  time.Time // last attempt started, or the end of the last failed one
	lastErr  error     // outcome of the last attempt
	inflight chan struct{}
}

// NewKeys returns the key set of the OpenID provider issuer, exactly as its
// tokens carry it: https, or http on a loopback host. Nothing is fetched
// yet. Once discovery has found the provider's jwks_uri, newKeys makes the
// cache of that JWKS, e.g.
//
//	func(jwksURL string) (*jwks.Cache, error) {
//		return jwks.New(jwksURL, jwks.KeyPolicy{Algorithms: algs})
//	}
func NewKeys(issuer string, newKeys func(jwksURL string) (*jwks.Cache, error), opts ...Option) (*Keys, error) {
	if err := checkURL(issuer); err != nil {
		return nil, fmt.Errorf("oidc: issuer: %w", err)
	}
	if u, _ := url.Parse(issuer); u.RawQuery != "" || u.ForceQuery {
		// Discovery §3: an issuer has no query or fragment.
		return nil, fmt.Errorf("oidc: issuer %q has a query", issuer)
	}
	if newKeys == nil {
		return nil, errors.New("oidc: no key cache constructor")
	}
	var cfg config
	for _, opt := range opts {
		opt(&cfg)
	}
	if cfg.timeout <= 0 {
		cfg.timeout = DefaultTimeout
	}
	if cfg.retryInterval <= 0 {
		cfg.retryInterval = DefaultRetryInterval
	}
	if cfg.now == nil {
		cfg.now = time.Now
	}
	if cfg.log == nil {
		cfg.log = slog.New(slog.DiscardHandler)
	}
	client := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	if cfg.client != nil {
		c := *cfg.client
		client = &c
	}
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &Keys{
		issuer: issuer,
		// Discovery §4: "/.well-known/openid-configuration" appended to
		// the issuer, a trailing slash of it removed first.
		configURL: strings.TrimSuffix(issuer, "/") + DiscoveryPath,
		newKeys:   newKeys,
		client:    client,
		cfg:       cfg,
		lastErr:   errors.New("discovery not run yet"),
	}, nil
}

// KeyRead returns the key named kid from the provider's JWKS, running
// discovery first if it has not succeeded yet and was not tried less than
// the retry interval ago. While there is no discovered JWKS, the error
// matches jwks.ErrUnavailable: the keys could not be had, which says
// nothing of the token. Once there is, the error is the jwks.Cache's.
func (k *Keys) KeyRead(ctx context.Context, kid string) (jwkset.JWK, error) {
	cache, err := k.discover(ctx, false)
	if err != nil {
		return jwkset.JWK{}, fmt.Errorf("%w: %w", jwks.ErrUnavailable, err)
	}
	return cache.KeyRead(ctx, kid)
}

// Refresh runs discovery now if it has not succeeded yet, or waits for the
// one running, then fetches the JWKS (jwks.Cache.Refresh), and returns the
// outcome. Call it at start-up so the first invocation finds the keys; its
// failure is not fatal, as KeyRead tries again.
func (k *Keys) Refresh(ctx context.Context) error {
	cache, err := k.discover(ctx, true)
	if err != nil {
		return err
	}
	return cache.Refresh(ctx)
}

// JWKSURL returns the provider's jwks_uri once discovery has found it, and
// "" until then.
func (k *Keys) JWKSURL() string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.jwksURL
}

// discover returns the key cache, running discovery unless it has
// succeeded, one is running (it waits for that one, within ctx) or one
// failed less than the retry interval ago (force skips that wait).
//
// The outcome is recorded whatever happens, a panic included, so that no
// later caller waits on an attempt that will never end. An attempt cut
// short by its caller's deadline is a failed one, and the retry interval
// runs from its end: a provider that hangs costs one bounded wait per retry
// interval, not one per request.
func (k *Keys) discover(ctx context.Context, force bool) (*jwks.Cache, error) {
	k.mu.Lock()
	if k.cache != nil {
		defer k.mu.Unlock()
		return k.cache, nil
	}
	if done := k.inflight; done != nil {
		k.mu.Unlock()
		select {
		case <-done:
		case <-ctx.Done():
			return nil, fmt.Errorf("oidc: waiting for the discovery of %q: %w", k.issuer, ctx.Err())
		}
		k.mu.Lock()
		defer k.mu.Unlock()
		return k.cache, k.lastErr
	}
	now := k.cfg.now()
	if !force && !k.triedAt.IsZero() && now.Sub(k.triedAt) < k.cfg.retryInterval {
		defer k.mu.Unlock()
		return nil, k.lastErr
	}
	done := make(chan struct{})
	k.inflight, k.triedAt = done, now
	k.mu.Unlock()

	var (
		cache   *jwks.Cache
		jwksURL string
		err     = fmt.Errorf("oidc: discovery of %q panicked", k.issuer)
	)
	defer func() {
		elapsed := k.cfg.now().Sub(now)
		outcome := "ok"
		switch {
		case err != nil && ctx.Err() != nil:
			outcome = "cut_short"
		case err != nil:
			outcome = "failed"
		}
		k.mu.Lock()
		k.lastErr = err
		if err == nil {
			k.cache, k.jwksURL = cache, jwksURL
		} else {
			k.triedAt = now.Add(elapsed)
		}
		k.inflight = nil
		close(done)
		k.mu.Unlock()

		attrs := []slog.Attr{
			slog.String("issuer", k.issuer), slog.String("jwks_uri", jwksURL),
			slog.String("outcome", outcome), slog.Int64("duration_ms", elapsed.Milliseconds()),
		}
		if err != nil {
			attrs = append(attrs, slog.String("error", err.Error()))
			k.cfg.log.LogAttrs(ctx, slog.LevelError, "OpenID discovery failed", attrs...)
			return
		}
		k.cfg.log.LogAttrs(ctx, slog.LevelInfo, "OpenID discovery done", attrs...)
	}()
	cache, jwksURL, err = k.run(ctx)
	return cache, err
}

// run fetches the discovery document and makes the cache of its jwks_uri.
func (k *Keys) run(ctx context.Context) (*jwks.Cache, string, error) {
	jwksURL, err := k.fetch(ctx)
	if err != nil {
		return nil, jwksURL, fmt.Errorf("oidc: discovery of %q: %w", k.issuer, err)
	}
	cache, err := k.newKeys(jwksURL)
	if err == nil && cache == nil {
		err = errors.New("no cache returned")
	}
	if err != nil {
		return nil, jwksURL, fmt.Errorf("oidc: key cache of %s: %w", jwksURL, err)
	}
	return cache, jwksURL, nil
}

// fetch reads the discovery document and returns its jwks_uri, once the
// document has shown to be the issuer's own.
func (k *Keys) fetch(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, k.cfg.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, k.configURL, nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := k.client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: status %d", k.configURL, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxDocumentSize+1))
	if err != nil {
		return "", fmt.Errorf("GET %s: %w", k.configURL, err)
	}
	if len(body) > MaxDocumentSize {
		return "", fmt.Errorf("GET %s: discovery document larger than %d bytes", k.configURL, MaxDocumentSize)
	}
	var doc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return "", fmt.Errorf("GET %s: discovery document is not a JSON object of strings: %w", k.configURL, err)
	}
	if doc.Issuer != k.issuer {
		// Discovery §4.3: a document naming another issuer is not this
		// issuer's, whatever URL served it; its keys must not be trusted
		// for this issuer's tokens.
		return "", fmt.Errorf("GET %s: the document's issuer is %.200q, want %q exactly", k.configURL, doc.Issuer, k.issuer)
	}
	if err := checkURL(doc.JWKSURI); err != nil {
		return "", fmt.Errorf("GET %s: jwks_uri: %w", k.configURL, err)
	}
	return doc.JWKSURI, nil
}

// checkURL accepts an absolute https URL, or http only where no network
// sits between the function and the server: a loopback host.
func checkURL(v string) error {
	u, err := url.Parse(v)
	if err != nil || u.Host == "" || u.User != nil || u.Fragment != "" || u.Opaque != "" {
		return fmt.Errorf("%.200q is not an absolute https URL", v)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		host := u.Hostname()
		if ip := net.ParseIP(host); host == "localhost" || ip != nil && ip.IsLoopback() {
			return nil
		}
		return fmt.Errorf("%.200q: plain http is allowed only for a loopback host; use https", v)
	default:
		return fmt.Errorf("%.200q is not an absolute https URL", v)
	}
}

// discovered returns the key cache, or an empty set before discovery.
func (k *Keys) discovered() jwkset.Storage {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.cache == nil {
		return jwkset.NewMemoryStorage()
	}
	return k.cache
}

// The rest of jwkset.Storage, as a jwks.Cache has it: keys are read by kid
// only and written only by a fetch; the set is shown public keys only, and
// is empty until discovery has succeeded.

// KeyReadAll refuses: keys are handed out by kid only, so that no caller
// bypasses KeyRead's discovery and refresh.
func (k *Keys) KeyReadAll(context.Context) ([]jwkset.JWK, error) {
	return nil, errors.New("oidc: keys are read by kid only")
}

// KeyDelete refuses: the set changes only by fetching.
func (k *Keys) KeyDelete(context.Context, string) (bool, error) { return false, errReadOnly }

// KeyWrite refuses: a key written by hand would skip the key policy.
func (k *Keys) KeyWrite(context.Context, jwkset.JWK) error { return errReadOnly }

// KeyReplaceAll refuses: the set changes only by fetching.
func (k *Keys) KeyReplaceAll(context.Context, []jwkset.JWK) error { return errReadOnly }

// JSON returns the cached set's public keys as a JWKS.
func (k *Keys) JSON(ctx context.Context) (json.RawMessage, error) {
	return k.discovered().JSONPublic(ctx)
}

// JSONPublic returns the cached set's public keys as a JWKS.
func (k *Keys) JSONPublic(ctx context.Context) (json.RawMessage, error) {
	return k.discovered().JSONPublic(ctx)
}

// JSONPrivate returns the public keys too: the set never holds private
// material.
func (k *Keys) JSONPrivate(ctx context.Context) (json.RawMessage, error) {
	return k.discovered().JSONPublic(ctx)
}

// JSONWithOptions returns the cached set as a JWKS with the given options.
func (k *Keys) JSONWithOptions(ctx context.Context, m jwkset.JWKMarshalOptions, v jwkset.JWKValidateOptions) (json.RawMessage, error) {
	m.Private = false
	return k.discovered().JSONWithOptions(ctx, m, v)
}

// Marshal returns the cached set's public keys.
func (k *Keys) Marshal(ctx context.Context) (jwkset.JWKSMarshal, error) {
	return k.discovered().MarshalWithOptions(ctx, jwkset.JWKMarshalOptions{}, jwkset.JWKValidateOptions{})
}

// MarshalWithOptions returns the cached set with the given options.
func (k *Keys) MarshalWithOptions(ctx context.Context, m jwkset.JWKMarshalOptions, v jwkset.JWKValidateOptions) (jwkset.JWKSMarshal, error) {
	m.Private = false
	return k.discovered().MarshalWithOptions(ctx, m, v)
}

var _ jwkset.Storage = (*Keys)(nil)

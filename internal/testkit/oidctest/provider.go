// Package oidctest plays an OpenID provider on this machine: a discovery
// document, a JWKS with an RSA key (RS256) and an EC P-256 key (ES256),
// both generated at start, served over HTTP on 127.0.0.1, and tokens signed
// with them.
//
// The tests of package oidc and the local tools point an OpenID issuer at
// it by its issuer URL and nothing else: discovery finds the keys as it
// would at a real provider.
package oidctest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// TokenLifetime is how long the tokens of Claims are valid.
const TokenLifetime = time.Hour

// The signing algorithms of the provider's two keys.
const (
	RS256 = "RS256"
	ES256 = "ES256"
)

// Option configures a Provider (New, Start).
type Option func(*Provider)

// WithIssuerPath puts the issuer at path below the server's base URL: "/"
// gives an issuer with a trailing slash, "/tenant-a/" one of a tenant. The
// default is the base URL itself, without a slash.
func WithIssuerPath(path string) Option { return func(p *Provider) { p.path = path } }

// WithGroupsClaim sets the claim Claims puts groups under (default
// "groups"), e.g. "roles" or "https://example.com/groups".
func WithGroupsClaim(name string) Option { return func(p *Provider) { p.groupsClaim = name } }

// signer is one signing key of the provider.
type signer struct {
	kid    string
	method jwt.SigningMethod
	key    any // *rsa.PrivateKey or *ecdsa.PrivateKey
}

// Provider is a local OpenID provider. It is safe for concurrent use.
type Provider struct {
	path        string
	groupsClaim string
	rsa         signer
	ec          signer

	mu        sync.Mutex
	base      string         // http://127.0.0.1:port, set by Serve
	overrides map[string]any // fields of the discovery document set by hand
	held      chan struct{}  // while not nil, requests wait for it to close

	down      atomic.Bool
	discovery atomic.Int64
	jwks      atomic.Int64
}

// New returns a provider with a fresh 2048-bit RSA key and a fresh P-256
// key; Serve gives it its URL.
func New(opts ...Option) (*Provider, error) {
	p := &Provider{groupsClaim: "groups"}
	for _, o := range opts {
		o(p)
	}
	if p.path != "" && !strings.HasPrefix(p.path, "/") {
		return nil, fmt.Errorf("oidctest: issuer path %q does not start with /", p.path)
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	p.rsa = signer{kid: "rsa-" + randomHex(8), method: jwt.SigningMethodRS256, key: rsaKey}
	p.ec = signer{kid: "ec-" + randomHex(8), method: jwt.SigningMethodES256, key: ecKey}
	return p, nil
}

// Serve serves the provider on 127.0.0.1 on a free port until ctx ends or
// the returned stop is called, and returns its issuer. A provider is served
// once.
func (p *Provider) Serve(ctx context.Context) (issuer string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	p.mu.Lock()
	if p.base != "" {
		p.mu.Unlock()
		ln.Close()
		return "", nil, errors.New("oidctest: provider already served")
	}
	p.base = "http://" + ln.Addr().String()
	p.mu.Unlock()
	srv := &http.Server{Handler: p, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		<-ctx.Done()
		srv.Close()
		close(done)
	}()
	stop = func() { cancel(); <-done }
	return p.Issuer(), stop, nil
}

// Issuer returns the provider's issuer, its iss claim: the base URL and the
// issuer path. It is empty until Serve.
func (p *Provider) Issuer() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.base == "" {
		return ""
	}
	return p.base + p.path
}

// root is the issuer without a trailing slash, below which the provider's
// paths are.
func (p *Provider) root() string { return strings.TrimSuffix(p.Issuer(), "/") }

// The provider's paths below root.
const (
	discoveryPath = "/.well-known/openid-configuration"
	jwksPath      = "/jwks"
)

// DiscoveryURL returns the URL of the discovery document.
func (p *Provider) DiscoveryURL() string { return p.root() + discoveryPath }

// JWKSURL returns the URL of the JWKS, the document's jwks_uri.
func (p *Provider) JWKSURL() string { return p.root() + jwksPath }

// KeyID returns the kid of the key that signs alg (RS256 or ES256), or "".
func (p *Provider) KeyID(alg string) string {
	if s, ok := p.signer(alg); ok {
		return s.kid
	}
	return ""
}

// SetDown makes the discovery document and the JWKS answer 503 Service
// Unavailable while down is true, as in an outage.
func (p *Provider) SetDown(down bool) { p.down.Store(down) }

// SetDocumentField sets a field of the discovery document, replacing the
// provider's own value (issuer, jwks_uri) or adding one; a nil value
// removes the field.
func (p *Provider) SetDocumentField(name string, value any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.overrides == nil {
		p.overrides = map[string]any{}
	}
	p.overrides[name] = value
}

// Hold makes requests for the discovery document and the JWKS wait until
// release is called (or the request is cancelled), so that a test can have
// several callers waiting on one request. Calling release again does
// nothing.
func (p *Provider) Hold() (release func()) {
	held := make(chan struct{})
	p.mu.Lock()
	p.held = held
	p.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			p.mu.Lock()
			if p.held == held {
				p.held = nil
			}
			p.mu.Unlock()
			close(held)
		})
	}
}

// DiscoveryRequests returns how many requests for the discovery document
// the provider has had, 503s included.
func (p *Provider) DiscoveryRequests() int64 { return p.discovery.Load() }

// JWKSRequests returns how many requests for the JWKS the provider has had,
// 503s included.
func (p *Provider) JWKSRequests() int64 { return p.jwks.Load() }

// Document returns the discovery document as the provider serves it.
func (p *Provider) Document() map[string]any {
	doc := map[string]any{
		"issuer":                                p.Issuer(),
		"jwks_uri":                              p.JWKSURL(),
		"authorization_endpoint":                p.root() + "/authorize",
		"token_endpoint":                        p.root() + "/token",
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{RS256, ES256},
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for k, v := range p.overrides {
		if v == nil {
			delete(doc, k)
			continue
		}
		doc[k] = v
	}
	return doc
}

// JWKS returns the provider's public keys as a JWKS.
func (p *Provider) JWKS() []byte {
	rsaPub := p.rsa.key.(*rsa.PrivateKey).PublicKey
	ecPub, err := p.ec.key.(*ecdsa.PrivateKey).PublicKey.Bytes()
	if err != nil {
		panic(err) // a P-256 key always encodes
	}
	// ecPub is the uncompressed point: 0x04, then X and Y of 32 bytes each.
	enc := base64.RawURLEncoding.EncodeToString
	set := map[string]any{"keys": []map[string]string{
		{
			"kty": "RSA", "use": "sig", "alg": RS256, "kid": p.rsa.kid,
			"n": enc(rsaPub.N.Bytes()), "e": enc(big.NewInt(int64(rsaPub.E)).Bytes()),
		},
		{
			"kty": "EC", "use": "sig", "alg": ES256, "kid": p.ec.kid, "crv": "P-256",
			"x": enc(ecPub[1:33]), "y": enc(ecPub[33:65]),
		},
	}}
	b, _ := json.Marshal(set)
	return b
}

// ServeHTTP serves the discovery document and the JWKS.
func (p *Provider) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	root := strings.TrimSuffix(p.path, "/")
	var body func() []byte
	switch r.URL.Path {
	case root + discoveryPath:
		p.discovery.Add(1)
		body = func() []byte { b, _ := json.Marshal(p.Document()); return b }
	case root + jwksPath:
		p.jwks.Add(1)
		body = p.JWKS
	default:
		http.NotFound(w, r)
		return
	}
	p.mu.Lock()
	held := p.held
	p.mu.Unlock()
	if held != nil {
		select {
		case <-held:
		case <-r.Context().Done():
			return
		}
	}
	if p.down.Load() {
		http.Error(w, "provider unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(body())
}

// Claims returns the claims of a token of the provider for sub and aud,
// issued at now and valid for TokenLifetime, with groups, if any, under the
// provider's groups claim.
func (p *Provider) Claims(sub, aud string, groups []string, now time.Time) map[string]any {
	c := map[string]any{
		"iss": p.Issuer(),
		"sub": sub,
		"aud": aud,
		"iat": now.Unix(),
		"exp": now.Add(TokenLifetime).Unix(),
		"jti": randomHex(16),
	}
	if len(groups) > 0 {
		c[p.groupsClaim] = groups
	}
	return c
}

// Token signs claims with the provider's key for alg (RS256 or ES256), its
// kid in the header.
func (p *Provider) Token(claims map[string]any, alg string) (string, error) {
	s, ok := p.signer(alg)
	if !ok {
		return "", fmt.Errorf("oidctest: no key for algorithm %q, want %s or %s", alg, RS256, ES256)
	}
	t := jwt.NewWithClaims(s.method, jwt.MapClaims(claims))
	t.Header["kid"] = s.kid
	return t.SignedString(s.key)
}

func (p *Provider) signer(alg string) (signer, bool) {
	switch alg {
	case RS256:
		return p.rsa, true
	case ES256:
		return p.ec, true
	}
	return signer{}, false
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}

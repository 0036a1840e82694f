// Package cognitotest plays an Amazon Cognito user pool on this machine: RSA
// signing keys, their JWKS over HTTP on 127.0.0.1, and ID and access tokens
// shaped like Cognito's (issuer, audience or client_id, token_use, sub,
// username, email, groups).
//
// The demo, the devtoken command and the tests point the authorizer at it
// with COGNITO_JWKS_URL and nothing else: the authorizer has no test-only
// trust path.
package cognitotest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/gatehouse-dev/cognito-authorizer/internal/cognito"
	"github.com/gatehouse-dev/cognito-authorizer/internal/verify"
)

// TokenLifetime is how long minted tokens are valid, as Cognito's default.
const TokenLifetime = time.Hour

// User is who a token is issued to.
type User struct {
	Sub      string
	Username string
	Email    string
	Groups   []string
	// Scopes of the access token; nil means Cognito's default
	// aws.cognito.signin.user.admin.
	Scopes []string
}

type key struct {
	id      string
	private *rsa.PrivateKey
}

// Pool is a local user pool. It is safe for concurrent use.
type Pool struct {
	// ID is the user pool id, e.g. eu-west-1_LocalPool.
	ID string
	// ClientID is the app client tokens are issued to.
	ClientID string
	// Issuer is the pool's issuer, https://cognito-idp.{region}.amazonaws.com/{ID}.
	Issuer string

	mu        sync.Mutex
	keys      []key                // the last one signs
	users     map[string]User      // by username, for the Cognito API
	signedOut map[string]time.Time // the last AdminUserGlobalSignOut of each
	down      atomic.Bool
}

// New returns a pool with one fresh 2048-bit signing key.
func New(userPoolID, clientID string) (*Pool, error) {
	issuers, err := cognito.Issuers(userPoolID)
	if err != nil {
		return nil, err
	}
	p := &Pool{ID: userPoolID, ClientID: clientID, Issuer: issuers[0]}
	if _, err := p.Rotate(); err != nil {
		return nil, err
	}
	return p, nil
}

// Rotate adds a new signing key, which signs from now on, and returns its
// kid. The old keys stay in the JWKS until RemoveKey.
func (p *Pool) Rotate() (string, error) {
	private, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return "", err
	}
	id := randomHex(16)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.keys = append(p.keys, key{id: id, private: private})
	return id, nil
}

// RemoveKey drops the key kid from the JWKS.
func (p *Pool) RemoveKey(kid string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, k := range p.keys {
		if k.id == kid {
			p.keys = append(p.keys[:i:i], p.keys[i+1:]...)
			return
		}
	}
}

// SigningKey returns the current signing key and its kid.
func (p *Pool) SigningKey() (*rsa.PrivateKey, string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	k := p.keys[len(p.keys)-1]
	return k.private, k.id
}

// JWKS returns the pool's public keys as Cognito publishes them.
func (p *Pool) JWKS() []byte {
	type jwk struct {
		Alg string `json:"alg"`
		E   string `json:"e"`
		Kid string `json:"kid"`
		Kty string `json:"kty"`
		N   string `json:"n"`
		Use string `json:"use"`
	}
	p.mu.Lock()
	set := struct {
		Keys []jwk `json:"keys"`
	}{Keys: make([]jwk, 0, len(p.keys))}
	for _, k := range p.keys {
		pub := k.private.PublicKey
		set.Keys = append(set.Keys, jwk{
			Alg: verify.Algorithm,
			E:   base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
			Kid: k.id,
			Kty: "RSA",
			N:   base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
			Use: "sig",
		})
	}
	p.mu.Unlock()
	b, _ := json.Marshal(set)
	return b
}

// SetDown makes the JWKS answer 503 Service Unavailable while down is true,
// as in an outage.
func (p *Pool) SetDown(down bool) { p.down.Store(down) }

// AddUser makes u a user of the pool, for the Cognito API ServeHTTP
// answers. Tokens can be minted for anyone; only the API needs to know
// users.
func (p *Pool) AddUser(u User) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.users == nil {
		p.users = map[string]User{}
	}
	p.users[u.Username] = u
}

// SignedOut returns when the user (by name) was last signed out
// everywhere through the API (AdminUserGlobalSignOut, by name or sub), and
// whether they were.
func (p *Pool) SignedOut(username string) (time.Time, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	t, ok := p.signedOut[username]
	return t, ok
}

// ServeHTTP serves the JWKS at /{ID}/.well-known/jwks.json, as Cognito
// does, and, at /, the one operation of Cognito's API the sample's
// sign-out calls, AdminUserGlobalSignOut (point the SDK at it with
// AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER). Signing a user out records
// it (SignedOut); the pool's tokens carry on verifying, as Cognito's do for
// anyone who checks them with the JWKS.
func (p *Pool) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if target := r.Header.Get("X-Amz-Target"); r.Method == http.MethodPost && target != "" {
		p.serveAPI(w, r, target)
		return
	}
	if p.down.Load() {
		http.Error(w, "JWKS unavailable", http.StatusServiceUnavailable)
		return
	}
	if r.URL.Path != p.JWKSPath() {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(p.JWKS())
}

// serveAPI answers one request of Cognito's JSON API.
func (p *Pool) serveAPI(w http.ResponseWriter, r *http.Request, target string) {
	fail := func(status int, typ, msg string) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]string{"__type": typ, "message": msg})
	}
	if target != "AWSCognitoIdentityProviderService.AdminUserGlobalSignOut" {
		fail(http.StatusBadRequest, "UnknownOperationException", target+" is not served by cognitotest")
		return
	}
	var in struct{ UserPoolId, Username string }
	if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&in); err != nil {
		fail(http.StatusBadRequest, "SerializationException", err.Error())
		return
	}
	p.mu.Lock()
	// Cognito takes the user's name, or an alias such as their sub.
	u, known := p.users[in.Username]
	for _, v := range p.users {
		if !known && v.Sub == in.Username {
			u, known = v, true
		}
	}
	if known && in.UserPoolId == p.ID {
		if p.signedOut == nil {
			p.signedOut = map[string]time.Time{}
		}
		p.signedOut[u.Username] = time.Now()
	}
	p.mu.Unlock()
	switch {
	case in.UserPoolId != p.ID:
		fail(http.StatusBadRequest, "ResourceNotFoundException", "User pool "+in.UserPoolId+" does not exist.")
	case !known:
		fail(http.StatusBadRequest, "UserNotFoundException", "User does not exist.")
	default:
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.Write([]byte("{}"))
	}
}

// JWKSPath is the path of the JWKS on the pool's server.
func (p *Pool) JWKSPath() string { return "/" + p.ID + "/.well-known/jwks.json" }

// Serve serves the JWKS on 127.0.0.1 on a free port until ctx ends or the
// returned stop is called, and returns its URL.
func (p *Pool) Serve(ctx context.Context) (jwksURL string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
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
	return "http://" + ln.Addr().String() + p.JWKSPath(), stop, nil
}

// IDClaims returns the claims of an ID token for u, issued at now.
func (p *Pool) IDClaims(u User, now time.Time) jwt.MapClaims {
	c := p.common(u, now)
	c["token_use"] = string(cognito.IDToken)
	c["aud"] = p.ClientID
	c["cognito:username"] = u.Username
	if u.Email != "" {
		c["email"] = u.Email
		c["email_verified"] = true
	}
	return c
}

// AccessClaims returns the claims of an access token for u, issued at now.
func (p *Pool) AccessClaims(u User, now time.Time) jwt.MapClaims {
	c := p.common(u, now)
	c["token_use"] = string(cognito.AccessToken)
	c["client_id"] = p.ClientID
	c["username"] = u.Username
	scope := "aws.cognito.signin.user.admin"
	if u.Scopes != nil {
		scope = strings.Join(u.Scopes, " ")
	}
	c["scope"] = scope
	return c
}

// MachineClaims returns the claims of an access token Cognito issues to a
// machine client by the client credentials grant, issued at now: the
// client's own id is its sub and client_id; it has scopes (custom ones of
// a resource server) but no user: no username, no groups, no origin_jti.
func (p *Pool) MachineClaims(clientID string, scopes []string, now time.Time) jwt.MapClaims {
	return jwt.MapClaims{
		"sub":       clientID,
		"client_id": clientID,
		"token_use": string(cognito.AccessToken),
		"scope":     strings.Join(scopes, " "),
		"iss":       p.Issuer,
		"iat":       now.Unix(),
		"auth_time": now.Unix(),
		"exp":       now.Add(TokenLifetime).Unix(),
		"jti":       randomUUID(),
		"version":   2,
	}
}

func (p *Pool) common(u User, now time.Time) jwt.MapClaims {
	c := jwt.MapClaims{
		"sub":        u.Sub,
		"iss":        p.Issuer,
		"iat":        now.Unix(),
		"auth_time":  now.Unix(),
		"exp":        now.Add(TokenLifetime).Unix(),
		"jti":        randomUUID(),
		"origin_jti": randomUUID(),
		"event_id":   randomUUID(),
	}
	if len(u.Groups) > 0 {
		c["cognito:groups"] = u.Groups
	}
	return c
}

// IDToken mints an ID token for u, valid from now for TokenLifetime.
func (p *Pool) IDToken(u User, now time.Time) (string, error) {
	return p.Sign(p.IDClaims(u, now))
}

// AccessToken mints an access token for u, valid from now for TokenLifetime.
func (p *Pool) AccessToken(u User, now time.Time) (string, error) {
	return p.Sign(p.AccessClaims(u, now))
}

// SignIn mints the ID and access tokens of one sign-in of u at now, as
// Cognito answers one: both tokens share origin_jti, event_id and
// auth_time (a sign-out of the session refuses both).
func (p *Pool) SignIn(u User, now time.Time) (id, access string, err error) {
	idClaims, accessClaims := p.IDClaims(u, now), p.AccessClaims(u, now)
	for _, k := range []string{"origin_jti", "event_id", "auth_time"} {
		accessClaims[k] = idClaims[k]
	}
	if id, err = p.Sign(idClaims); err != nil {
		return "", "", err
	}
	if access, err = p.Sign(accessClaims); err != nil {
		return "", "", err
	}
	return id, access, nil
}

// Sign signs claims with the current key, as Cognito does: RS256 and the
// key's kid in the header.
func (p *Pool) Sign(claims jwt.Claims) (string, error) {
	private, kid := p.SigningKey()
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	t.Header["kid"] = kid
	delete(t.Header, "typ") // Cognito's headers carry kid and alg only.
	return t.SignedString(private)
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}

func randomUUID() string {
	h := randomHex(16)
	return fmt.Sprintf("%s-%s-4%s-a%s-%s", h[0:8], h[8:12], h[13:16], h[17:20], h[20:32])
}

package cognitotest

import (
	"net/http/httptest"
	"testing"
)

// Start returns a new pool, userPoolID, issuing tokens to clientID, whose
// JWKS is served on 127.0.0.1 until the test ends, and the JWKS's URL.
func Start(tb testing.TB, userPoolID, clientID string) (pool *Pool, jwksURL string) {
	tb.Helper()
	pool, err := New(userPoolID, clientID)
	if err != nil {
		tb.Fatal(err)
	}
	srv := httptest.NewServer(pool)
	tb.Cleanup(srv.Close)
	return pool, srv.URL + pool.JWKSPath()
}

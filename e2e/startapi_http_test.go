package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/cognito-authorizer/internal/apispec"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/stacktest"
)

// letThrough fails the test unless the HTTP API let r through to its
// integration, the authorizer's answer had as src, and the integration
// answered status.
func letThrough(t *testing.T, what string, r reply, status int, src string) {
	t.Helper()
	if r.entry.ErrorType != "" || r.entry.Authorizer != src || r.status != status {
		t.Errorf("%s = %s, want it let through (authorizer %s) and, from the endpoint, %d", what, r, src, status)
	}
}

// gwRefused fails the test unless the HTTP API answered r itself with status
// and API Gateway's {"message": msg}.
func gwRefused(t *testing.T, what string, r reply, status int, msg, src string) {
	t.Helper()
	if r.status != status || r.body != `{"message":"`+msg+`"}` || r.entry.Authorizer != src {
		t.Errorf("%s = %s, want %d {\"message\":%q} (authorizer %s)", what, r, status, msg, src)
	}
}

// TestStartAPIHTTPJourney runs the sample stack behind an HTTP API
// (make start-api API=http), the authorizer answering simple responses,
// cached per token, route, method and path: alice adds a note and lists
// it, bob is refused POST /add-note, a bad token and no token get 401,
// and a cached answer is replayed on the same request only.
func TestStartAPIHTTPJourney(t *testing.T) {
	api := startLocalAPI(t, stacktest.Options{API: stacktest.APIHTTP, CacheTTL: apispec.DefaultCacheTTLSeconds * time.Second})
	alice, bob, carol := api.Users["alice"], api.Users["bob"], api.Users["carol"]

	gwRefused(t, "GET /nowhere", api.call(t, "GET", "/nowhere", alice.IDToken, ""), 404, "Not Found", "")
	// No header: 401 without invoking the authorizer.
	r := api.call(t, "GET", "/notes", "", "")
	gwRefused(t, "GET /notes without a token", r, 401, "Unauthorized", "refused")
	if r.header.Get("WWW-Authenticate") != "" {
		t.Errorf("an HTTP API's 401 has no gateway responses, got WWW-Authenticate %q", r.header.Get("WWW-Authenticate"))
	}
	// No validation expression on an HTTP API: the authorizer says 401.
	gwRefused(t, "GET /notes with a bad token", api.call(t, "GET", "/notes", "not-a-jwt", ""), 401, "Unauthorized", "invoked")

	// bob, no group: refused POST /add-note, from the cache the second time.
	gwRefused(t, "bob POST /add-note", api.call(t, "POST", "/add-note", bob.IDToken, `{"note":"x"}`), 403, "Forbidden", "invoked")
	gwRefused(t, "bob POST /add-note again", api.call(t, "POST", "/add-note", bob.IDToken, `{"note":"x"}`), 403, "Forbidden", "cache")
	// His refusal is not replayed on another route.
	letThrough(t, "bob GET /notes", api.call(t, "GET", "/notes", bob.IDToken, ""), 200, "invoked")

	// alice writes and lists; each route asks the authorizer once.
	letThrough(t, "alice POST /add-note", api.call(t, "POST", "/add-note", alice.IDToken, `{"note":"Bring home milk"}`), 201, "invoked")
	r = api.call(t, "GET", "/notes", alice.IDToken, "")
	letThrough(t, "alice GET /notes (another route: not the cached answer)", r, 200, "invoked")
	if !strings.Contains(r.body, "Bring home milk") {
		t.Errorf("alice GET /notes = %s, want her note", r)
	}
	letThrough(t, "alice GET /notes again", api.call(t, "GET", "/notes", alice.IDToken, ""), 200, "cache")
	letThrough(t, "alice GET /notes?limit=1 (same route and path)", api.call(t, "GET", "/notes?limit=1", alice.IDToken, ""), 200, "cache")

	// A bind rule: the path is in the key, so alice's Allow for her own
	// notes is not replayed for carol's.
	letThrough(t, "alice GET her notes", api.call(t, "GET", "/users/"+alice.Sub+"/notes", alice.IDToken, ""), 200, "invoked")
	gwRefused(t, "alice GET carol's notes", api.call(t, "GET", "/users/"+carol.Sub+"/notes", alice.IDToken, ""), 403, "Forbidden", "invoked")
	r = api.call(t, "GET", "/users/"+alice.Sub+"/notes", carol.AccessToken, "")
	letThrough(t, "carol, admin, GET alice's notes", r, 200, "invoked")
	if !strings.Contains(r.body, "Bring home milk") {
		t.Errorf("carol GET alice's notes = %s, want alice's note", r)
	}

	// Past the TTL the authorizer is asked again.
	api.clock.Add(apispec.DefaultCacheTTLSeconds*time.Second + time.Second)
	gwRefused(t, "bob POST /add-note after the TTL", api.call(t, "POST", "/add-note", bob.IDToken, `{"note":"x"}`), 403, "Forbidden", "invoked")
	api.HTTPGateway.FlushAuthorizerCache()
	letThrough(t, "alice GET /notes after a flush", api.call(t, "GET", "/notes", alice.IDToken, ""), 200, "invoked")
}

// TestStartAPIHTTPIAM: with HTTP_API_RESPONSE=iam the cache key is the
// header alone, and the cached policy is evaluated against each request's
// routeArn, as on the REST API.
func TestStartAPIHTTPIAM(t *testing.T) {
	api := startLocalAPI(t, stacktest.Options{API: stacktest.APIHTTP, HTTPAPIResponse: settings.HTTPAPIIAM,
		CacheTTL: apispec.DefaultCacheTTLSeconds * time.Second})
	alice, bob := api.Users["alice"], api.Users["bob"]
	gwRefused(t, "bob POST /add-note", api.call(t, "POST", "/add-note", bob.IDToken, `{"note":"x"}`), 403, "Forbidden", "invoked")
	r := api.call(t, "GET", "/notes", bob.IDToken, "")
	letThrough(t, "bob GET /notes from the cached policy", r, 200, "cache")
	if r.entry.Principal != bob.Sub {
		t.Errorf("bob GET /notes: principal %q, want %s", r.entry.Principal, bob.Sub)
	}
	letThrough(t, "bob GET his notes", api.call(t, "GET", "/users/"+bob.Sub+"/notes", bob.IDToken, ""), 200, "cache")
	gwRefused(t, "bob GET alice's notes", api.call(t, "GET", "/users/"+alice.Sub+"/notes", bob.IDToken, ""), 403, "Forbidden", "cache")
	gwRefused(t, "no header", api.call(t, "GET", "/notes", "", ""), 401, "Unauthorized", "refused")
	gwRefused(t, "a bad token", api.call(t, "GET", "/notes", "not-a-jwt", ""), 401, "Unauthorized", "invoked")
	letThrough(t, "alice POST /add-note", api.call(t, "POST", "/add-note", alice.IDToken, `{"note":"Water the plants"}`), 201, "invoked")
}

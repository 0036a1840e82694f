package e2e

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-dev/cognito-authorizer/internal/apispec"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/apigwtest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/clocktest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/lambdatest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/mototest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/stacktest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/testenv"
)

// localAPI is the sample stack under make start-api's local API Gateway,
// with a clock for the authorizer cache that the test moves.
type localAPI struct {
	*stacktest.Stack
	clock *clocktest.Clock

	mu      sync.Mutex
	entries []apigwtest.Entry
	fnLogs  *lambdatest.Output
}

// startLocalAPI starts the stack with opts (the clock and the request
// observer are the test's), stopped when the test ends.
func startLocalAPI(t *testing.T, opts stacktest.Options) *localAPI {
	t.Helper()
	api := &localAPI{clock: clocktest.New(time.Now()), fnLogs: &lambdatest.Output{}}
	opts.Now = api.clock.Now
	opts.OnRequest = func(e apigwtest.Entry) { api.mu.Lock(); api.entries = append(api.entries, e); api.mu.Unlock() }
	opts.Functions = api.fnLogs
	stack, err := stacktest.Start(t.Context(), opts)
	if err != nil {
		t.Fatalf("stacktest.Start() = %v", err)
	}
	api.Stack = stack
	t.Cleanup(func() {
		if err := stack.Close(); err != nil {
			t.Errorf("stopping the stack: %v", err)
		}
		if t.Failed() {
			t.Logf("the functions' logs:\n%s", api.fnLogs)
		}
	})
	return api
}

// reply is what a client got, and what the local API says of it.
type reply struct {
	status int
	header http.Header
	body   string
	entry  apigwtest.Entry
}

func (r reply) String() string {
	return fmt.Sprintf("%d %s (authorizer %s, %s)", r.status, strings.TrimSpace(r.body), r.entry.Authorizer, r.entry.ErrorType)
}

// call sends one request with the bearer token (none when empty).
func (a *localAPI) call(t *testing.T, method, path, token, body string) reply {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, a.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a.mu.Lock()
	defer a.mu.Unlock()
	return reply{resp.StatusCode, resp.Header, string(b), a.entries[len(a.entries)-1]}
}

// want fails the test unless r has the status and, when set, came from the
// authorizer answer src ("cache", "invoked", "refused").
func want(t *testing.T, what string, r reply, status int, src string) {
	t.Helper()
	if r.status != status || (src != "" && r.entry.Authorizer != src) {
		t.Errorf("%s = %s, want %d (authorizer %s)", what, r, status, src)
	}
}

// TestStartAPIJourney runs the sample stack as make start-api does, with
// the tables in memory and, when moto_server is installed, in moto, and
// walks the journey of the issue: bob refused one route and allowed the
// others from the cached answer, signing out, and the sign-out taking
// effect as the caches allow.
func TestStartAPIJourney(t *testing.T) {
	for _, tables := range []string{"memory", "moto"} {
		t.Run(tables, func(t *testing.T) {
			if tables == "moto" {
				mototest.IsolateAWS(t)
			}
			opts := stacktest.Options{CacheTTL: apispec.DefaultCacheTTLSeconds * time.Second, RevocationCacheTTL: "1s"}
			if tables == "moto" {
				opts.DynamoDBEndpoint = mototest.Start(t)
			}
			api := startLocalAPI(t, opts)
			alice, bob, carol := api.Users["alice"], api.Users["bob"], api.Users["carol"]

			// API Gateway's own answers: no route, no token, not a JWT.
			if r := api.call(t, "GET", "/nowhere", alice.IDToken, ""); r.status != 403 || r.body != `{"message":"Missing Authentication Token"}` {
				t.Errorf("GET /nowhere = %s, want 403 Missing Authentication Token", r)
			}
			r := api.call(t, "GET", "/notes", "", "")
			want(t, "GET /notes without a token", r, 401, "refused")
			if r.header.Get("WWW-Authenticate") != "Bearer" {
				t.Errorf("401 headers %v, want WWW-Authenticate: Bearer", r.header)
			}
			want(t, "GET /notes with a bad token", api.call(t, "GET", "/notes", "not-a-jwt", ""), 401, "refused")

			// alice writes; carol, an admin, reads alice's notes; alice may
			// not read carol's.
			want(t, "alice POST /add-note", api.call(t, "POST", "/add-note", alice.IDToken, `{"note":"Bring home milk"}`), 201, "invoked")
			r = api.call(t, "GET", "/notes", alice.IDToken, "")
			want(t, "alice GET /notes", r, 200, "cache")
			if !strings.Contains(r.body, "Bring home milk") {
				t.Errorf("alice GET /notes = %s, want her note", r)
			}
			r = api.call(t, "GET", "/users/"+alice.Sub+"/notes", carol.AccessToken, "")
			want(t, "carol GET alice's notes", r, 200, "invoked")
			if !strings.Contains(r.body, "Bring home milk") {
				t.Errorf("carol GET alice's notes = %s, want alice's note", r)
			}
			want(t, "alice GET carol's notes", api.call(t, "GET", "/users/"+carol.Sub+"/notes", alice.IDToken, ""), 403, "cache")

			// bob: refused POST /add-note, then allowed GET /notes and
			// POST /sign-out by the same cached answer.
			want(t, "bob POST /add-note", api.call(t, "POST", "/add-note", bob.IDToken, `{"note":"x"}`), 403, "invoked")
			want(t, "bob GET /notes inside the TTL", api.call(t, "GET", "/notes", bob.IDToken, ""), 200, "cache")
			want(t, "bob GET his own notes inside the TTL", api.call(t, "GET", "/users/"+bob.Sub+"/notes", bob.IDToken, ""), 200, "cache")
			want(t, "bob POST /sign-out inside the TTL", api.call(t, "POST", "/sign-out", bob.IDToken, ""), 204, "cache")

			// Signed out: the cached Allow outlives the sign-out until the
			// TTL ends; then the authorizer refuses the session.
			want(t, "bob GET /notes after signing out, inside the TTL", api.call(t, "GET", "/notes", bob.IDToken, ""), 200, "cache")
			api.clock.Add(apispec.DefaultCacheTTLSeconds*time.Second + time.Second)
			time.Sleep(1100 * time.Millisecond) // the authorizer's REVOCATION_CACHE_TTL
			want(t, "bob GET /notes after the caches expire", api.call(t, "GET", "/notes", bob.IDToken, ""), 401, "invoked")
			// The access token of the same session is refused too.
			want(t, "bob's access token of the same session", api.call(t, "GET", "/notes", bob.AccessToken, ""), 401, "invoked")
			// alice's session is not bob's.
			want(t, "alice GET /notes after bob signed out", api.call(t, "GET", "/notes", alice.IDToken, ""), 200, "invoked")

			// carol signs out everywhere: Cognito revokes her refresh
			// tokens, and every token of hers issued until then is refused.
			want(t, "carol POST /sign-out everywhere", api.call(t, "POST", "/sign-out", carol.IDToken, `{"everywhere": true}`), 204, "invoked")
			if _, ok := api.Pool.SignedOut("carol"); !ok {
				t.Errorf("carol signed out everywhere, but the pool's AdminUserGlobalSignOut was not called for her")
			}
			api.clock.Add(apispec.DefaultCacheTTLSeconds*time.Second + time.Second)
			time.Sleep(1100 * time.Millisecond)
			want(t, "carol's access token after signing out everywhere", api.call(t, "GET", "/notes", carol.AccessToken, ""), 401, "invoked")
		})
	}
}

// TestStartAPISignOutAtOnce: with the flush on, a sign-out empties API
// Gateway's cache and the authorizer caches no "not revoked" answer, so the
// session is refused at the next request; with the cache off too.
func TestStartAPISignOutAtOnce(t *testing.T) {
	for _, ttl := range []time.Duration{apispec.DefaultCacheTTLSeconds * time.Second, 0} {
		t.Run(fmt.Sprintf("cache %v", ttl), func(t *testing.T) {
			api := startLocalAPI(t, stacktest.Options{CacheTTL: ttl, FlushOnSignOut: true})
			bob := api.Users["bob"]
			want(t, "bob GET /notes", api.call(t, "GET", "/notes", bob.IDToken, ""), 200, "invoked")
			src := "cache"
			if ttl == 0 {
				src = "invoked"
			}
			want(t, "bob POST /sign-out", api.call(t, "POST", "/sign-out", bob.IDToken, ""), 204, src)
			want(t, "bob GET /notes right after signing out", api.call(t, "GET", "/notes", bob.IDToken, ""), 401, "invoked")
		})
	}
}

// TestWholeAnswerReplay replays every answer through the local API on
// every route, as API Gateway's cache does: for each user, token and
// route that triggers the authorizer, every other request made inside the
// TTL must get what it gets from an authorizer asked afresh. The answer is
// a function of the token and the rules alone, context included.
func TestWholeAnswerReplay(t *testing.T) {
	api := startLocalAPI(t, stacktest.Options{CacheTTL: apispec.DefaultCacheTTLSeconds * time.Second})
	type request struct{ method, path, body string }
	requests := func(self, other string) []request {
		// Bodies that each endpoint refuses after reading the caller (400),
		// so that the replay writes nothing and a missing context shows as
		// the endpoint's 401.
		return []request{
			{"POST", "/add-note", `{"note": ""}`},
			{"GET", "/notes", ""},
			{"GET", "/notes?limit=1", ""},
			{"GET", "/users/" + self + "/notes", ""},
			{"GET", "/users/" + other + "/notes", ""},
			{"POST", "/sign-out", `{"everywhere": "yes"}`},
			{"GET", "/nowhere", ""},
			{"DELETE", "/notes", ""},
		}
	}
	for _, name := range []string{"alice", "bob", "carol"} {
		u := api.Users[name]
		other := api.Users["alice"].Sub
		if name == "alice" {
			other = api.Users["bob"].Sub
		}
		for kind, token := range map[string]string{"id": u.IDToken, "access": u.AccessToken} {
			reqs := requests(u.Sub, other)
			// What each request gets from an authorizer asked afresh.
			fresh := make([]reply, len(reqs))
			for i, q := range reqs {
				api.Gateway.FlushAuthorizerCache()
				fresh[i] = api.call(t, q.method, q.path, token, q.body)
			}
			for _, trigger := range reqs {
				api.Gateway.FlushAuthorizerCache()
				first := api.call(t, trigger.method, trigger.path, token, trigger.body)
				for i, q := range reqs {
					got := api.call(t, q.method, q.path, token, q.body)
					what := fmt.Sprintf("%s's %s token: %s %s after %s %s (%s)", name, kind, q.method, q.path, trigger.method, trigger.path, first)
					if got.status != fresh[i].status || got.body != fresh[i].body {
						t.Errorf("%s = %s, want %s as from a fresh answer", what, got, fresh[i])
					}
					if fresh[i].entry.Route != "" && got.entry.Authorizer != "cache" && first.entry.Authorizer == "invoked" {
						t.Errorf("%s: authorizer %s, want the cached answer", what, got.entry.Authorizer)
					}
				}
			}
		}
	}
	// The fresh answers themselves: the rules as the sample states them.
	aliceID := api.Users["alice"].IDToken
	for _, tt := range []struct {
		method, path, token string
		status              int
	}{
		{"POST", "/add-note", api.Users["bob"].IDToken, 403},
		{"GET", "/users/" + api.Users["bob"].Sub + "/notes", aliceID, 403},
		{"GET", "/users/" + api.Users["alice"].Sub + "/notes", api.Users["carol"].IDToken, 200},
		{"POST", "/sign-out", aliceID, 400},
	} {
		body := ""
		if tt.method == "POST" {
			body = `{"everywhere": "yes", "note": ""}`
		}
		api.Gateway.FlushAuthorizerCache()
		if r := api.call(t, tt.method, tt.path, tt.token, body); r.status != tt.status {
			t.Errorf("%s %s = %s, want %d", tt.method, tt.path, r, tt.status)
		}
	}
}

// TestREADMEStartAPI runs the README's Try it block as a user would: start-api in a directory of its own (on a free port, tables in
// memory), then each curl line, whose status must be the one its comment
// gives.
func TestREADMEStartAPI(t *testing.T) {
	curl := testenv.LookPath(t, "curl", "apt-get install curl")
	block := readmeBlock(t, "## Try it")
	dir := t.TempDir()
	bin := filepath.Join(dir, "start-api")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/start-api").CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/start-api: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()

	// From the repository's root, as make start-api runs it, writing where
	// the README's commands, run in dir, find the tokens.
	cmd := exec.Command(bin, "-dir", filepath.Join(dir, ".local", "start-api"))
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), "PORT="+port, "TABLES=memory", "AUTHORIZER_CACHE_TTL=", "FLUSH_AUTHORIZER_CACHE_ON_SIGN_OUT=")
	stdout := &readyWriter{ready: make(chan string, 1)}
	cmd.Stdout = stdout
	stderr := &lambdatest.Output{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("start-api after Ctrl-C: %v\n%s", err, stderr)
			}
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			t.Errorf("start-api did not stop within 10 s of Ctrl-C")
		}
	})
	select {
	case url := <-stdout.ready:
		if url != "http://127.0.0.1:"+port {
			t.Fatalf("ready: %s, want http://127.0.0.1:%s", url, port)
		}
	case <-time.After(3 * time.Minute):
		t.Fatalf("start-api printed no ready line within 3 minutes:\n%s", stderr)
	}

	// One command per line once continuations are joined; each curl line
	// ends with "# <status>: ...".
	commands := strings.Split(strings.ReplaceAll(block, "\\\n", ""), "\n")
	statusComment := regexp.MustCompile(`#\s*(\d{3})\b`)
	ran := 0
	for _, c := range commands {
		c = strings.TrimSpace(c)
		if !strings.HasPrefix(c, "curl ") {
			continue
		}
		m := statusComment.FindStringSubmatch(c)
		if m == nil {
			t.Errorf("README line %q gives no status in its comment", c)
			continue
		}
		line := strings.Replace(strings.Replace(c, "curl ", curl+" -sS ", 1), "127.0.0.1:3000", "127.0.0.1:"+port, 1)
		sh := exec.Command("bash", "-c", line)
		sh.Dir = dir
		out, err := sh.CombinedOutput()
		if err != nil {
			t.Errorf("%s: %v\n%s", c, err, out)
			continue
		}
		first, _, _ := strings.Cut(string(out), "\n")
		if !strings.Contains(first, " "+m[1]) {
			t.Errorf("%s\n  answered %s, want %s", c, strings.TrimSpace(first), m[1])
		}
		ran++
	}
	if want := strings.Count(block, "\ncurl "); ran != want || ran == 0 {
		t.Errorf("ran %d curl lines of the README's block, want its %d", ran, want)
	}
}

// readyWriter takes start-api's stdout and sends the URL of its "ready:"
// line on ready, once.
type readyWriter struct {
	mu    sync.Mutex
	buf   []byte
	sent  bool
	ready chan string
}

func (w *readyWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	for !w.sent {
		line, rest, ok := strings.Cut(string(w.buf), "\n")
		if !ok {
			break
		}
		w.buf = []byte(rest)
		if url, ok := strings.CutPrefix(line, "ready: "); ok {
			w.sent = true
			w.ready <- url
		}
	}
	return len(p), nil
}

package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/gatehouse-dev/cognito-authorizer/internal/authorizer"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/apigwtest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/cognitotest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/emftest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/lambdatest"
)

const (
	poolID   = "eu-west-1_AbC123xyz"
	clientID = "4fr8n6nrk1v2example1q2w3e4"
)

var alice = cognitotest.User{Sub: "alice-sub", Username: "alice", Email: "alice@example.com", Groups: []string{"staff"}}

func TestRunRejectsBadConfiguration(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"nothing set", nil, []string{settings.EnvUserPoolID + ": required", settings.EnvClientIDs + ": required"}},
		{"bad pool id", map[string]string{settings.EnvUserPoolID: "pool", settings.EnvClientIDs: clientID}, []string{settings.EnvUserPoolID + `: "pool" is not a user pool id`}},
		{"bad log level", map[string]string{settings.EnvUserPoolID: poolID, settings.EnvClientIDs: clientID, settings.EnvLogLevel: "loud"}, []string{settings.EnvLogLevel + `: "loud" is not a log level`}},
		{"issuers and a pool", map[string]string{settings.EnvUserPoolID: poolID, settings.EnvClientIDs: clientID,
			settings.EnvIssuers: `[{"cognito": {"userPoolId": "` + poolID + `", "clientIds": ["` + clientID + `"]}}]`}, []string{settings.EnvIssuers + ": "}},
		{"an issuer's null", map[string]string{settings.EnvIssuers: `[{"oidc": {"issuer": "https://idp.example.com/", "audiences": null}}]`}, []string{settings.EnvIssuers + ": entry 0 (oidc): audiences"}},
		{"AWS's namespace", map[string]string{settings.EnvUserPoolID: poolID, settings.EnvClientIDs: clientID, settings.EnvMetricsNamespace: "AWS/Lambda"}, []string{settings.EnvMetricsNamespace + `: "AWS/Lambda"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := run(context.Background(), lookupEnv(tt.env), io.Discard)
			if err == nil {
				t.Fatal("run() = nil error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("run() = %q, want it to contain %q", err, w)
				}
			}
		})
	}
}

// lookupEnv is os.LookupEnv over env.
func lookupEnv(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}
}

// binary is cmd/authorizer built once for this machine, as Lambda runs it.
var binary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "authorizer-bin")
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	return lambdatest.Build(ctx, ".", dir)
})

func TestMain(m *testing.M) {
	code := m.Run()
	if path, err := binary(); err == nil {
		os.RemoveAll(strings.TrimSuffix(path, "/bootstrap"))
	}
	os.Exit(code)
}

// start runs the real binary through the Lambda Runtime API with env.
func start(t testing.TB, env map[string]string) (*lambdatest.Function, *lambdatest.Output) {
	t.Helper()
	path, err := binary()
	if err != nil {
		t.Fatal(err)
	}
	return lambdatest.Start(t, path, env)
}

func eventFile(t testing.TB, name, token string) []byte {
	t.Helper()
	return apigwtest.Event(t, filepath.Join("..", "..", "events", name), token)
}

func invoke(t testing.TB, fn *lambdatest.Function, ev []byte) lambdatest.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := fn.Invoke(ctx, ev)
	if err != nil {
		t.Fatalf("Invoke() = %v", err)
	}
	return res
}

func TestBinaryAnswersEvents(t *testing.T) {
	pool, jwksURL := cognitotest.Start(t, poolID, clientID)
	fn, out := start(t, map[string]string{
		settings.EnvUserPoolID: poolID, settings.EnvClientIDs: clientID,
		settings.EnvJWKSURL: jwksURL, settings.EnvRequiredGroups: "staff",
	})
	id, err := pool.IDToken(alice, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	access, err := pool.AccessToken(alice, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	expired, err := pool.IDToken(alice, time.Now().Add(-2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	outsider, err := pool.IDToken(cognitotest.User{Sub: "bob-sub", Username: "bob"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name, file, token string
		want              string // Allow, Deny or the error message
	}{
		{"TOKEN event, ID token", "token.json", id, "Allow"},
		{"TOKEN event, access token", "token.json", access, "Allow"},
		{"REQUEST event", "request.json", id, "Allow"},
		{"expired", "token.json", expired, "Unauthorized"},
		{"tampered", "token.json", id[:len(id)-4] + "AAAA", "Unauthorized"},
		{"not in the group", "token.json", outsider, "Deny"},
		{"no token", "token.json", "", "Unauthorized"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := invoke(t, fn, eventFile(t, tt.file, tt.token))
			if res.Error != nil {
				if res.Error.Message != tt.want {
					t.Fatalf("error %q, want %s", res.Error.Message, tt.want)
				}
				return
			}
			var resp events.APIGatewayCustomAuthorizerResponse
			if err := json.Unmarshal(res.Payload, &resp); err != nil {
				t.Fatal(err)
			}
			if got := resp.PolicyDocument.Statement[0].Effect; got != tt.want {
				t.Fatalf("effect %s, want %s: %s", got, tt.want, res.Payload)
			}
			if tt.want == "Allow" && (resp.PrincipalID != alice.Sub || resp.Context["username"] != alice.Username) {
				t.Errorf("answer %s, want principal %s and username %s in context", res.Payload, alice.Sub, alice.Username)
			}
		})
	}
	// The log reaches out through a pipe: wait for the last line.
	for deadline := time.Now().Add(5 * time.Second); strings.Count(out.String(), `"authorizer decision"`) < len(tests) && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	checkLogLines(t, out.String(), len(tests))
}

func TestBinaryStopsOnBadConfiguration(t *testing.T) {
	fn, out := start(t, map[string]string{settings.EnvClientIDs: clientID})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := fn.Invoke(ctx, eventFile(t, "token.json", "x"))
	if !errors.Is(err, lambdatest.ErrInitFailed) {
		t.Fatalf("Invoke() = %v, want %v", err, lambdatest.ErrInitFailed)
	}
	if !strings.Contains(err.Error(), settings.EnvUserPoolID+": required") {
		t.Errorf("Invoke() = %q, want it to name %s", err, settings.EnvUserPoolID)
	}
	if err := fn.Wait(ctx); err == nil || ctx.Err() != nil {
		t.Errorf("Wait() = %v, want the process to have exited", err)
	}
	if !strings.Contains(out.String(), `"level":"ERROR","msg":"configuration error: function not started"`) {
		t.Errorf("output has no JSON configuration error line:\n%s", out)
	}
}

func TestBinaryRecoversFromJWKSOutageAtColdStart(t *testing.T) {
	pool, jwksURL := cognitotest.Start(t, poolID, clientID)
	pool.SetDown(true)
	fn, out := start(t, map[string]string{
		settings.EnvUserPoolID: poolID, settings.EnvClientIDs: clientID,
		settings.EnvJWKSURL: jwksURL, settings.EnvJWKSTimeout: "500ms",
	})
	id, err := pool.IDToken(alice, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	ev := eventFile(t, "token.json", id)
	res := invoke(t, fn, ev)
	if res.Error == nil || res.Error.Message == "Unauthorized" {
		t.Fatalf("answer during outage = %s %v, want an error other than Unauthorized", res.Payload, res.Error)
	}
	pool.SetDown(false)
	deadline := time.Now().Add(5 * time.Second)
	for {
		res = invoke(t, fn, ev)
		if res.Error == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("still %v 5s after the JWKS came back", res.Error)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.Contains(out.String(), `"msg":"JWKS fetch failed"`) {
		t.Errorf("no JWKS outage in the logs")
	}
}

// checkLogLines checks the binary's log: JSON lines that Lambda's log-level
// filter reads (an RFC 3339 timestamp and one of Lambda's levels), exactly
// one decision line per invocation, and no second line for an error the
// handler returned.
func checkLogLines(t *testing.T, log string, invocations int) {
	t.Helper()
	decisions := 0
	for _, raw := range strings.Split(strings.TrimSpace(log), "\n") {
		var line map[string]any
		if err := json.Unmarshal([]byte(raw), &line); err != nil {
			t.Errorf("log line %q is not JSON", raw)
			continue
		}
		ts, _ := line["timestamp"].(string)
		if _, err := time.Parse(time.RFC3339Nano, ts); err != nil {
			t.Errorf("log line %s: timestamp %q is not RFC 3339", raw, ts)
		}
		switch line["level"] {
		case "DEBUG", "INFO", "WARN", "ERROR":
		default:
			t.Errorf("log line %s: level %v is not one of Lambda's", raw, line["level"])
		}
		if strings.Contains(raw, "errorMessage") {
			t.Errorf("log line %s repeats a returned error", raw)
		}
		if line["msg"] == "authorizer decision" {
			decisions++
		}
	}
	if decisions != invocations {
		t.Errorf("%d decision lines for %d invocations:\n%s", decisions, invocations, log)
	}
}

// TestBinaryAnswersBeforeTheDeadline: with a JWKS server that accepts and
// never answers, the default JWKS_TIMEOUT (3s) and 2 s invocations, every
// invocation gets the outage answer before its deadline, and only the first
// of those within the retry interval waits at all.
func TestBinaryAnswersBeforeTheDeadline(t *testing.T) {
	hang := make(chan struct{})
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(hang); srv.Close() })
	// The start-up fetch is cut at JWKS_TIMEOUT and counts as the first
	// failed try. In Lambda the init phase has its own time: wait for it
	// (the "authorizer started" line) before the invocations' deadlines
	// start.
	fn, out := start(t, map[string]string{
		settings.EnvUserPoolID: poolID, settings.EnvClientIDs: clientID,
		settings.EnvJWKSURL: srv.URL + "/jwks.json", settings.EnvJWKSTimeout: "3s",
	})
	pool, err := cognitotest.New(poolID, clientID)
	if err != nil {
		t.Fatal(err)
	}
	id, err := pool.IDToken(alice, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for limit := time.Now().Add(10 * time.Second); !strings.Contains(out.String(), "authorizer started"); {
		if time.Now().After(limit) {
			t.Fatalf("the function did not start:\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(time.Second) // past the retry interval: the first invocation fetches
	const deadline = 2 * time.Second
	for i := range 3 {
		// The function gets a 2 s deadline; the test waits longer, so that
		// a late answer is seen as late, not as none. On a machine this
		// loaded, one late by a few milliseconds is the scheduler's; the
		// function's own clock (its decision line) must be within the
		// deadline.
		ctx, cancel := context.WithTimeout(context.Background(), deadline+5*time.Second)
		start := time.Now()
		res, err := fn.Invoke(lambdatest.WithDeadline(ctx, start.Add(deadline)), eventFile(t, "token.json", id))
		elapsed := time.Since(start)
		if err != nil {
			cancel()
			t.Fatalf("invocation %d: no answer: %v", i, err)
		}
		if res.Error == nil || res.Error.Message == "Unauthorized" {
			cancel()
			t.Fatalf("invocation %d = %s %v, want the outage answer", i, res.Payload, res.Error)
		}
		line, err := out.Line(ctx, res.RequestID)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		took, _ := line["duration_ms"].(float64)
		if took <= 0 || took >= float64((deadline-authorizer.AnswerMargin/2).Milliseconds()) {
			t.Errorf("invocation %d took %v ms by its own clock, want less than the %v deadline minus half the answer margin", i, took, deadline)
		}
		if elapsed > deadline+time.Second {
			t.Errorf("invocation %d answered after %v, a second past its %v deadline", i, elapsed, deadline)
		}
		t.Logf("invocation %d answered in %v (%v ms by its clock)", i, elapsed.Round(time.Millisecond), took)
	}
	// One at start-up, one by the first invocation; the others fall in the
	// retry interval, which runs from the end of the failed fetch.
	if got := requests.Load(); got > 2 {
		t.Errorf("%d JWKS requests for start-up and 3 invocations, want 2", got)
	}
}

// TestBinaryLogsMetrics: the real binary's decision line carries its
// metrics in CloudWatch's Embedded Metric Format, in the default namespace
// when METRICS_NAMESPACE is unset, in another when it names one, and none
// when it is set to the empty string. The keys fetched at start are no
// invocation's.
func TestBinaryLogsMetrics(t *testing.T) {
	pool, jwksURL := cognitotest.Start(t, poolID, clientID)
	id, err := pool.IDToken(alice, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		namespace *string // nil: unset
		want      string  // the namespace; empty: no metrics
	}{
		{"unset", nil, settings.DefaultMetricsNamespace},
		{"set", ptr("Acme/Authorizer"), "Acme/Authorizer"},
		{"empty", ptr(""), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{settings.EnvUserPoolID: poolID, settings.EnvClientIDs: clientID, settings.EnvJWKSURL: jwksURL}
			if tt.namespace != nil {
				env[settings.EnvMetricsNamespace] = *tt.namespace
			}
			fn, out := start(t, env)
			for i, token := range []string{id, ""} {
				res := invoke(t, fn, eventFile(t, "token.json", token))
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				_, err := out.Line(ctx, res.RequestID)
				cancel()
				if err != nil {
					t.Fatal(err)
				}
				raw := decisionLine(t, out.String(), res.RequestID)
				doc, err := emftest.Parse(raw)
				if tt.want == "" {
					if err == nil || strings.Contains(string(raw), settings.MetricDecisions) {
						t.Errorf("with %s empty the line carries metrics: %s", settings.EnvMetricsNamespace, raw)
					}
					continue
				}
				if err != nil {
					t.Fatalf("invocation %d: the line is not valid EMF: %v\n%s", i, err, raw)
				}
				if len(doc.Directives) != 1 || doc.Directives[0].Namespace != tt.want {
					t.Errorf("directives %+v, want one in namespace %s", doc.Directives, tt.want)
				}
				if _, ok := doc.Members[settings.MetricJWKSFetches]; ok {
					t.Errorf("invocation %d counts the keys fetched at start: %s", i, raw)
				}
				wantOutcome, wantReason := "allow", "none"
				if token == "" {
					wantOutcome, wantReason = "unauthorized", "no_token"
				}
				if doc.Members[settings.DimensionOutcome] != wantOutcome || doc.Members[settings.DimensionReason] != wantReason || doc.Members[settings.MetricDecisions] != json.Number("1") {
					t.Errorf("invocation %d: %s", i, raw)
				}
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// decisionLine is the raw decision line of requestID in log.
func decisionLine(t *testing.T, log, requestID string) []byte {
	t.Helper()
	for _, raw := range strings.Split(log, "\n") {
		var line map[string]any
		if json.Unmarshal([]byte(raw), &line) == nil && line["request_id"] == requestID && line["msg"] == "authorizer decision" {
			return []byte(raw)
		}
	}
	t.Fatalf("no decision line of %s in:\n%s", requestID, log)
	return nil
}

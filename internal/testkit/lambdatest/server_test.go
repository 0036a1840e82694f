package lambdatest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// waitLimit bounds every wait in these tests, so that a bug fails a test
// instead of hanging it.
const waitLimit = 5 * time.Second

// blockedFor is how long a call must stay blocked for the tests to take it
// as blocked.
const blockedFor = 200 * time.Millisecond

const (
	pathNext      = "/2018-06-01/runtime/invocation/next"
	pathInitError = "/2018-06-01/runtime/init/error"
)

func answerPath(id, kind string) string {
	return "/2018-06-01/runtime/invocation/" + id + "/" + kind
}

type invokeReturn struct {
	res Result
	err error
}

// invokeAsync runs invoke in a goroutine; receive collects what it returned.
func invokeAsync(ctx context.Context, invoke func(context.Context, []byte) (Result, error), payload string) <-chan invokeReturn {
	ch := make(chan invokeReturn, 1)
	go func() {
		res, err := invoke(ctx, []byte(payload))
		ch <- invokeReturn{res, err}
	}()
	return ch
}

func receive[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(waitLimit):
		t.Fatalf("%s did not return within %v", what, waitLimit)
		panic("unreachable")
	}
}

func assertBlocked[T any](t testing.TB, ch <-chan T, what string) {
	t.Helper()
	select {
	case v := <-ch:
		t.Fatalf("%s returned %+v, want it to block", what, v)
	case <-time.After(blockedFor):
	}
}

func newTestServer(t testing.TB) *Server {
	t.Helper()
	s, err := NewServer()
	if err != nil {
		t.Fatalf("NewServer() = %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close() = %v", err)
		}
	})
	return s
}

// runtimeClient makes the HTTP calls a bootstrap makes, by hand.
type runtimeClient struct {
	addr string
	http *http.Client
}

func newRuntimeClient(t testing.TB, addr string) *runtimeClient {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &runtimeClient{addr: addr, http: &http.Client{Transport: tr, Timeout: waitLimit}}
}

// event is one answer of /next.
type event struct {
	status int
	header http.Header
	body   []byte
	err    error
}

func (c *runtimeClient) fetchNext() event {
	resp, err := c.http.Get("http://" + c.addr + pathNext)
	if err != nil {
		return event{err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return event{status: resp.StatusCode, header: resp.Header, body: body, err: err}
}

func (c *runtimeClient) nextAsync() <-chan event {
	ch := make(chan event, 1)
	go func() { ch <- c.fetchNext() }()
	return ch
}

// next waits for the next event and fails the test unless it is a 200.
func (c *runtimeClient) next(t testing.TB) event {
	t.Helper()
	ev := receive(t, c.nextAsync(), "GET "+pathNext)
	if ev.err != nil || ev.status != http.StatusOK {
		t.Fatalf("GET %s = %d, %v, want 200", pathNext, ev.status, ev.err)
	}
	return ev
}

func (c *runtimeClient) post(t testing.TB, path string, body []byte, header http.Header) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, "http://"+c.addr+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.http.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	respBody, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("POST %s: reading the answer: %v", path, err)
	}
	return resp.StatusCode, respBody
}

// answer posts body to the event's response or error endpoint and fails the
// test unless the server accepts it.
func (c *runtimeClient) answer(t testing.TB, ev event, kind string, body []byte, header http.Header) {
	t.Helper()
	path := answerPath(ev.header.Get(headerRequestID), kind)
	if status, got := c.post(t, path, body, header); status != http.StatusAccepted {
		t.Fatalf("POST %s = %d %s, want 202", path, status, got)
	}
}

// apiError decodes an error answer of the Runtime API.
func apiError(t testing.TB, body []byte) FunctionError {
	t.Helper()
	var fe FunctionError
	if err := json.Unmarshal(body, &fe); err != nil {
		t.Fatalf("error answer %q is not JSON: %v", body, err)
	}
	return fe
}

func TestServerInvoke(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		kind   string // response or error
		body   string
		header http.Header
		want   Result
	}{
		{
			name: "response",
			kind: "response",
			body: `{"isAuthorized":true}`,
			want: Result{Payload: []byte(`{"isAuthorized":true}`)},
		},
		{
			name: "error in Lambda's format",
			kind: "error",
			body: `{"errorMessage":"bad input","errorType":"validationError","stackTrace":[]}`,
			want: Result{Error: &FunctionError{Message: "bad input", Type: "validationError", StackTrace: json.RawMessage(`[]`)}},
		},
		{
			name:   "error type from the header when the body is not JSON",
			kind:   "error",
			body:   "it broke",
			header: http.Header{headerErrorType: {"Runtime.Crash"}},
			want:   Result{Error: &FunctionError{Message: "it broke", Type: "Runtime.Crash"}},
		},
		{
			name: "error without a type",
			kind: "error",
			body: `{"errorMessage":"no type"}`,
			want: Result{Error: &FunctionError{Message: "no type", Type: "Unhandled"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t)
			c := newRuntimeClient(t, s.Addr())
			ctx, cancel := context.WithTimeout(t.Context(), waitLimit)
			defer cancel()
			deadline, _ := ctx.Deadline()
			const payload = `{"type":"TOKEN","authorizationToken":"x"}`

			done := invokeAsync(ctx, s.Invoke, payload)
			ev := c.next(t)
			if got := string(ev.body); got != payload {
				t.Errorf("event body = %s, want %s", got, payload)
			}
			wantHeaders := map[string]string{
				headerDeadline:    strconv.FormatInt(deadline.UnixMilli(), 10),
				headerFunctionARN: "arn:aws:lambda:us-east-1:123456789012:function:function",
				"Content-Type":    "application/json",
			}
			for k, want := range wantHeaders {
				if got := ev.header.Get(k); got != want {
					t.Errorf("header %s = %q, want %q", k, got, want)
				}
			}
			if got := ev.header.Get(headerTraceID); !strings.HasPrefix(got, "Root=1-") {
				t.Errorf("header %s = %q, want an X-Ray trace header", headerTraceID, got)
			}
			id := ev.header.Get(headerRequestID)
			if len(id) != 36 {
				t.Errorf("header %s = %q, want a UUID", headerRequestID, id)
			}

			c.answer(t, ev, tt.kind, []byte(tt.body), tt.header)
			got := receive(t, done, "Invoke")
			if got.err != nil {
				t.Fatalf("Invoke() = %v", got.err)
			}
			want := tt.want
			want.RequestID = id
			if !reflect.DeepEqual(got.res, want) {
				t.Errorf("Invoke() = %s, want %s", fmtResult(got.res), fmtResult(want))
			}
		})
	}
}

func fmtResult(r Result) string {
	if r.Error != nil {
		return fmt.Sprintf("{RequestID:%s Payload:%q Error:%+v}", r.RequestID, r.Payload, *r.Error)
	}
	return fmt.Sprintf("{RequestID:%s Payload:%q Error:nil}", r.RequestID, r.Payload)
}

func TestServerDefaultDeadline(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	c := newRuntimeClient(t, s.Addr())

	start := time.Now()
	done := invokeAsync(context.Background(), s.Invoke, `{}`)
	ev := c.next(t)
	ms, err := strconv.ParseInt(ev.header.Get(headerDeadline), 10, 64)
	if err != nil {
		t.Fatalf("header %s: %v", headerDeadline, err)
	}
	if got, want := time.UnixMilli(ms), start.Add(DefaultTimeout); got.Before(want.Add(-time.Second)) || got.After(want.Add(time.Second)) {
		t.Errorf("deadline = %v, want about %v", got, want)
	}
	c.answer(t, ev, "response", []byte(`null`), nil)
	if got := receive(t, done, "Invoke"); got.err != nil {
		t.Errorf("Invoke() = %v", got.err)
	}
}

// TestServerSequential checks that queued events are handed out one at a
// time, each after the previous one is answered, and that every Invoke gets
// its own answer.
func TestServerSequential(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	c := newRuntimeClient(t, s.Addr())
	ctx, cancel := context.WithTimeout(t.Context(), waitLimit)
	defer cancel()

	const n = 3
	var invokes []<-chan invokeReturn
	for i := range n {
		invokes = append(invokes, invokeAsync(ctx, s.Invoke, fmt.Sprintf(`{"n":%d}`, i)))
	}

	ids := make(map[string]bool)
	pending := c.nextAsync()
	for i := range n {
		ev := receive(t, pending, "GET "+pathNext)
		if ev.err != nil || ev.status != http.StatusOK {
			t.Fatalf("GET %s = %d, %v, want 200", pathNext, ev.status, ev.err)
		}
		id := ev.header.Get(headerRequestID)
		if ids[id] {
			t.Fatalf("request id %s handed out twice", id)
		}
		ids[id] = true
		if i < n-1 {
			pending = c.nextAsync()
			assertBlocked(t, pending, "GET /next while an event is in flight")
		}
		c.answer(t, ev, "response", ev.body, nil)
	}

	for i, ch := range invokes {
		got := receive(t, ch, "Invoke")
		if got.err != nil {
			t.Fatalf("Invoke(%d) = %v", i, got.err)
		}
		if want := fmt.Sprintf(`{"n":%d}`, i); string(got.res.Payload) != want {
			t.Errorf("Invoke(%d).Payload = %s, want %s", i, got.res.Payload, want)
		}
		if !ids[got.res.RequestID] {
			t.Errorf("Invoke(%d).RequestID = %q, not one handed out", i, got.res.RequestID)
		}
		delete(ids, got.res.RequestID)
	}
}

func TestServerUnknownRequestID(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{"response", "error"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t)
			c := newRuntimeClient(t, s.Addr())
			ctx, cancel := context.WithTimeout(t.Context(), waitLimit)
			defer cancel()

			done := invokeAsync(ctx, s.Invoke, `{}`)
			ev := c.next(t)
			id := ev.header.Get(headerRequestID)

			postUnknown := func(path string) {
				t.Helper()
				status, body := c.post(t, path, []byte(`{}`), nil)
				if status != http.StatusBadRequest {
					t.Fatalf("POST %s = %d %s, want 400", path, status, body)
				}
				if fe := apiError(t, body); fe.Type != "InvalidRequestID" {
					t.Errorf("POST %s: errorType = %q, want InvalidRequestID", path, fe.Type)
				}
			}
			postUnknown(answerPath("no-such-id", kind))
			assertBlocked(t, done, "Invoke after an answer for another id")

			c.answer(t, ev, kind, []byte(`{"errorMessage":"x","errorType":"y"}`), nil)
			if got := receive(t, done, "Invoke"); got.err != nil || got.res.RequestID != id {
				t.Fatalf("Invoke() = %s, %v, want an answer for %s", fmtResult(got.res), got.err, id)
			}
			postUnknown(answerPath(id, kind)) // already answered
		})
	}
}

func TestServerUnknownPath(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	c := newRuntimeClient(t, s.Addr())
	// aws-lambda-go registers an extension here when asked to enable SIGTERM;
	// a 404 makes it log a warning and carry on.
	status, body := c.post(t, "/2020-01-01/extension/register", []byte(`{}`), nil)
	if status != http.StatusNotFound {
		t.Errorf("POST /2020-01-01/extension/register = %d %s, want 404", status, body)
	}
}

func TestServerClose(t *testing.T) {
	t.Parallel()
	t.Run("queued invoke", func(t *testing.T) {
		t.Parallel()
		s := newTestServer(t)
		done := invokeAsync(t.Context(), s.Invoke, `{}`)
		assertBlocked(t, done, "Invoke with no runtime")
		if err := s.Close(); err != nil {
			t.Fatalf("Close() = %v", err)
		}
		if got := receive(t, done, "Invoke"); !errors.Is(got.err, ErrClosed) {
			t.Errorf("Invoke() after Close = %v, want ErrClosed", got.err)
		}
	})
	t.Run("invoke in flight", func(t *testing.T) {
		t.Parallel()
		s := newTestServer(t)
		c := newRuntimeClient(t, s.Addr())
		done := invokeAsync(t.Context(), s.Invoke, `{}`)
		c.next(t)
		if err := s.Close(); err != nil {
			t.Fatalf("Close() = %v", err)
		}
		if got := receive(t, done, "Invoke"); !errors.Is(got.err, ErrClosed) {
			t.Errorf("Invoke() after Close = %v, want ErrClosed", got.err)
		}
	})
	t.Run("pending next", func(t *testing.T) {
		t.Parallel()
		s := newTestServer(t)
		c := newRuntimeClient(t, s.Addr())
		pending := c.nextAsync()
		assertBlocked(t, pending, "GET /next with no event")
		if err := s.Close(); err != nil {
			t.Fatalf("Close() = %v", err)
		}
		if ev := receive(t, pending, "GET /next"); ev.err == nil && ev.status == http.StatusOK {
			t.Errorf("GET /next after Close = 200 %s, want an error", ev.body)
		}
	})
	t.Run("after close", func(t *testing.T) {
		t.Parallel()
		s := newTestServer(t)
		for i := range 2 {
			if err := s.Close(); err != nil {
				t.Fatalf("Close() #%d = %v", i+1, err)
			}
		}
		if _, err := s.Invoke(t.Context(), []byte(`{}`)); !errors.Is(err, ErrClosed) {
			t.Errorf("Invoke() after Close = %v, want ErrClosed", err)
		}
	})
}

func TestServerInvokeContext(t *testing.T) {
	t.Parallel()
	t.Run("canceled while queued", func(t *testing.T) {
		t.Parallel()
		s := newTestServer(t)
		c := newRuntimeClient(t, s.Addr())
		ctx, cancel := context.WithCancel(t.Context())
		done := invokeAsync(ctx, s.Invoke, `{"withdrawn":true}`)
		assertBlocked(t, done, "Invoke with no runtime")
		cancel()
		if got := receive(t, done, "Invoke"); !errors.Is(got.err, context.Canceled) {
			t.Fatalf("Invoke() after cancel = %v, want context.Canceled", got.err)
		}

		// The withdrawn event must never reach the function.
		done = invokeAsync(t.Context(), s.Invoke, `{"next":true}`)
		ev := c.next(t)
		if got := string(ev.body); got != `{"next":true}` {
			t.Errorf("event after a withdrawn one = %s, want {\"next\":true}", got)
		}
		c.answer(t, ev, "response", []byte(`1`), nil)
		receive(t, done, "Invoke")
	})
	t.Run("ended while in flight", func(t *testing.T) {
		t.Parallel()
		s := newTestServer(t)
		c := newRuntimeClient(t, s.Addr())
		ctx, cancel := context.WithCancel(t.Context())
		done := invokeAsync(ctx, s.Invoke, `{}`)
		late := c.next(t)
		cancel()
		if got := receive(t, done, "Invoke"); !errors.Is(got.err, context.Canceled) {
			t.Fatalf("Invoke() canceled in flight = %v, want context.Canceled", got.err)
		}

		// The function is still busy with the late event: the next one
		// waits for its answer, which is accepted and dropped.
		done = invokeAsync(t.Context(), s.Invoke, `{"second":true}`)
		pending := c.nextAsync()
		assertBlocked(t, pending, "GET /next while an abandoned event is in flight")
		c.answer(t, late, "response", []byte(`"late"`), nil)
		ev := receive(t, pending, "GET /next")
		if ev.err != nil || string(ev.body) != `{"second":true}` {
			t.Fatalf("GET /next = %s, %v, want the second event", ev.body, ev.err)
		}
		c.answer(t, ev, "response", []byte(`"second"`), nil)
		if got := receive(t, done, "Invoke"); got.err != nil || string(got.res.Payload) != `"second"` {
			t.Errorf("Invoke() = %s, %v, want \"second\"", fmtResult(got.res), got.err)
		}
	})
}

func TestServerInitError(t *testing.T) {
	t.Parallel()
	t.Run("before next", func(t *testing.T) {
		t.Parallel()
		s := newTestServer(t)
		c := newRuntimeClient(t, s.Addr())
		queued := invokeAsync(t.Context(), s.Invoke, `{}`)
		assertBlocked(t, queued, "Invoke with no runtime")

		want := FunctionError{Message: "USER_POOL_ID is required", Type: "Runtime.ConfigurationError"}
		body, _ := json.Marshal(want)
		if status, got := c.post(t, pathInitError, body, nil); status != http.StatusAccepted {
			t.Fatalf("POST %s = %d %s, want 202", pathInitError, status, got)
		}
		if got := s.InitError(); got == nil || !reflect.DeepEqual(*got, want) {
			t.Errorf("InitError() = %v, want %+v", got, want)
		}

		check := func(err error) {
			t.Helper()
			var fe *FunctionError
			if !errors.Is(err, ErrInitFailed) || !errors.As(err, &fe) || fe.Message != want.Message {
				t.Errorf("Invoke() = %v, want ErrInitFailed with %q", err, want.Message)
			}
		}
		check(receive(t, queued, "queued Invoke").err)
		_, err := s.Invoke(t.Context(), []byte(`{}`))
		check(err)
	})
	t.Run("after next", func(t *testing.T) {
		t.Parallel()
		s := newTestServer(t)
		c := newRuntimeClient(t, s.Addr())
		assertBlocked(t, c.nextAsync(), "GET /next with no event")
		status, body := c.post(t, pathInitError, []byte(`{"errorMessage":"late","errorType":"x"}`), nil)
		if status != http.StatusForbidden || apiError(t, body).Type != "InvalidStateTransition" {
			t.Errorf("POST %s after /next = %d %s, want 403 InvalidStateTransition", pathInitError, status, body)
		}
		if got := s.InitError(); got != nil {
			t.Errorf("InitError() = %v, want nil", got)
		}
	})
}

func TestServerPayloadLimits(t *testing.T) {
	t.Parallel()
	t.Run("event too large", func(t *testing.T) {
		t.Parallel()
		s := newTestServer(t)
		big := `"` + strings.Repeat("x", MaxPayloadSize) + `"`
		if _, err := s.Invoke(t.Context(), []byte(big)); !errors.Is(err, ErrPayloadTooLarge) {
			t.Errorf("Invoke(%d bytes) = %v, want ErrPayloadTooLarge", len(big), err)
		}
	})
	t.Run("event not JSON", func(t *testing.T) {
		t.Parallel()
		s := newTestServer(t)
		if _, err := s.Invoke(t.Context(), []byte(`{`)); err == nil {
			t.Error("Invoke(`{`) = nil error, want one")
		}
	})
	t.Run("response too large", func(t *testing.T) {
		t.Parallel()
		s := newTestServer(t)
		c := newRuntimeClient(t, s.Addr())
		done := invokeAsync(t.Context(), s.Invoke, `{}`)
		ev := c.next(t)
		path := answerPath(ev.header.Get(headerRequestID), "response")
		status, body := c.post(t, path, bytes.Repeat([]byte("x"), MaxPayloadSize+1), nil)
		if status != http.StatusRequestEntityTooLarge {
			t.Errorf("POST %s with %d bytes = %d %s, want 413", path, MaxPayloadSize+1, status, body)
		}
		got := receive(t, done, "Invoke")
		if got.err != nil || got.res.Error == nil || got.res.Error.Type != "Function.ResponseSizeTooLarge" || got.res.Payload != nil {
			t.Errorf("Invoke() = %s, %v, want a Function.ResponseSizeTooLarge error", fmtResult(got.res), got.err)
		}
	})
}

package lambdatest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// MaxPayloadSize is the largest event, response or error body, in bytes, that
// the server accepts: Lambda's 6 MB limit for synchronous invocations.
const MaxPayloadSize = 6 << 20

// DefaultTimeout is the deadline given to an invocation whose context has
// none, so that an Invoke never waits forever.
const DefaultTimeout = 30 * time.Second

// Errors that Invoke and Wait return; one error can match several of them.
var (
	// ErrClosed means the server was closed before the function answered.
	ErrClosed = errors.New("runtime API server closed")
	// ErrInitFailed means the function posted an init error. The error also
	// wraps the *FunctionError it posted.
	ErrInitFailed = errors.New("function init failed")
	// ErrExited means the function's process has exited. The error also
	// wraps the exit status, an *exec.ExitError when the process ran.
	ErrExited = errors.New("function exited")
	// ErrPayloadTooLarge means an event is larger than MaxPayloadSize.
	ErrPayloadTooLarge = errors.New("payload too large")
)

// errAborted tells Function.Invoke that its process exited while it waited.
var errAborted = errors.New("invocation aborted")

// Header and error type names of the Runtime API, as aws-lambda-go and the
// Lambda service spell them.
const (
	headerRequestID   = "Lambda-Runtime-Aws-Request-Id"
	headerDeadline    = "Lambda-Runtime-Deadline-Ms"
	headerFunctionARN = "Lambda-Runtime-Invoked-Function-Arn"
	headerTraceID     = "Lambda-Runtime-Trace-Id"
	headerErrorType   = "Lambda-Runtime-Function-Error-Type"
	// trailerErrorBody carries the base64 JSON error that aws-lambda-go
	// sends as a trailer when a streamed response fails part way.
	trailerErrorBody = "Lambda-Runtime-Function-Error-Body"

	errorTypeUnhandled    = "Unhandled"
	errorTypeResponseSize = "Function.ResponseSizeTooLarge"
)

// shutdownTimeout bounds how long Close waits for handlers to return.
const shutdownTimeout = 2 * time.Second

// Result is the function's answer to one event: exactly one of Payload and
// Error is set.
type Result struct {
	// RequestID is the id the event was delivered with.
	RequestID string
	// Payload is the response body exactly as the function posted it;
	// aws-lambda-go posts JSON unless the handler returns an io.Reader.
	Payload []byte
	// Error is the error the function reported for this event, a returned
	// error or a recovered panic.
	Error *FunctionError
}

// FunctionError is an error reported by a function, in Lambda's error format.
type FunctionError struct {
	// Message is the errorMessage field.
	Message string `json:"errorMessage"`
	// Type is the errorType field; aws-lambda-go sets it to the name of the
	// error's Go type, and to the panic value's type for a panic.
	Type string `json:"errorType"`
	// StackTrace is the stackTrace field as posted, if any; aws-lambda-go
	// sends one for panics.
	StackTrace json.RawMessage `json:"stackTrace,omitempty"`
}

// Error returns the error's type and message.
func (e *FunctionError) Error() string {
	if e.Type == "" {
		return e.Message
	}
	return e.Type + ": " + e.Message
}

// invocation is one queued event and the channel its answer arrives on.
type invocation struct {
	id       string
	payload  []byte
	deadline time.Time
	done     chan outcome // buffered: the handler that completes it never blocks
}

// outcome is what Invoke returns for an invocation.
type outcome struct {
	result Result
	err    error
}

// Server is a local Lambda Runtime API, listening on 127.0.0.1. It serves
// one execution environment: events are handed to the function one at a
// time, in the order they were queued. Its methods are safe for concurrent
// use.
type Server struct {
	listener    net.Listener
	http        *http.Server
	functionARN string

	// queue is unbuffered, so an event is queued for exactly as long as its
	// Invoke waits, and one whose context ends is never delivered.
	queue chan *invocation
	// idle holds a token while no event is in flight; /next takes it.
	idle       chan struct{}
	closed     chan struct{}
	initFailed chan struct{}
	serveDone  chan struct{}
	serveErr   error // set before serveDone is closed

	closeOnce sync.Once
	closeErr  error

	mu       sync.Mutex
	inflight *invocation
	started  bool // the runtime has asked for its first event
	initErr  *FunctionError
}

// NewServer starts a Runtime API server on a free port of 127.0.0.1. Events
// name the function arn:aws:lambda:us-east-1:123456789012:function:function.
// Call Close when done with it.
func NewServer() (*Server, error) {
	return newServer(functionARN(defaultRegion, defaultFunctionName))
}

func newServer(arn string) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listening for the runtime API: %w", err)
	}
	s := &Server{
		listener:    ln,
		functionARN: arn,
		queue:       make(chan *invocation),
		idle:        make(chan struct{}, 1),
		closed:      make(chan struct{}),
		initFailed:  make(chan struct{}),
		serveDone:   make(chan struct{}),
	}
	s.idle <- struct{}{}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", s.handleNext)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", s.handleResponse)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", s.handleError)
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", s.handleInitError)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "NotFound", r.Method+" "+r.URL.Path+" is not served")
	})
	// No write timeout: /next legitimately waits as long as no event comes.
	s.http = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       time.Minute,
	}
	go func() {
		if err := s.http.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			s.serveErr = fmt.Errorf("serving the runtime API: %w", err)
		}
		close(s.serveDone)
	}()
	return s, nil
}

// Addr returns the server's host:port, the value for AWS_LAMBDA_RUNTIME_API.
func (s *Server) Addr() string { return s.listener.Addr().String() }

// Close stops the server. Pending Invoke calls return ErrClosed and pending
// /next requests are answered with an error. It is safe to call more than
// once.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		close(s.closed)
		// Handlers return promptly once closed is closed; the timeout only
		// guards against a client that stalls mid-request.
		ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		defer cancel()
		var err error
		if serr := s.http.Shutdown(ctx); serr != nil {
			err = fmt.Errorf("shutting down the runtime API: %w", errors.Join(serr, s.http.Close()))
		}
		<-s.serveDone
		s.closeErr = errors.Join(err, s.serveErr)
	})
	return s.closeErr
}

// InitError returns the error the function posted to /runtime/init/error, or
// nil if it posted none.
func (s *Server) InitError() *FunctionError {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.initErr
}

// Invoke queues payload, a JSON event, and waits until the function posts
// its response or error. The event's deadline is ctx's deadline, or
// DefaultTimeout from now when ctx has none. Invoke returns an error when
// ctx ends first (wrapping ctx.Err()), when the server is closed (ErrClosed)
// or when the function posted an init error (ErrInitFailed); an error the
// function reports for the event is not an error of Invoke but Result.Error.
func (s *Server) Invoke(ctx context.Context, payload []byte) (Result, error) {
	return s.invoke(ctx, payload, nil)
}

// invoke is Invoke that also gives up, with errAborted, when abort is closed.
func (s *Server) invoke(ctx context.Context, payload []byte, abort <-chan struct{}) (Result, error) {
	if len(payload) > MaxPayloadSize {
		return Result{}, fmt.Errorf("invoke: %w: %d bytes, limit %d", ErrPayloadTooLarge, len(payload), MaxPayloadSize)
	}
	if !json.Valid(payload) {
		return Result{}, errors.New("invoke: payload is not valid JSON")
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultTimeout)
		defer cancel()
	}
	deadline, _ := ctx.Deadline()
	inv := &invocation{
		id:       newRequestID(),
		payload:  bytes.Clone(payload), // the caller may reuse it once Invoke returns
		deadline: deadline,
		done:     make(chan outcome, 1),
	}

	// Checked first because select picks at random among ready cases and a
	// /next may be waiting.
	if err := s.stopped(); err != nil {
		return Result{}, err
	}
	select {
	case s.queue <- inv:
	case <-ctx.Done():
		return Result{}, fmt.Errorf("invoke: event not taken by the function: %w", ctx.Err())
	case <-s.closed:
		return Result{}, fmt.Errorf("invoke: %w", ErrClosed)
	case <-s.initFailed:
		return Result{}, s.stopped()
	case <-abort:
		return Result{}, errAborted
	}

	select {
	case out := <-inv.done:
		return out.result, out.err
	case <-ctx.Done():
		return Result{}, fmt.Errorf("invoke %s: no answer from the function: %w", inv.id, ctx.Err())
	case <-s.closed:
		return answerOr(inv, fmt.Errorf("invoke %s: %w", inv.id, ErrClosed))
	case <-abort:
		// A function that answers and then exits (a panic does) has its
		// answer waiting here.
		return answerOr(inv, errAborted)
	}
}

// answerOr returns inv's answer if it has arrived, or err.
func answerOr(inv *invocation, err error) (Result, error) {
	select {
	case out := <-inv.done:
		return out.result, out.err
	default:
		return Result{}, err
	}
}

// stopped returns the error for a server that takes no more events, or nil.
func (s *Server) stopped() error {
	select {
	case <-s.closed:
		return fmt.Errorf("invoke: %w", ErrClosed)
	case <-s.initFailed:
		return fmt.Errorf("invoke: %w: %w", ErrInitFailed, s.InitError())
	default:
		return nil
	}
}

// complete hands out inv's answer and frees the environment for the next
// event. It reports false if inv is no longer in flight.
func (s *Server) complete(inv *invocation, out outcome) bool {
	s.mu.Lock()
	if s.inflight != inv {
		s.mu.Unlock()
		return false
	}
	s.inflight = nil
	s.mu.Unlock()
	inv.done <- out
	s.idle <- struct{}{}
	return true
}

// lookup returns the in-flight invocation if its id is id.
func (s *Server) lookup(id string) *invocation {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.inflight == nil || s.inflight.id != id {
		return nil
	}
	return s.inflight
}

func (s *Server) handleNext(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	s.mu.Lock()
	s.started = true
	s.mu.Unlock()

	// Like Lambda, give out the next event only once the previous one has
	// been answered.
	select {
	case <-s.idle:
	case <-ctx.Done():
		return
	case <-s.closed:
		writeError(w, http.StatusInternalServerError, "ServerClosed", "the runtime API server is closed")
		return
	}
	var inv *invocation
	select {
	case inv = <-s.queue:
	case <-ctx.Done():
		s.idle <- struct{}{}
		return
	case <-s.closed:
		s.idle <- struct{}{}
		writeError(w, http.StatusInternalServerError, "ServerClosed", "the runtime API server is closed")
		return
	}
	s.mu.Lock()
	s.inflight = inv
	s.mu.Unlock()

	h := w.Header()
	h.Set(headerRequestID, inv.id)
	h.Set(headerDeadline, fmt.Sprint(inv.deadline.UnixMilli()))
	h.Set(headerFunctionARN, s.functionARN)
	h.Set(headerTraceID, newTraceID())
	h.Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write(inv.payload); err != nil {
		s.complete(inv, outcome{err: fmt.Errorf("invoke %s: delivering the event: %w", inv.id, err)})
	}
}

func (s *Server) handleResponse(w http.ResponseWriter, r *http.Request) {
	s.handleAnswer(w, r, func(body []byte) Result {
		// aws-lambda-go streams an io.Reader response and, when reading it
		// fails, ends the body and reports the error in trailers.
		if typ := r.Trailer.Get(headerErrorType); typ != "" {
			errBody, _ := base64.StdEncoding.DecodeString(r.Trailer.Get(trailerErrorBody))
			return Result{Error: parseFunctionError(errBody, typ)}
		}
		return Result{Payload: body}
	})
}

func (s *Server) handleError(w http.ResponseWriter, r *http.Request) {
	s.handleAnswer(w, r, func(body []byte) Result {
		return Result{Error: parseFunctionError(body, r.Header.Get(headerErrorType))}
	})
}

// handleAnswer completes the in-flight invocation named in the path with the
// Result that toResult makes of the request body.
func (s *Server) handleAnswer(w http.ResponseWriter, r *http.Request, toResult func(body []byte) Result) {
	id := r.PathValue("id")
	inv := s.lookup(id)
	if inv == nil {
		writeError(w, http.StatusBadRequest, "InvalidRequestID", "Invalid request ID")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxPayloadSize))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		msg := fmt.Sprintf("Response payload size exceeded maximum allowed payload size (%d bytes).", MaxPayloadSize)
		s.complete(inv, outcome{result: Result{RequestID: id, Error: &FunctionError{Message: msg, Type: errorTypeResponseSize}}})
		writeError(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", msg)
		return
	case err != nil:
		s.complete(inv, outcome{err: fmt.Errorf("invoke %s: reading the function's answer: %w", id, err)})
		writeError(w, http.StatusBadRequest, "TruncatedHTTPRequest", "reading the request body: "+err.Error())
		return
	}
	res := toResult(body)
	res.RequestID = id
	if !s.complete(inv, outcome{result: res}) {
		// Another answer for the same event won the race.
		writeError(w, http.StatusBadRequest, "InvalidRequestID", "Invalid request ID")
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"status": "OK"})
}

func (s *Server) handleInitError(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxPayloadSize))
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "reading the request body: "+err.Error())
		return
	}
	fe := parseFunctionError(body, r.Header.Get(headerErrorType))

	s.mu.Lock()
	if s.started {
		s.mu.Unlock()
		writeError(w, http.StatusForbidden, "InvalidStateTransition", "init error posted after the runtime asked for an event")
		return
	}
	first := s.initErr == nil
	if first {
		s.initErr = fe
	}
	s.mu.Unlock()
	if first {
		close(s.initFailed)
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"status": "OK"})
}

// parseFunctionError reads an error body in Lambda's format. Like Lambda, it
// falls back on the error type header when the body says nothing usable.
func parseFunctionError(body []byte, headerType string) *FunctionError {
	var fe FunctionError
	if err := json.Unmarshal(body, &fe); err != nil || (fe.Message == "" && fe.Type == "") {
		fe = FunctionError{Message: strings.TrimSpace(string(body))}
	}
	if fe.Type == "" {
		fe.Type = headerType
	}
	if fe.Type == "" {
		fe.Type = errorTypeUnhandled
	}
	return &fe
}

func writeError(w http.ResponseWriter, status int, typ, msg string) {
	writeJSON(w, status, FunctionError{Message: msg, Type: typ})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	// An error here means the client hung up; there is no one left to tell.
	_, _ = w.Write(body)
}

// newRequestID returns a random UUID, the form of Lambda's request ids.
func newRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// newTraceID returns an X-Ray trace header for an unsampled trace.
func newTraceID() string {
	var root [12]byte
	var parent [8]byte
	rand.Read(root[:])
	rand.Read(parent[:])
	return fmt.Sprintf("Root=1-%08x-%x;Parent=%x;Sampled=0", time.Now().Unix(), root, parent)
}

// Defaults of the environment that StartFunction gives a function.
const (
	defaultRegion       = "us-east-1"
	defaultFunctionName = "function"
	defaultAccountID    = "123456789012"
	defaultPath         = "/usr/local/bin:/usr/bin:/bin"
)

// initExitGrace is how long a function that posted an init error has to exit
// before Invoke kills it, as Lambda would.
const initExitGrace = time.Second

// waitDelay bounds how long waiting for an exited process waits for its
// output to be copied.
const waitDelay = time.Second

func functionARN(region, name string) string {
	return "arn:aws:lambda:" + region + ":" + defaultAccountID + ":function:" + name
}

// Function is a bootstrap binary running against its own Server, the way
// Lambda runs a function on the provided.al2023 runtime. Its methods are safe
// for concurrent use.
type Function struct {
	server  *Server
	cmd     *exec.Cmd
	exited  chan struct{}
	waitErr error // set before exited is closed

	stopOnce sync.Once
	stopErr  error
}

// StartFunction starts binary with a Lambda-like environment and a Server of
// its own. The process sees only env plus these variables, each unless env
// sets it: AWS_LAMBDA_FUNCTION_NAME (the binary's directory name when the
// binary is called bootstrap, else its name), AWS_LAMBDA_FUNCTION_MEMORY_SIZE
// (128), AWS_LAMBDA_FUNCTION_VERSION ($LATEST), AWS_REGION and
// AWS_DEFAULT_REGION (us-east-1), _HANDLER (bootstrap), LAMBDA_TASK_ROOT (the
// binary's directory, also its working directory), TZ (:UTC) and PATH; and
// always AWS_LAMBDA_RUNTIME_API. Entries of env have the form "KEY=value".
// The process's stdout and stderr go to output, or are discarded when output
// is nil. The process is killed when ctx ends; call Stop when done with it.
func StartFunction(ctx context.Context, binary string, env []string, output io.Writer) (*Function, error) {
	path, err := filepath.Abs(binary)
	if err != nil {
		return nil, fmt.Errorf("starting function %s: %w", binary, err)
	}
	given := make(map[string]string, len(env))
	for _, kv := range env {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("starting function %s: environment entry %q is not KEY=value", binary, kv)
		}
		given[k] = v
	}
	name := filepath.Base(path)
	if name == "bootstrap" {
		name = filepath.Base(filepath.Dir(path))
	}
	region := defaultRegion
	if r := given["AWS_REGION"]; r != "" {
		region = r
	}
	defaults := []string{
		"AWS_LAMBDA_FUNCTION_NAME=" + name,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128",
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_REGION=" + region,
		"AWS_DEFAULT_REGION=" + region,
		"_HANDLER=bootstrap",
		"LAMBDA_TASK_ROOT=" + filepath.Dir(path),
		"TZ=:UTC",
		"PATH=" + defaultPath,
	}
	var vars []string
	for _, kv := range defaults {
		if k, _, _ := strings.Cut(kv, "="); !hasKey(given, k) {
			vars = append(vars, kv)
		}
	}
	vars = append(vars, env...)
	if n := given["AWS_LAMBDA_FUNCTION_NAME"]; n != "" {
		name = n
	}

	srv, err := newServer(functionARN(region, name))
	if err != nil {
		return nil, fmt.Errorf("starting function %s: %w", binary, err)
	}
	cmd := exec.CommandContext(ctx, path)
	cmd.Env = append(vars, "AWS_LAMBDA_RUNTIME_API="+srv.Addr())
	cmd.Dir = filepath.Dir(path)
	if output != nil {
		cmd.Stdout = output
		cmd.Stderr = output
	}
	cmd.WaitDelay = waitDelay
	if err := cmd.Start(); err != nil {
		return nil, errors.Join(fmt.Errorf("starting function %s: %w", binary, err), srv.Close())
	}
	f := &Function{server: srv, cmd: cmd, exited: make(chan struct{})}
	go func() {
		f.waitErr = cmd.Wait()
		close(f.exited)
	}()
	return f, nil
}

func hasKey(m map[string]string, k string) bool {
	_, ok := m[k]
	return ok
}

// Invoke is Server.Invoke for this function's server, except that it also
// returns, promptly, when the process exits or posts an init error. That
// error matches ErrExited, and ErrInitFailed with the *FunctionError posted
// if there was one, and gives the exit status. A function that posted an
// init error and does not exit within a second is killed, as Lambda would.
func (f *Function) Invoke(ctx context.Context, payload []byte) (Result, error) {
	res, err := f.server.invoke(ctx, payload, f.exited)
	if !errors.Is(err, errAborted) && !errors.Is(err, ErrInitFailed) {
		return res, err
	}
	t := time.NewTimer(initExitGrace)
	defer t.Stop()
	select {
	case <-f.exited:
	case <-t.C:
		f.kill()
		<-f.exited // bounded by waitDelay
	case <-ctx.Done():
		// Say what is known: the init error, without an exit status.
	}
	return Result{}, fmt.Errorf("invoke: %w", f.exitError())
}

// Wait waits until the process exits and returns why, an error that matches
// ErrExited (a Lambda function never exits on its own accord) and, if the
// function posted an init error, ErrInitFailed. It returns ctx.Err() if ctx
// ends first.
func (f *Function) Wait(ctx context.Context) error {
	select {
	case <-f.exited:
		return f.exitError()
	case <-ctx.Done():
		return ctx.Err()
	}
}

// exitError describes how the function stopped: its init error, if any, and
// its exit status, if it has exited.
func (f *Function) exitError() error {
	var status error
	select {
	case <-f.exited:
		status = f.waitErr
		if status == nil {
			status = errors.New("exit status 0")
		}
	default:
	}
	initErr := f.server.InitError()
	switch {
	case initErr != nil && status != nil:
		return fmt.Errorf("%w: %w (%w: %w)", ErrInitFailed, initErr, ErrExited, status)
	case initErr != nil:
		return fmt.Errorf("%w: %w", ErrInitFailed, initErr)
	default:
		return fmt.Errorf("%w: %w", ErrExited, status)
	}
}

func (f *Function) kill() error {
	if err := f.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("killing function: %w", err)
	}
	return nil
}

// Stop kills the process if it is still running, waits for it to exit and
// closes the server. It is safe to call more than once.
func (f *Function) Stop() error {
	f.stopOnce.Do(func() {
		err := f.kill()
		<-f.exited
		f.stopErr = errors.Join(err, f.server.Close())
	})
	return f.stopErr
}

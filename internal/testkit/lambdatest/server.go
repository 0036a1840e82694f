package lambdatest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

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
	started  bool      // the runtime has asked for its first event
	polled   time.Time // when it first did
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

// FirstPoll returns when the runtime first asked for an event (GET
// /runtime/invocation/next): the end of its init phase, where Lambda's Init
// Duration ends. It is the zero time until then.
func (s *Server) FirstPoll() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.polled
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
	if d, ok := ctx.Value(deadlineKey{}).(time.Time); ok {
		deadline = d
	}
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

type deadlineKey struct{}

// WithDeadline returns ctx telling Invoke to give the function the deadline
// d, while Invoke itself waits as long as ctx allows: a test of whether the
// function answers before its deadline can then see a late answer, and how
// late, rather than only that none came in time.
func WithDeadline(ctx context.Context, d time.Time) context.Context {
	return context.WithValue(ctx, deadlineKey{}, d)
}

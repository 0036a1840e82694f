package lambdatest

import (
	"encoding/json"
	"errors"
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

package lambdatest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sync"
)

// Output collects what a process writes to stdout and stderr, for
// StartFunction's output or any exec.Cmd's: it can be read, and waited on,
// while the process writes from another goroutine. The zero value is ready
// to use.
type Output struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	written chan struct{} // closed and replaced on every Write; nil until waited on
}

// Write appends p.
func (o *Output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.written != nil {
		close(o.written)
		o.written = nil
	}
	return o.buf.Write(p)
}

// String returns everything written so far.
func (o *Output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// Line returns the first complete JSON log line whose request_id is
// requestID, waiting for it until ctx ends. A function writes its line for
// an event before it answers, but the line is copied from its stdout by
// another goroutine, so it may arrive a moment after the answer.
func (o *Output) Line(ctx context.Context, requestID string) (map[string]any, error) {
	for {
		o.mu.Lock()
		line := o.find(requestID)
		if o.written == nil {
			o.written = make(chan struct{})
		}
		written := o.written
		o.mu.Unlock()
		if line != nil {
			return line, nil
		}
		select {
		case <-written:
		case <-ctx.Done():
			return nil, fmt.Errorf("no line of request %s in the output: %w", requestID, ctx.Err())
		}
	}
}

// find is Line's search; o.mu is held.
func (o *Output) find(requestID string) map[string]any {
	sc := bufio.NewScanner(bytes.NewReader(o.buf.Bytes()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var line map[string]any
		if json.Unmarshal(sc.Bytes(), &line) != nil {
			continue // not JSON, or not complete yet
		}
		if line["request_id"] == requestID {
			return line
		}
	}
	return nil
}

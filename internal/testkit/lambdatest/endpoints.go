package lambdatest

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// handleNext serves GET /runtime/invocation/next: the next event, once the
// previous one is answered.
func (s *Server) handleNext(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	now := time.Now()
	s.mu.Lock()
	if !s.started {
		s.started, s.polled = true, now
	}
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

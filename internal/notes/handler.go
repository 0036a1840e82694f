package notes

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/gatehouse-dev/cognito-authorizer/internal/identity"
)

// deadlineMargin is how long before the invocation's deadline a put is
// abandoned, so that the function still answers with its own 500 and logs
// why, instead of being stopped by Lambda, which API Gateway turns into a
// bare 502.
const deadlineMargin = 300 * time.Millisecond

// Handler answers POST /add-note through API Gateway's REST Lambda proxy
// integration.
type Handler struct {
	store Store
	log   *slog.Logger
	now   func() time.Time
	newID func(now time.Time) (string, error)
}

// Option configures a Handler.
type Option func(*Handler)

// WithClock sets the clock that stamps createdAt and the ids (default
// time.Now).
func WithClock(now func() time.Time) Option {
	return func(h *Handler) { h.now = now }
}

// WithIDs sets how note ids are made (default NewID with crypto/rand.Reader).
func WithIDs(newID func(now time.Time) (string, error)) Option {
	return func(h *Handler) { h.newID = newID }
}

// NewHandler returns a handler that stores notes in store and logs one line
// per request to logger (logger nil: discarded).
func NewHandler(store Store, logger *slog.Logger, opts ...Option) *Handler {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	h := &Handler{
		store: store,
		log:   logger,
		now:   time.Now,
		newID: func(now time.Time) (string, error) { return NewID(now, rand.Reader) },
	}
	for _, opt := range opts {
		opt(h)
	}
	return h
}

// Response bodies.
type (
	message struct {
		Message string `json:"message"`
	}
	// noteBody is a note in answers: add-note's 201, each of a listing.
	noteBody struct {
		ID        string `json:"id"`
		Note      string `json:"note"`
		CreatedAt string `json:"createdAt"`
	}
)

// outcome is what serve decided: the answer, and what the log line says
// about it.
type outcome struct {
	status  int
	body    any
	sub     string
	noteID  string
	reason  string // why a request was refused with 400
	retries int    // puts repeated with a new id after ErrExists
	err     error  // what went wrong, for 401 and 500
}

// Handle answers one request:
//
//   - 201 with {"id", "note", "createdAt"} when the note is stored;
//   - 400 with {"message"} saying what is wrong with the body;
//   - 401 {"message": "Unauthorized"} when the authorizer context has no
//     sub, which means the method was deployed without the authorizer;
//   - 500 with a generic message when the note could not be stored.
//
// It returns a nil error in every case: an error returned to Lambda would
// reach the caller as API Gateway's bare 502 instead of a JSON answer.
func (h *Handler) Handle(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	start := h.now()
	out := h.serve(ctx, req)
	h.logOutcome(ctx, req, out, h.now().Sub(start))
	return respond(out.status, out.body), nil
}

// respond returns a JSON answer.
func respond(status int, body any) events.APIGatewayProxyResponse {
	b, err := json.Marshal(body)
	if err != nil {
		// Unreachable: the bodies are structs of strings.
		b = []byte(`{"message":"internal error"}`)
	}
	return events.APIGatewayProxyResponse{
		StatusCode: status,
		Headers:    map[string]string{"Content-Type": "application/json"},
		Body:       string(b),
	}
}

func (h *Handler) serve(ctx context.Context, req events.APIGatewayProxyRequest) outcome {
	principal, err := identity.FromAuthorizer(req.RequestContext.Authorizer)
	if err != nil {
		return outcome{
			status: http.StatusUnauthorized,
			body:   message{"Unauthorized"},
			err:    fmt.Errorf("%w: is the method deployed without the authorizer?", err),
		}
	}
	text, rej := readNote(req)
	if rej != nil {
		return outcome{
			status: http.StatusBadRequest,
			body:   message{rej.Message},
			sub:    principal.Sub,
			reason: rej.Reason,
		}
	}

	failed := func(err error, retries int) outcome {
		return outcome{
			status:  http.StatusInternalServerError,
			body:    message{"internal error: the note could not be stored"},
			sub:     principal.Sub,
			retries: retries,
			err:     err,
		}
	}
	n := Note{
		UserID:    principal.Sub,
		Text:      text,
		Email:     principal.Email,
		CreatedAt: h.now().UTC().Truncate(time.Millisecond),
	}
	if deadline, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline.Add(-deadlineMargin))
		defer cancel()
	}
	// A put that finds a different note under its id (ErrExists; with 80
	// random bits per millisecond a collision is all but impossible) is
	// repeated once with a new id: the collision is not the caller's fault
	// and the note is not lost. A second one means the ids are not random
	// and ends in 500. A put never overwrites: the store's condition sees
	// to that.
	retries := 0
	for {
		n.ID, err = h.newID(n.CreatedAt)
		if err != nil {
			return failed(err, retries)
		}
		err = h.store.Put(ctx, n)
		if err == nil {
			break
		}
		if !errors.Is(err, ErrExists) || retries == 1 {
			return failed(err, retries)
		}
		retries++
	}
	return outcome{
		status:  http.StatusCreated,
		body:    noteBody{n.ID, n.Text, n.CreatedAt.Format(CreatedAtLayout)},
		sub:     principal.Sub,
		noteID:  n.ID,
		retries: retries,
	}
}

// logOutcome writes the request's one log line. It never holds the body,
// the note or the headers (which carry the token): only ids, sizes and the
// outcome.
func (h *Handler) logOutcome(ctx context.Context, req events.APIGatewayProxyRequest, out outcome, took time.Duration) {
	attrs := []slog.Attr{
		slog.Int("status", out.status),
		slog.String("api_request_id", req.RequestContext.RequestID),
	}
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		attrs = append(attrs, slog.String("request_id", lc.AwsRequestID))
	}
	if out.sub != "" {
		attrs = append(attrs, slog.String("sub", out.sub))
	}
	if out.noteID != "" {
		attrs = append(attrs, slog.String("note_id", out.noteID))
	}
	if out.reason != "" {
		attrs = append(attrs, slog.String("reason", out.reason))
	}
	if out.retries > 0 {
		attrs = append(attrs, slog.Int("retries", out.retries))
	}
	if out.err != nil {
		attrs = append(attrs, slog.String("error", out.err.Error()))
	}
	attrs = append(attrs,
		slog.Int("body_bytes", len(req.Body)),
		slog.Float64("duration_ms", float64(took.Microseconds())/1000),
	)
	level := slog.LevelInfo
	if out.status >= http.StatusInternalServerError || out.status == http.StatusUnauthorized {
		level = slog.LevelError
	}
	h.log.LogAttrs(ctx, level, "add-note", attrs...)
}

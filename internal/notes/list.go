package notes

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/gatehouse-dev/cognito-authorizer/internal/identity"
)

// The routes ListHandler answers, as API Gateway names them in a proxy
// request's resource.
const (
	// ResourceNotes lists the caller's own notes.
	ResourceNotes = "/notes"
	// ResourceUserNotes lists the notes of the user PathUserID names.
	ResourceUserNotes = "/users/{" + PathUserID + "}/notes"
	// PathUserID is the path parameter of ResourceUserNotes: a user's sub.
	PathUserID = "userId"
	// AdminGroup is the group whose members may list any user's notes.
	AdminGroup = "admins"
)

// Limits of a listing.
const (
	// DefaultLimit is the page size without ?limit=.
	DefaultLimit = 20
	// MaxLimit is the largest ?limit= accepted.
	MaxLimit = 100
	// MaxUserIDLen is the longest userId accepted in the path, in bytes;
	// identity.FromAuthorizer accepts no longer sub.
	MaxUserIDLen = 128
)

// The query parameters of a listing.
const (
	queryLimit = "limit"
	queryNext  = "next"
)

// ListHandler answers GET /notes and GET /users/{userId}/notes through API
// Gateway's REST Lambda proxy integration.
type ListHandler struct {
	store Lister
	log   *slog.Logger
}

// NewListHandler returns a handler that reads notes from store and logs one
// line per request to logger (logger nil: discarded).
func NewListHandler(store Lister, logger *slog.Logger) *ListHandler {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &ListHandler{store: store, log: logger}
}

// listing is the body of a 200 answer.
type listing struct {
	Notes []noteBody `json:"notes"`
	Next  string     `json:"next,omitempty"`
}

// listOutcome is what serve decided: the answer, and what the log line
// says about it.
type listOutcome struct {
	status int
	body   any
	sub    string
	userID string // whose notes were asked for
	count  int
	more   bool
	reason string // why a request was refused with 400, 403 or 404
	err    error  // what went wrong, for 401, 404 and 500
}

// Handle answers one request:
//
//   - 200 with {"notes": [{"id", "note", "createdAt"} ...], "next": "..."},
//     newest first; next, present only when more notes may follow, is the
//     token that asks for the next page as ?next=;
//   - 400 with {"message"} when limit is not a whole number from 1 to
//     MaxLimit, next is not a token of this listing, either is given twice,
//     or userId is not a user id;
//   - 401 {"message": "Unauthorized"} when the authorizer context has no
//     sub, which means the method was deployed without the authorizer;
//   - 403 {"message": "Forbidden"} when a caller outside AdminGroup asks
//     for another user's notes. The authorizer's route rule refuses that
//     first; this check holds where the rule is missing or wrong;
//   - 404 when the request is for a route this function does not serve (a
//     deployment mistake, logged as an error);
//   - 500 with a generic message when the notes could not be read.
//
// It returns a nil error in every case: an error returned to Lambda would
// reach the caller as API Gateway's bare 502 instead of a JSON answer.
func (h *ListHandler) Handle(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	start := time.Now()
	out := h.serve(ctx, req)
	h.logOutcome(ctx, req, out, time.Since(start))
	resp := respond(out.status, out.body)
	// A listing is one user's private data: no shared cache may keep it.
	resp.Headers["Cache-Control"] = "no-store"
	return resp, nil
}

func (h *ListHandler) serve(ctx context.Context, req events.APIGatewayProxyRequest) listOutcome {
	principal, err := identity.FromAuthorizer(req.RequestContext.Authorizer)
	if err != nil {
		return listOutcome{
			status: http.StatusUnauthorized,
			body:   message{"Unauthorized"},
			err:    fmt.Errorf("%w: is the method deployed without the authorizer?", err),
		}
	}
	refuse := func(status int, rej *rejection) listOutcome {
		return listOutcome{status: status, body: message{rej.Message}, sub: principal.Sub, reason: rej.Reason}
	}

	var userID string
	switch {
	case req.HTTPMethod != http.MethodGet:
		return h.notServed(req, principal.Sub)
	case req.Resource == ResourceNotes:
		userID = principal.Sub
	case req.Resource == ResourceUserNotes:
		userID = req.PathParameters[PathUserID]
		if !isUserID(userID) {
			return refuse(http.StatusBadRequest, reject("bad_user_id", "userId is not a user id"))
		}
		// Group names may hold commas, which the context's comma-joined
		// list cannot tell apart; the pool's administrators name the
		// groups, and the authorizer's rule, which reads the token, is the
		// first check.
		if userID != principal.Sub && !slices.Contains(principal.Groups, AdminGroup) {
			out := refuse(http.StatusForbidden, reject("not_owner", "Forbidden"))
			out.userID = userID
			return out
		}
	default:
		return h.notServed(req, principal.Sub)
	}

	limit, after, rej := readPage(req, userID)
	if rej != nil {
		out := refuse(http.StatusBadRequest, rej)
		out.userID = userID
		return out
	}
	if deadline, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline.Add(-deadlineMargin))
		defer cancel()
	}
	page, err := h.store.List(ctx, userID, limit, after)
	if err != nil {
		return listOutcome{
			status: http.StatusInternalServerError,
			body:   message{"internal error: the notes could not be read"},
			sub:    principal.Sub,
			userID: userID,
			err:    err,
		}
	}
	body := listing{Notes: make([]noteBody, 0, len(page.Notes))}
	for _, n := range page.Notes {
		body.Notes = append(body.Notes, noteBody{n.ID, n.Text, n.CreatedAt.UTC().Format(CreatedAtLayout)})
	}
	if page.After != "" {
		body.Next = encodePageToken(userID, page.After)
	}
	return listOutcome{
		status: http.StatusOK,
		body:   body,
		sub:    principal.Sub,
		userID: userID,
		count:  len(body.Notes),
		more:   body.Next != "",
	}
}

// notServed answers a route the function was not deployed for.
func (h *ListHandler) notServed(req events.APIGatewayProxyRequest, sub string) listOutcome {
	return listOutcome{
		status: http.StatusNotFound,
		body:   message{"not found"},
		sub:    sub,
		reason: "no_route",
		err:    fmt.Errorf("%s %s is not a route of this function", cut(req.HTTPMethod, 16), cut(req.Resource, 128)),
	}
}

// readPage reads ?limit= and ?next= for a listing of userID's notes.
func readPage(req events.APIGatewayProxyRequest, userID string) (limit int, after string, rej *rejection) {
	for _, name := range []string{queryLimit, queryNext} {
		if len(req.MultiValueQueryStringParameters[name]) > 1 {
			return 0, "", reject("repeated_"+name, "%s is given more than once", name)
		}
	}
	limit = DefaultLimit
	if v, ok := req.QueryStringParameters[queryLimit]; ok {
		n, ok := parseLimit(v)
		if !ok {
			return 0, "", reject("bad_limit", "limit must be a whole number from 1 to %d", MaxLimit)
		}
		limit = n
	}
	if v, ok := req.QueryStringParameters[queryNext]; ok {
		var err error
		after, err = decodePageToken(v, userID)
		switch {
		case errors.Is(err, errTokenUser):
			return 0, "", reject("page_token_other_user", "next is a page token of another listing")
		case err != nil:
			return 0, "", reject("bad_page_token", "next is not a page token of this API")
		}
	}
	return limit, after, nil
}

// parseLimit reads a limit written in at most three decimal digits, from 1
// to MaxLimit; no sign, no spaces.
func parseLimit(s string) (int, bool) {
	if s == "" || len(s) > 3 {
		return 0, false
	}
	n := 0
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, n >= 1 && n <= MaxLimit
}

// isUserID reports whether s can be a sub: 1 to MaxUserIDLen bytes of the
// characters the authorizer's bind rules accept ([A-Za-z0-9._@+-]), but not
// "." or "..", which the bind rules refuse too: they name a path segment,
// not a user (GET /users/../notes would list nobody's notes, an empty 200).
func isUserID(s string) bool {
	if s == "" || len(s) > MaxUserIDLen || s == "." || s == ".." {
		return false
	}
	for i := range len(s) {
		c := s[i]
		ok := (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			c == '.' || c == '_' || c == '@' || c == '+' || c == '-'
		if !ok {
			return false
		}
	}
	return true
}

// cut returns s, shortened to n bytes, for the logs.
func cut(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// logOutcome writes the request's one log line. It never holds the notes,
// the page token or the headers (which carry the token): only ids, counts
// and the outcome.
func (h *ListHandler) logOutcome(ctx context.Context, req events.APIGatewayProxyRequest, out listOutcome, took time.Duration) {
	attrs := []slog.Attr{
		slog.Int("status", out.status),
		slog.String("route", cut(req.Resource, 128)),
		slog.String("api_request_id", req.RequestContext.RequestID),
	}
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		attrs = append(attrs, slog.String("request_id", lc.AwsRequestID))
	}
	if out.sub != "" {
		attrs = append(attrs, slog.String("sub", out.sub))
	}
	if out.userID != "" {
		attrs = append(attrs, slog.String("user_id", out.userID))
	}
	if out.status == http.StatusOK {
		attrs = append(attrs, slog.Int("count", out.count), slog.Bool("more", out.more))
	}
	if out.reason != "" {
		attrs = append(attrs, slog.String("reason", out.reason))
	}
	if out.err != nil {
		attrs = append(attrs, slog.String("error", out.err.Error()))
	}
	attrs = append(attrs, slog.Float64("duration_ms", float64(took.Microseconds())/1000))
	level := slog.LevelInfo
	switch out.status {
	case http.StatusUnauthorized, http.StatusNotFound, http.StatusInternalServerError:
		level = slog.LevelError
	case http.StatusForbidden:
		// The authorizer's rule should have refused it: a Warn says the
		// second check was needed.
		level = slog.LevelWarn
	}
	h.log.LogAttrs(ctx, level, "list-notes", attrs...)
}

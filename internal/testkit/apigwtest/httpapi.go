package apigwtest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

// HTTPStage is the stage an HTTP API is served by here: $default, whose
// URL has no stage prefix.
const HTTPStage = "$default"

// HTTPAuthorizer is an HTTP API's Lambda authorizer, payload format 2.0,
// as API Gateway runs it.
type HTTPAuthorizer struct {
	// SimpleResponses is the authorizer's enableSimpleResponses: answers
	// are {"isAuthorized": bool, "context": {...}}; off, they are IAM
	// policies ({"principalId", "policyDocument", "context"}) evaluated
	// against each request's routeArn.
	SimpleResponses bool
	// IdentitySource is the authorizer's identity sources, which are the
	// cache key: $request.header.<name>, $request.querystring.<name>,
	// $context.routeKey, $context.httpMethod, $context.path, $context.stage
	// (cognitoauth.HTTPIdentitySource gives the stack's). A request
	// missing a header or query string source is refused with 401 without
	// invoking the function.
	IdentitySource []string
	// CacheTTL is how long an answer is reused for the same identity
	// source values; 0 turns the cache off.
	CacheTTL time.Duration
	// Function is the authorizer; FunctionTimeout (default
	// DefaultFunctionTimeout) is its deadline.
	Function        Invoker
	FunctionTimeout time.Duration
}

// HTTPConfig describes an HTTPGateway.
type HTTPConfig struct {
	// APIID (default DefaultAPIID), Region (DefaultRegion) and AccountID
	// (DefaultAccountID) make the routeArn and the events' requestContext.
	APIID, Region, AccountID string
	// Routes are the API's routes ("METHOD /path", ANY for any method),
	// all Lambda proxy integrations of payload format 2.0.
	Routes []Route
	// Authorizer guards every route without NoAuthorizer; nil: none.
	Authorizer *HTTPAuthorizer
	// Now is the clock of the authorizer cache (default time.Now).
	Now func() time.Time
	// Log gets one line per request; nil discards them.
	Log *slog.Logger
	// OnRequest, if set, is told of each request once it is answered.
	OnRequest func(Entry)
}

// HTTPGateway plays an HTTP API's $default stage as API Gateway runs it,
// for routes that all integrate with Lambda (payload format 2.0): it
// routes a request to its route, most specific path first and a method
// before ANY (404 {"message":"Not Found"} when none), refuses a request
// missing an identity source with 401 without invoking the authorizer,
// sends the authorizer a payload 2.0 event, caches its answer per identity
// source values for the TTL, lets the request through on isAuthorized
// (simple responses) or on the policy evaluated against the request's
// routeArn (IAM policies, cached or not), and passes the answer's context,
// its JSON types kept, as requestContext.authorizer.lambda. HTTP APIs have
// no gateway responses: its own answers are API Gateway's, 401
// {"message":"Unauthorized"} (no identity source, or the authorizer's error
// "Unauthorized"), 403 {"message":"Forbidden"}, 500 {"message":"Internal
// Server Error"} (the authorizer failing or answering out of shape, the
// integration failing). It is safe for concurrent use.
//
// What it does not play: named stages, stage variables, throttling,
// CORS, JWT and IAM authorizers, parameter mapping, the 30-second
// integration limit, payload format 1.0, and binary bodies are
// base64-encoded when they are not UTF-8 rather than by content type.
type HTTPGateway struct {
	cfg HTTPConfig

	cache answerCache[httpAnswer]
}

// NewHTTPGateway checks cfg and returns its HTTPGateway.
func NewHTTPGateway(cfg HTTPConfig) (*HTTPGateway, error) {
	if cfg.APIID == "" {
		cfg.APIID = DefaultAPIID
	}
	if cfg.Region == "" {
		cfg.Region = DefaultRegion
	}
	if cfg.AccountID == "" {
		cfg.AccountID = DefaultAccountID
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	routes := make([]Route, len(cfg.Routes))
	for i, r := range cfg.Routes {
		segs, err := parseResource(r.Path)
		if err != nil {
			return nil, err
		}
		if r.Method != "ANY" && !slices.Contains(methods, r.Method) {
			return nil, fmt.Errorf("route %s %s: not a method", r.Method, r.Path)
		}
		if r.Function == nil {
			return nil, fmt.Errorf("route %s %s: no function", r.Method, r.Path)
		}
		r.segs = segs
		routes[i] = r
	}
	cfg.Routes = routes
	if a := cfg.Authorizer; a != nil {
		if a.Function == nil || len(a.IdentitySource) == 0 {
			return nil, errors.New("the authorizer needs a function and identity sources")
		}
		for _, s := range a.IdentitySource {
			if _, ok := identityValue(s, nil, nil); !ok {
				return nil, fmt.Errorf("identity source %q: want $request.header.<name>, $request.querystring.<name> or $context.routeKey, httpMethod, path or stage", s)
			}
		}
	}
	return &HTTPGateway{cfg: cfg}, nil
}

// RouteARN returns the routeArn API Gateway gives the authorizer for a
// request of method on path (escaped, with its leading slash).
func (g *HTTPGateway) RouteARN(method, path string) string {
	return fmt.Sprintf("arn:aws:execute-api:%s:%s:%s/%s/%s/%s", g.cfg.Region, g.cfg.AccountID, g.cfg.APIID, HTTPStage,
		method, strings.TrimPrefix(path, "/"))
}

// FlushAuthorizerCache empties the authorizer cache, as API Gateway's
// ResetAuthorizersCache does.
func (g *HTTPGateway) FlushAuthorizerCache() { g.cache.flush() }

// ControlHandler serves API Gateway v2's ResetAuthorizersCache: DELETE
// /v2/apis/{apiId}/stages/{stageName}/cache/authorizers. It does not check
// the request's signature. REST's FlushStageAuthorizersCache, which the
// sample's sign-out calls, is not an HTTP API's: 404 NotFoundException.
func (g *HTTPGateway) ControlHandler() http.Handler {
	mux := http.NewServeMux()
	notFound := func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("x-amzn-ErrorType", "NotFoundException")
		w.WriteHeader(http.StatusNotFound)
		json.NewEncoder(w).Encode(map[string]string{"message": "Invalid API identifier specified"})
	}
	mux.HandleFunc("DELETE /v2/apis/{api}/stages/{stage}/cache/authorizers", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("api") != g.cfg.APIID || r.PathValue("stage") != HTTPStage {
			notFound(w)
			return
		}
		g.FlushAuthorizerCache()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { notFound(w) })
	return mux
}

// httpRequest is one request on its way through the HTTP API.
type httpRequest struct {
	r        *http.Request
	entry    Entry
	id       string
	start    time.Time
	route    *Route
	routeKey string
	params   map[string]string
	arn      string
	body     []byte
	lambda   map[string]any
}

// ServeHTTP answers one request of the API.
func (g *HTTPGateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := &httpRequest{r: r, id: newExtendedID(), start: time.Now(),
		entry: Entry{Method: r.Method, Path: r.URL.EscapedPath()}}
	w.Header().Set("Apigw-Requestid", q.id)
	g.serve(w, q)
}

func (g *HTTPGateway) serve(w http.ResponseWriter, q *httpRequest) {
	r := q.r
	route, params, ok := findRoute(g.cfg.Routes, r.Method, r.URL.EscapedPath())
	if !ok {
		g.fail(w, q, http.StatusNotFound, "Not Found", "NOT_FOUND")
		return
	}
	q.route, q.params = route, params
	q.routeKey = route.Method + " " + route.Path
	q.entry.Route = q.routeKey
	q.arn = g.RouteARN(r.Method, r.URL.EscapedPath())
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodySize))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		g.fail(w, q, http.StatusRequestEntityTooLarge, "Request Entity Too Large", "REQUEST_TOO_LARGE")
		return
	case err != nil:
		g.answered(q, 0)
		return
	}
	q.body = body
	if !route.NoAuthorizer && g.cfg.Authorizer != nil {
		if !g.authorize(w, q) {
			return
		}
	}
	g.integrate(w, q)
}

// identityValue is an identity source's value for r routed as routeKey;
// r nil only checks that the source is one it knows.
func identityValue(source string, r *http.Request, q *httpRequest) (string, bool) {
	if name, ok := strings.CutPrefix(source, "$request.header."); ok && name != "" {
		if r == nil {
			return "", true
		}
		v := strings.Join(r.Header.Values(name), ",")
		return v, v != ""
	}
	if name, ok := strings.CutPrefix(source, "$request.querystring."); ok && name != "" {
		if r == nil {
			return "", true
		}
		v := strings.Join(r.URL.Query()[name], ",")
		return v, v != ""
	}
	switch source {
	case "$context.routeKey", "$context.httpMethod", "$context.path", "$context.stage":
		if r == nil {
			return "", true
		}
	default:
		return "", false
	}
	switch source {
	case "$context.routeKey":
		return q.routeKey, true
	case "$context.httpMethod":
		return r.Method, true
	case "$context.path":
		return r.URL.EscapedPath(), true
	default:
		return HTTPStage, true
	}
}

// httpAnswer is an HTTP API authorizer's answer, simple or IAM.
type httpAnswer struct {
	Authorized  bool // simple
	PrincipalID string
	Policy      events.APIGatewayCustomAuthorizerPolicy // IAM
	Context     map[string]any
}

// authorize runs the authorizer as an HTTP API does, and answers the
// request itself when it does not let it through.
func (g *HTTPGateway) authorize(w http.ResponseWriter, q *httpRequest) bool {
	a := g.cfg.Authorizer
	values := make([]string, len(a.IdentitySource))
	for i, s := range a.IdentitySource {
		v, ok := identityValue(s, q.r, q)
		if !ok {
			q.entry.Authorizer = "refused"
			g.fail(w, q, http.StatusUnauthorized, "Unauthorized", "UNAUTHORIZED")
			return false
		}
		values[i] = v
	}
	key := strings.Join(values, "\x00")
	answer, hit := g.cache.get(key, g.cfg.Now())
	if hit {
		q.entry.Authorizer = "cache"
	} else {
		q.entry.Authorizer = "invoked"
		var status int
		answer, status = g.invokeAuthorizer(q, values)
		switch status {
		case http.StatusUnauthorized:
			g.fail(w, q, status, "Unauthorized", "UNAUTHORIZED")
			return false
		case http.StatusInternalServerError:
			g.fail(w, q, status, "Internal Server Error", "AUTHORIZER_FAILURE")
			return false
		}
		if a.CacheTTL > 0 {
			now := g.cfg.Now()
			g.cache.store(key, answer, now, now.Add(a.CacheTTL))
		}
	}
	q.entry.Principal = answer.PrincipalID
	allowed := answer.Authorized
	if !a.SimpleResponses {
		allowed, _ = evaluate(answer.Policy, q.arn)
	}
	if !allowed {
		g.fail(w, q, http.StatusForbidden, "Forbidden", "ACCESS_DENIED")
		return false
	}
	q.lambda = answer.Context
	return true
}

// authorizerEvent is the payload 2.0 authorizer event for q, identity
// the identity sources' values.
func (g *HTTPGateway) authorizerEvent(q *httpRequest, identity []string) events.APIGatewayV2CustomAuthorizerV2Request {
	p := g.proxyEvent(q)
	return events.APIGatewayV2CustomAuthorizerV2Request{
		Version:               "2.0",
		Type:                  "REQUEST",
		RouteArn:              q.arn,
		IdentitySource:        identity,
		RouteKey:              p.RouteKey,
		RawPath:               p.RawPath,
		RawQueryString:        p.RawQueryString,
		Cookies:               p.Cookies,
		Headers:               p.Headers,
		QueryStringParameters: p.QueryStringParameters,
		RequestContext:        p.RequestContext,
		PathParameters:        p.PathParameters,
		StageVariables:        map[string]string{},
	}
}

// invokeAuthorizer sends the authorizer its event and reads its answer;
// status is 401 for the error "Unauthorized", 500 for any other failure,
// 0 for an answer.
func (g *HTTPGateway) invokeAuthorizer(q *httpRequest, identity []string) (httpAnswer, int) {
	auth := g.cfg.Authorizer
	payload, err := json.Marshal(g.authorizerEvent(q, identity))
	if err != nil {
		return httpAnswer{}, http.StatusInternalServerError
	}
	ctx, cancel := context.WithTimeout(q.r.Context(), timeoutOr(auth.FunctionTimeout))
	defer cancel()
	res, err := auth.Function.Invoke(ctx, payload)
	switch {
	case err != nil:
		return httpAnswer{}, http.StatusInternalServerError
	case res.Error != nil && res.Error.Message == "Unauthorized":
		return httpAnswer{}, http.StatusUnauthorized
	case res.Error != nil:
		return httpAnswer{}, http.StatusInternalServerError
	}
	a, err := readHTTPAnswer(res.Payload, auth.SimpleResponses)
	if err != nil {
		return httpAnswer{}, http.StatusInternalServerError
	}
	return a, 0
}

// readHTTPAnswer checks an HTTP API authorizer's output: a boolean
// isAuthorized for simple responses, a principalId and a policy of
// statements with an Effect otherwise; the context's JSON values kept as
// they are.
func readHTTPAnswer(payload []byte, simple bool) (httpAnswer, error) {
	if !simple {
		var raw struct {
			PrincipalID    *string          `json:"principalId"`
			PolicyDocument *json.RawMessage `json:"policyDocument"`
			Context        map[string]any   `json:"context"`
		}
		if err := json.Unmarshal(payload, &raw); err != nil {
			return httpAnswer{}, err
		}
		if raw.PrincipalID == nil || raw.PolicyDocument == nil {
			return httpAnswer{}, errors.New("no principalId or policyDocument")
		}
		doc, err := readPolicy(*raw.PolicyDocument)
		if err != nil {
			return httpAnswer{}, err
		}
		return httpAnswer{PrincipalID: *raw.PrincipalID, Policy: doc, Context: raw.Context}, nil
	}
	var raw struct {
		IsAuthorized *bool          `json:"isAuthorized"`
		Context      map[string]any `json:"context"`
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	if err := dec.Decode(&raw); err != nil {
		return httpAnswer{}, err
	}
	if raw.IsAuthorized == nil {
		return httpAnswer{}, errors.New("no isAuthorized")
	}
	return httpAnswer{Authorized: *raw.IsAuthorized, Context: raw.Context}, nil
}

// proxyEvent is the payload 2.0 integration event for q.
func (g *HTTPGateway) proxyEvent(q *httpRequest) events.APIGatewayV2HTTPRequest {
	r := q.r
	host, _, _ := net.SplitHostPort(r.RemoteAddr)
	p := events.APIGatewayV2HTTPRequest{
		Version:        "2.0",
		RouteKey:       q.routeKey,
		RawPath:        r.URL.EscapedPath(),
		RawQueryString: r.URL.RawQuery,
		Cookies:        nil,
		Headers:        map[string]string{},
		PathParameters: q.params,
	}
	headers := r.Header.Clone()
	headers.Del("Cookie")
	headers.Set("Host", r.Host)
	headers.Set("X-Forwarded-For", host)
	headers.Set("X-Forwarded-Proto", "http")
	if _, port, err := net.SplitHostPort(r.Host); err == nil {
		headers.Set("X-Forwarded-Port", port)
	}
	headers.Set("Content-Length", fmt.Sprint(len(q.body)))
	for k, vs := range headers {
		p.Headers[strings.ToLower(k)] = strings.Join(vs, ",")
	}
	for _, c := range r.Cookies() {
		p.Cookies = append(p.Cookies, c.String())
	}
	if query := r.URL.Query(); len(query) > 0 {
		p.QueryStringParameters = map[string]string{}
		for k, vs := range query {
			p.QueryStringParameters[k] = strings.Join(vs, ",")
		}
	}
	if len(q.body) > 0 {
		if utf8.Valid(q.body) {
			p.Body = string(q.body)
		} else {
			p.Body, p.IsBase64Encoded = base64.StdEncoding.EncodeToString(q.body), true
		}
	}
	p.RequestContext = events.APIGatewayV2HTTPRequestContext{
		RouteKey:     q.routeKey,
		AccountID:    g.cfg.AccountID,
		Stage:        HTTPStage,
		RequestID:    q.id,
		APIID:        g.cfg.APIID,
		DomainName:   r.Host,
		DomainPrefix: g.cfg.APIID,
		Time:         q.start.UTC().Format("02/Jan/2006:15:04:05 -0700"),
		TimeEpoch:    q.start.UnixMilli(),
		HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
			Method: r.Method, Path: r.URL.EscapedPath(), Protocol: r.Proto, SourceIP: host, UserAgent: r.UserAgent(),
		},
	}
	if q.lambda != nil || (g.cfg.Authorizer != nil && !q.route.NoAuthorizer) {
		lambda := q.lambda
		if lambda == nil {
			lambda = map[string]any{}
		}
		p.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: lambda}
	}
	return p
}

// integrate invokes the route's function with the payload 2.0 event and
// answers with what it returns, read as payload 2.0 responses are: an
// object with a statusCode is the response; anything else valid JSON is
// the body of a 200 (application/json). The function failing or an
// answer that is not JSON: 500 {"message":"Internal Server Error"}.
func (g *HTTPGateway) integrate(w http.ResponseWriter, q *httpRequest) {
	payload, err := json.Marshal(g.proxyEvent(q))
	if err != nil {
		g.fail(w, q, http.StatusInternalServerError, "Internal Server Error", "INTEGRATION_FAILURE")
		return
	}
	ctx, cancel := context.WithTimeout(q.r.Context(), timeoutOr(q.route.FunctionTimeout))
	defer cancel()
	res, err := q.route.Function.Invoke(ctx, payload)
	if err != nil || res.Error != nil || !json.Valid(res.Payload) {
		g.fail(w, q, http.StatusInternalServerError, "Internal Server Error", "INTEGRATION_FAILURE")
		return
	}
	var probe map[string]json.RawMessage
	if json.Unmarshal(res.Payload, &probe) != nil || probe["statusCode"] == nil {
		// No statusCode: the answer is the body.
		w.Header().Set("Content-Type", "application/json")
		g.answered(q, http.StatusOK)
		w.WriteHeader(http.StatusOK)
		w.Write(res.Payload)
		return
	}
	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(res.Payload, &resp); err != nil || resp.StatusCode < 100 || resp.StatusCode > 599 {
		g.fail(w, q, http.StatusInternalServerError, "Internal Server Error", "INTEGRATION_FAILURE")
		return
	}
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		if body, err = base64.StdEncoding.DecodeString(resp.Body); err != nil {
			g.fail(w, q, http.StatusInternalServerError, "Internal Server Error", "INTEGRATION_FAILURE")
			return
		}
	}
	h := w.Header()
	for k, v := range resp.Headers {
		h.Set(k, v)
	}
	for k, vs := range resp.MultiValueHeaders {
		h.Del(k)
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	for _, c := range resp.Cookies {
		h.Add("Set-Cookie", c)
	}
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	g.answered(q, resp.StatusCode)
	w.WriteHeader(resp.StatusCode)
	w.Write(body)
}

// fail answers with API Gateway's own {"message": msg}; typ is the log's
// error_type.
func (g *HTTPGateway) fail(w http.ResponseWriter, q *httpRequest, status int, msg, typ string) {
	w.Header().Set("Content-Type", "application/json")
	q.entry.ErrorType = typ
	g.answered(q, status)
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]string{"message": msg})
	w.Write(b)
}

// answered logs q and tells OnRequest, as Gateway does.
func (g *HTTPGateway) answered(q *httpRequest, status int) {
	q.entry.Status = status
	g.cfg.Log.LogAttrs(q.r.Context(), slog.LevelInfo, "request",
		slog.String("method", q.entry.Method),
		slog.String("path", q.entry.Path),
		slog.Int("status", q.entry.Status),
		slog.String("route", q.entry.Route),
		slog.String("authorizer", q.entry.Authorizer),
		slog.String("error_type", q.entry.ErrorType),
		slog.String("principal", q.entry.Principal),
		slog.Float64("duration_ms", float64(time.Since(q.start).Microseconds())/1000),
	)
	if g.cfg.OnRequest != nil {
		g.cfg.OnRequest(q.entry)
	}
}

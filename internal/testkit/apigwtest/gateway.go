package apigwtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/gatehouse-dev/cognito-authorizer/internal/apispec"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/lambdatest"
)

// Invoker runs a Lambda function on one event; *lambdatest.Function is
// one, and Handler makes one of a Go handler.
type Invoker interface {
	Invoke(ctx context.Context, payload []byte) (lambdatest.Result, error)
}

var _ Invoker = (*lambdatest.Function)(nil)

// InvokerFunc is an Invoker made of a function.
type InvokerFunc func(ctx context.Context, payload []byte) (lambdatest.Result, error)

// Invoke calls f.
func (f InvokerFunc) Invoke(ctx context.Context, payload []byte) (lambdatest.Result, error) {
	return f(ctx, payload)
}

// Handler runs h in this process as the Lambda runtime would: the event
// decoded from JSON, the answer encoded to JSON, and a returned error sent
// as a function error with its message.
func Handler[In, Out any](h func(context.Context, In) (Out, error)) Invoker {
	return InvokerFunc(func(ctx context.Context, payload []byte) (lambdatest.Result, error) {
		var in In
		if err := json.Unmarshal(payload, &in); err != nil {
			return lambdatest.Result{Error: &lambdatest.FunctionError{Message: err.Error(), Type: "Runtime.UnmarshalError"}}, nil
		}
		out, err := h(ctx, in)
		if err != nil {
			return lambdatest.Result{Error: &lambdatest.FunctionError{Message: err.Error(), Type: fmt.Sprintf("%T", err)}}, nil
		}
		b, err := json.Marshal(out)
		if err != nil {
			return lambdatest.Result{}, err
		}
		return lambdatest.Result{Payload: b}, nil
	})
}

// Route is one method of the local API: a Lambda proxy integration behind
// the authorizer.
type Route struct {
	// Method is GET, POST, ... or ANY.
	Method string
	// Path is the resource path, e.g. /users/{userId}/notes.
	Path string
	// Function serves the method; FunctionTimeout (default
	// DefaultFunctionTimeout) is its deadline.
	Function        Invoker
	FunctionTimeout time.Duration
	// NoAuthorizer leaves the method open (authorization NONE).
	NoAuthorizer bool
	// APIKeyRequired requires an API key, as a usage plan's methods do:
	// the authorizer's usageIdentifierKey (the API key source
	// AUTHORIZER) must be one of Config.APIKeys, or 403 Forbidden
	// (INVALID_API_KEY).
	APIKeyRequired bool

	segs []segment
}

// Authorizer is the API's Lambda authorizer as API Gateway runs it.
type Authorizer struct {
	// Type is TOKEN or REQUEST.
	Type string
	// Header is the identity source, a request header.
	Header string
	// ValidationExpression is the TOKEN authorizer's identity validation
	// expression, a Java regular expression (JavaPattern); empty for none.
	ValidationExpression string
	// CacheTTL is how long an answer is reused for the same identity
	// source; 0 turns the cache off.
	CacheTTL time.Duration
	// Function is the authorizer; FunctionTimeout (default
	// DefaultFunctionTimeout) is its deadline.
	Function        Invoker
	FunctionTimeout time.Duration
}

// Defaults of a Config.
const (
	DefaultAPIID           = "local4api0"
	DefaultRegion          = "eu-west-1"
	DefaultAccountID       = "123456789012"
	DefaultFunctionTimeout = 10 * time.Second
)

// MaxBodySize is API Gateway's payload limit, 10 MB: a larger request
// body is refused with 413.
const MaxBodySize = 10 << 20

// Config describes a Gateway.
type Config struct {
	// APIID (default DefaultAPIID), Stage (apispec.StageName), Region
	// (DefaultRegion) and AccountID (DefaultAccountID) make the methodArn
	// and the proxy event's requestContext.
	APIID, Stage, Region, AccountID string
	// Routes are the API's methods, all Lambda proxy integrations.
	Routes []Route
	// Authorizer guards every route without NoAuthorizer; nil: none.
	Authorizer *Authorizer
	// Responses are the API's gateway responses; the types it leaves out
	// answer as API Gateway does by default.
	Responses []apispec.GatewayResponse
	// APIKeys are the values of the API keys of the usage plans that hold
	// the stage; the API's key source is AUTHORIZER (the authorizer's
	// usageIdentifierKey), checked on the routes with APIKeyRequired.
	APIKeys []string
	// Now is the clock of the authorizer cache (default time.Now).
	Now func() time.Time
	// Log gets one line per request; nil discards them.
	Log *slog.Logger
	// OnRequest, if set, is told of each request once it is answered.
	OnRequest func(Entry)
}

// Entry is what the log says of one request.
type Entry struct {
	Method, Path string
	Status       int
	// Route is the method that served it ("GET /users/{userId}/notes"),
	// empty when none did.
	Route string
	// Authorizer is how the authorizer's answer was had: "cache",
	// "invoked", "refused" (identity source missing or not matching the
	// validation expression: 401 without invoking), or "" for none.
	Authorizer string
	// ErrorType is the gateway response's type when API Gateway answered
	// itself (UNAUTHORIZED, ACCESS_DENIED ...).
	ErrorType string
	// Principal is the authorizer's principalId, if it answered with one.
	Principal string
	// APIKey is the authorizer's usageIdentifierKey, cached or not, if it
	// answered with one: the key a usage plan counts the request against.
	// The log line says only whether there is one.
	APIKey string
}

// Gateway plays a REST API's stage as API Gateway runs it, for the
// methods of one API whose methods all integrate with Lambda (proxy): it
// routes a request to its method (403 Missing Authentication Token when
// none), checks the identity source and the validation expression before
// invoking the authorizer, caches the authorizer's whole answer
// (principalId, policy and context) per identity source for the TTL,
// evaluates the policy, cached or not, for each request's methodArn,
// passes principalId and the context as requestContext.authorizer (every
// context value as a string, and integrationLatency in milliseconds, a
// number, as API Gateway adds it), and answers its own errors with the
// API's gateway responses. It is safe for concurrent use.
//
// Of usage plans it plays the API key source AUTHORIZER: a method that
// requires an API key (Route.APIKeyRequired) needs the answer's
// usageIdentifierKey, cached with the answer, to be one of Config.APIKeys.
//
// What it does not play: stages and deployments (one stage; the URL has no
// stage prefix, as sam local start-api), throttling and usage plans' limits, CORS,
// binary media types, request validation and mapping templates, the
// 29-second integration limit (each function's own timeout applies),
// custom domains.
type Gateway struct {
	cfg       Config
	validator *regexp.Regexp

	cache answerCache[authorizerAnswer]
}

// authorizerAnswer is an authorizer's output, as API Gateway reads it.
type authorizerAnswer struct {
	PrincipalID string
	Policy      events.APIGatewayCustomAuthorizerPolicy
	Context     map[string]any
	// UsageKey is usageIdentifierKey, the caller's API key.
	UsageKey string
}

// NewGateway checks cfg and returns its Gateway.
func NewGateway(cfg Config) (*Gateway, error) {
	if cfg.APIID == "" {
		cfg.APIID = DefaultAPIID
	}
	if cfg.Stage == "" {
		cfg.Stage = apispec.StageName
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
	g := &Gateway{cfg: cfg}
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
	g.cfg.Routes = routes
	if a := cfg.Authorizer; a != nil {
		if a.Type != "TOKEN" && a.Type != "REQUEST" {
			return nil, fmt.Errorf("authorizer type %q: want TOKEN or REQUEST", a.Type)
		}
		if a.Function == nil || a.Header == "" {
			return nil, errors.New("the authorizer needs a function and an identity source header")
		}
		if a.ValidationExpression != "" {
			re, err := JavaPattern(a.ValidationExpression)
			if err != nil {
				return nil, fmt.Errorf("validation expression: %w", err)
			}
			g.validator = re
		}
	}
	return g, nil
}

// JavaPattern compiles a regular expression written for Java, as API
// Gateway reads validation expressions, into Go's: the same except that
// Java's '$' at the end also matches before a final line terminator (\n,
// \r\n, \r, U+0085, U+2028, U+2029), which Go's does not. Only a '$' that
// ends the pattern is translated; the project's patterns have no other.
func JavaPattern(expr string) (*regexp.Regexp, error) {
	if strings.HasSuffix(expr, "$") && !strings.HasSuffix(expr, `\$`) {
		expr = strings.TrimSuffix(expr, "$") + `(?:\r\n|[\n\r\x{85}\x{2028}\x{2029}])?\z`
	}
	return regexp.Compile(expr)
}

// MethodARN returns the methodArn API Gateway gives the authorizer for a
// request of method on path (escaped, with its leading slash).
func (g *Gateway) MethodARN(method, path string) string {
	return fmt.Sprintf("arn:aws:execute-api:%s:%s:%s/%s/%s/%s", g.cfg.Region, g.cfg.AccountID, g.cfg.APIID, g.cfg.Stage,
		method, strings.TrimPrefix(path, "/"))
}

// FlushAuthorizerCache empties the authorizer cache, as API Gateway's
// FlushStageAuthorizersCache does.
func (g *Gateway) FlushAuthorizerCache() { g.cache.flush() }

// ControlHandler serves the one operation of API Gateway's control plane
// that the sample's sign-out calls, FlushStageAuthorizersCache: DELETE
// /restapis/{id}/stages/{stage}/cache/authorizers. Point the SDK at it with
// AWS_ENDPOINT_URL_API_GATEWAY. It does not check the request's signature.
func (g *Gateway) ControlHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("DELETE /restapis/{api}/stages/{stage}/cache/authorizers", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("api") != g.cfg.APIID || r.PathValue("stage") != g.cfg.Stage {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("x-amzn-ErrorType", "NotFoundException")
			w.WriteHeader(http.StatusNotFound)
			json.NewEncoder(w).Encode(map[string]string{"message": "Invalid stage identifier specified"})
			return
		}
		g.FlushAuthorizerCache()
		w.WriteHeader(http.StatusAccepted)
	})
	return mux
}

// request is one request on its way through the gateway.
type request struct {
	r       *http.Request
	entry   Entry
	id      string // requestId
	ext     string // extendedRequestId
	start   time.Time
	route   *Route
	params  map[string]string
	arn     string
	body    []byte
	authCtx map[string]any
}

// ServeHTTP answers one request of the API.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := &request{r: r, id: newUUID(), ext: newExtendedID(), start: time.Now(),
		entry: Entry{Method: r.Method, Path: r.URL.EscapedPath()}}
	w.Header().Set("x-amzn-RequestId", q.id)
	w.Header().Set("x-amz-apigw-id", q.ext)
	g.serve(w, q)
}

// answered logs q and tells OnRequest, once its status is known and before
// its answer is written: a client that has read the answer finds the entry
// there.
func (g *Gateway) answered(q *request, status int) {
	q.entry.Status = status
	r := q.r
	g.cfg.Log.LogAttrs(r.Context(), slog.LevelInfo, "request",
		slog.String("method", q.entry.Method),
		slog.String("path", q.entry.Path),
		slog.Int("status", q.entry.Status),
		slog.String("route", q.entry.Route),
		slog.String("authorizer", q.entry.Authorizer),
		slog.String("error_type", q.entry.ErrorType),
		slog.String("principal", q.entry.Principal),
		slog.Bool("api_key", q.entry.APIKey != ""),
		slog.Float64("duration_ms", float64(time.Since(q.start).Microseconds())/1000),
	)
	if g.cfg.OnRequest != nil {
		g.cfg.OnRequest(q.entry)
	}
}

func (g *Gateway) serve(w http.ResponseWriter, q *request) {
	r := q.r
	route, params, ok := g.route(r.Method, r.URL.EscapedPath())
	if !ok {
		// No method for the path: API Gateway's own answer, before any
		// authorizer.
		g.fail(w, q, apispec.ResponseMissingAuthenticationToken, ptr("Missing Authentication Token"))
		return
	}
	q.route, q.params = route, params
	q.entry.Route = route.Method + " " + route.Path
	q.arn = g.MethodARN(r.Method, r.URL.EscapedPath())
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodySize))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		g.fail(w, q, "REQUEST_TOO_LARGE", ptr("Request Too Long"))
		return
	case err != nil:
		// The client went away while sending: no one to answer.
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

// route finds the method serving method and path: the most specific
// resource, then the method over ANY.
func (g *Gateway) route(method, escapedPath string) (*Route, map[string]string, bool) {
	return findRoute(g.cfg.Routes, method, escapedPath)
}

// findRoute is the routing of both kinds of API: the most specific
// resource, then the method over ANY.
func findRoute(routes []Route, method, escapedPath string) (*Route, map[string]string, bool) {
	parts, ok := requestParts(escapedPath)
	if !ok {
		return nil, nil, false
	}
	var best *Route
	var bestScore string
	var bestParams map[string]string
	for i := range routes {
		rt := &routes[i]
		if rt.Method != method && rt.Method != "ANY" {
			continue
		}
		score, params, ok := match(rt.segs, parts)
		if !ok {
			continue
		}
		if rt.Method == "ANY" {
			score += "0"
		} else {
			score += "1"
		}
		// Scores of matching resources differ in length only past a
		// greedy segment, which scores lowest where it stands.
		if best == nil || score > bestScore {
			best, bestScore, bestParams = rt, score, params
		}
	}
	return best, bestParams, best != nil
}

// authorize runs the authorizer as API Gateway does, and answers the
// request itself when it does not let it through.
func (g *Gateway) authorize(w http.ResponseWriter, q *request) bool {
	a := g.cfg.Authorizer
	identity := q.r.Header.Get(a.Header)
	// A TOKEN authorizer needs its header, and, when caching, so does a
	// REQUEST authorizer (its identity source): 401 without invoking.
	if identity == "" && (a.Type == "TOKEN" || a.CacheTTL > 0) {
		q.entry.Authorizer = "refused"
		g.fail(w, q, apispec.ResponseUnauthorized, ptr("Unauthorized"))
		return false
	}
	if a.Type == "TOKEN" && g.validator != nil && !g.validator.MatchString(identity) {
		q.entry.Authorizer = "refused"
		g.fail(w, q, apispec.ResponseUnauthorized, ptr("Unauthorized"))
		return false
	}
	key := a.Type + "\x00" + identity
	answer, hit := g.cache.get(key, g.cfg.Now())
	latency := 0
	if hit {
		q.entry.Authorizer = "cache"
	} else {
		q.entry.Authorizer = "invoked"
		start := time.Now()
		var typ string
		var msg *string
		answer, typ, msg = g.invokeAuthorizer(q, identity)
		latency = int(time.Since(start).Milliseconds())
		if typ != "" {
			g.fail(w, q, typ, msg)
			return false
		}
		if a.CacheTTL > 0 {
			now := g.cfg.Now()
			g.cache.store(key, answer, now, now.Add(a.CacheTTL))
		}
	}
	q.entry.Principal = answer.PrincipalID
	q.entry.APIKey = answer.UsageKey
	allowed, explicit := evaluate(answer.Policy, q.arn)
	if !allowed {
		msg := "User is not authorized to access this resource"
		if explicit {
			msg += " with an explicit deny"
		}
		g.fail(w, q, apispec.ResponseAccessDenied, &msg)
		return false
	}
	if q.route.APIKeyRequired && (answer.UsageKey == "" || !slices.Contains(g.cfg.APIKeys, answer.UsageKey)) {
		// No key, or one of no plan of the stage: the method is not
		// metered, so it is not served.
		g.fail(w, q, responseInvalidAPIKey, ptr("Forbidden"))
		return false
	}
	q.authCtx = AuthorizerContext(answer.PrincipalID, answer.Context)
	q.authCtx["integrationLatency"] = latency
	return true
}

// invokeAuthorizer sends the authorizer its event and reads its answer;
// typ names the gateway response when it does not give one.
func (g *Gateway) invokeAuthorizer(q *request, identity string) (a authorizerAnswer, typ string, msg *string) {
	auth := g.cfg.Authorizer
	var event any
	if auth.Type == "TOKEN" {
		event = events.APIGatewayCustomAuthorizerRequest{Type: "TOKEN", AuthorizationToken: identity, MethodArn: q.arn}
	} else {
		event = g.requestEvent(q)
	}
	payload, err := json.Marshal(event)
	if err != nil {
		return a, apispec.ResponseAuthorizerFailure, nil
	}
	ctx, cancel := context.WithTimeout(q.r.Context(), timeoutOr(auth.FunctionTimeout))
	defer cancel()
	res, err := auth.Function.Invoke(ctx, payload)
	switch {
	case err != nil:
		return a, apispec.ResponseAuthorizerFailure, nil
	case res.Error != nil && res.Error.Message == "Unauthorized":
		return a, apispec.ResponseUnauthorized, ptr("Unauthorized")
	case res.Error != nil:
		return a, apispec.ResponseAuthorizerFailure, nil
	}
	a, err = readAnswer(res.Payload)
	if err != nil {
		return a, apispec.ResponseAuthorizerConfigurationError, nil
	}
	return a, "", nil
}

// readAnswer checks an authorizer's output as API Gateway does: a
// principalId, a policy document of statements with an Effect, a context
// whose values are strings, numbers or booleans, and an optional
// usageIdentifierKey, a string.
func readAnswer(payload []byte) (authorizerAnswer, error) {
	var raw struct {
		PrincipalID    *string                    `json:"principalId"`
		PolicyDocument *json.RawMessage           `json:"policyDocument"`
		Context        map[string]json.RawMessage `json:"context"`
		UsageKey       string                     `json:"usageIdentifierKey"`
	}
	if err := json.Unmarshal(payload, &raw); err != nil {
		return authorizerAnswer{}, err
	}
	if raw.PrincipalID == nil || raw.PolicyDocument == nil {
		return authorizerAnswer{}, errors.New("no principalId or policyDocument")
	}
	doc, err := readPolicy(*raw.PolicyDocument)
	if err != nil {
		return authorizerAnswer{}, err
	}
	a := authorizerAnswer{PrincipalID: *raw.PrincipalID, Policy: doc, UsageKey: raw.UsageKey}
	if raw.Context != nil {
		a.Context = make(map[string]any, len(raw.Context))
	}
	for k, v := range raw.Context {
		dec := json.NewDecoder(bytes.NewReader(v))
		dec.UseNumber()
		var x any
		if err := dec.Decode(&x); err != nil {
			return authorizerAnswer{}, err
		}
		switch x := x.(type) {
		case string, bool:
			a.Context[k] = x
		case json.Number:
			f, err := x.Float64()
			if err != nil {
				return authorizerAnswer{}, err
			}
			a.Context[k] = f
		default:
			return authorizerAnswer{}, fmt.Errorf("context %q is %s: only strings, numbers and booleans", k, v)
		}
	}
	return a, nil
}

// readPolicy reads a policy document whose Action and Resource may each be
// one string or a list, as IAM allows.
func readPolicy(raw json.RawMessage) (events.APIGatewayCustomAuthorizerPolicy, error) {
	var doc struct {
		Version   string
		Statement []struct {
			Effect   string
			Action   json.RawMessage
			Resource json.RawMessage
		}
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return events.APIGatewayCustomAuthorizerPolicy{}, err
	}
	if len(doc.Statement) == 0 {
		return events.APIGatewayCustomAuthorizerPolicy{}, errors.New("a policy without statements")
	}
	out := events.APIGatewayCustomAuthorizerPolicy{Version: doc.Version}
	for _, st := range doc.Statement {
		if st.Effect != "Allow" && st.Effect != "Deny" {
			return out, fmt.Errorf("effect %q", st.Effect)
		}
		actions, err := stringOrList(st.Action)
		if err != nil {
			return out, fmt.Errorf("action: %w", err)
		}
		resources, err := stringOrList(st.Resource)
		if err != nil {
			return out, fmt.Errorf("resource: %w", err)
		}
		out.Statement = append(out.Statement, events.IAMPolicyStatement{Effect: st.Effect, Action: actions, Resource: resources})
	}
	return out, nil
}

func stringOrList(raw json.RawMessage) ([]string, error) {
	var one string
	if err := json.Unmarshal(raw, &one); err == nil {
		return []string{one}, nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil || len(list) == 0 {
		return nil, fmt.Errorf("%s is neither a string nor a list of strings", raw)
	}
	return list, nil
}

// requestEvent is the REQUEST authorizer's event for q.
func (g *Gateway) requestEvent(q *request) events.APIGatewayCustomAuthorizerRequestTypeRequest {
	p := g.proxyRequest(q)
	return events.APIGatewayCustomAuthorizerRequestTypeRequest{
		Type:                            "REQUEST",
		MethodArn:                       q.arn,
		Resource:                        p.Resource,
		Path:                            p.Path,
		HTTPMethod:                      p.HTTPMethod,
		Headers:                         p.Headers,
		MultiValueHeaders:               p.MultiValueHeaders,
		QueryStringParameters:           p.QueryStringParameters,
		MultiValueQueryStringParameters: p.MultiValueQueryStringParameters,
		PathParameters:                  p.PathParameters,
		StageVariables:                  p.StageVariables,
		RequestContext: events.APIGatewayCustomAuthorizerRequestTypeRequestContext{
			Path: p.RequestContext.Path, AccountID: p.RequestContext.AccountID, ResourceID: p.RequestContext.ResourceID,
			Stage: p.RequestContext.Stage, RequestID: p.RequestContext.RequestID, ResourcePath: p.RequestContext.ResourcePath,
			HTTPMethod: p.RequestContext.HTTPMethod, APIID: p.RequestContext.APIID,
			Identity: events.APIGatewayCustomAuthorizerRequestTypeRequestIdentity{SourceIP: p.RequestContext.Identity.SourceIP},
		},
	}
}

// proxyRequest is the Lambda proxy integration's event for q.
func (g *Gateway) proxyRequest(q *request) events.APIGatewayProxyRequest {
	r := q.r
	p := events.APIGatewayProxyRequest{
		Resource:       q.route.Path,
		Path:           r.URL.EscapedPath(),
		HTTPMethod:     r.Method,
		PathParameters: q.params,
		Body:           string(q.body),
	}
	host, _, _ := net.SplitHostPort(r.RemoteAddr)
	headers := r.Header.Clone()
	headers.Set("Host", r.Host)
	headers.Set("X-Forwarded-For", host)
	headers.Set("X-Forwarded-Proto", "http")
	if _, port, err := net.SplitHostPort(r.Host); err == nil {
		headers.Set("X-Forwarded-Port", port)
	}
	p.Headers = map[string]string{}
	p.MultiValueHeaders = map[string][]string{}
	for k, vs := range headers {
		p.Headers[k] = vs[len(vs)-1]
		p.MultiValueHeaders[k] = vs
	}
	if query := r.URL.Query(); len(query) > 0 {
		p.QueryStringParameters = map[string]string{}
		p.MultiValueQueryStringParameters = map[string][]string{}
		for k, vs := range query {
			p.QueryStringParameters[k] = vs[len(vs)-1]
			p.MultiValueQueryStringParameters[k] = vs
		}
	}
	p.RequestContext = events.APIGatewayProxyRequestContext{
		AccountID:         g.cfg.AccountID,
		ResourceID:        resourceID(q.route.Path),
		Stage:             g.cfg.Stage,
		DomainName:        r.Host,
		DomainPrefix:      g.cfg.APIID,
		RequestID:         q.id,
		ExtendedRequestID: q.ext,
		Protocol:          r.Proto,
		Identity:          events.APIGatewayRequestIdentity{SourceIP: host, UserAgent: r.UserAgent()},
		ResourcePath:      q.route.Path,
		Path:              "/" + g.cfg.Stage + r.URL.EscapedPath(),
		Authorizer:        q.authCtx,
		HTTPMethod:        r.Method,
		RequestTime:       q.start.UTC().Format("02/Jan/2006:15:04:05 -0700"),
		RequestTimeEpoch:  q.start.UnixMilli(),
		APIID:             g.cfg.APIID,
	}
	return p
}

// integrate invokes the method's function with the proxy event and
// answers with what it returns: 502 {"message": "Internal server error"}
// when it fails or its answer is not a proxy response.
func (g *Gateway) integrate(w http.ResponseWriter, q *request) {
	payload, err := json.Marshal(g.proxyRequest(q))
	if err != nil {
		g.badGateway(w, q)
		return
	}
	ctx, cancel := context.WithTimeout(q.r.Context(), timeoutOr(q.route.FunctionTimeout))
	defer cancel()
	res, err := q.route.Function.Invoke(ctx, payload)
	if err != nil || res.Error != nil {
		g.badGateway(w, q)
		return
	}
	var resp struct {
		StatusCode        *int                `json:"statusCode"`
		Headers           map[string]string   `json:"headers"`
		MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
		Body              string              `json:"body"`
		IsBase64Encoded   bool                `json:"isBase64Encoded"`
	}
	if err := json.Unmarshal(res.Payload, &resp); err != nil || resp.StatusCode == nil || *resp.StatusCode < 100 || *resp.StatusCode > 599 {
		g.badGateway(w, q)
		return
	}
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		if body, err = base64.StdEncoding.DecodeString(resp.Body); err != nil {
			g.badGateway(w, q)
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
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	g.answered(q, *resp.StatusCode)
	w.WriteHeader(*resp.StatusCode)
	w.Write(body)
}

func (g *Gateway) badGateway(w http.ResponseWriter, q *request) {
	g.answered(q, http.StatusBadGateway)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadGateway)
	io.WriteString(w, `{"message": "Internal server error"}`)
}

// defaultStatus is each gateway response's status when the API sets none.
var defaultStatus = map[string]int{
	apispec.ResponseUnauthorized:                 http.StatusUnauthorized,
	apispec.ResponseAccessDenied:                 http.StatusForbidden,
	apispec.ResponseAuthorizerFailure:            http.StatusInternalServerError,
	apispec.ResponseAuthorizerConfigurationError: http.StatusInternalServerError,
	apispec.ResponseMissingAuthenticationToken:   http.StatusForbidden,
	responseInvalidAPIKey:                        http.StatusForbidden,
	"REQUEST_TOO_LARGE":                          http.StatusRequestEntityTooLarge,
}

// fail answers with the gateway response typ: the API's own, or API
// Gateway's default, {"message": <msg>} (null when msg is nil).
func (g *Gateway) fail(w http.ResponseWriter, q *request, typ string, msg *string) {
	status, body := defaultStatus[typ], apispec.ErrorTemplate
	var headers map[string]string
	for _, gr := range g.cfg.Responses {
		if gr.Type == typ {
			body, headers = gr.Body, gr.Headers
			// Without a status of its own a response keeps its type's.
			if gr.StatusCode != 0 {
				status = gr.StatusCode
			}
		}
	}
	quoted := "null"
	if msg != nil {
		b, _ := json.Marshal(*msg)
		quoted = string(b)
	}
	body = strings.ReplaceAll(body, "$context.error.messageString", quoted)
	plain := ""
	if msg != nil {
		plain = *msg
	}
	body = strings.ReplaceAll(body, "$context.error.message", plain)
	for k, v := range headers {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json")
	q.entry.ErrorType = typ
	g.answered(q, status)
	w.WriteHeader(status)
	io.WriteString(w, body)
}

// responseInvalidAPIKey is the gateway response to a method that requires
// an API key and gets none of the stage's plans.
const responseInvalidAPIKey = "INVALID_API_KEY"

func timeoutOr(d time.Duration) time.Duration {
	if d <= 0 {
		return DefaultFunctionTimeout
	}
	return d
}

func ptr(s string) *string { return &s }

// resourceID is a stable id for a resource path, as API Gateway gives each
// resource one.
func resourceID(path string) string {
	sum := 0
	for _, c := range path {
		sum = sum*31 + int(c)
	}
	return strconv.FormatInt(int64(uint32(sum)), 36)
}

func newUUID() string {
	b := make([]byte, 16)
	rand.Read(b)
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:32]
}

func newExtendedID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)[:15] + "="
}

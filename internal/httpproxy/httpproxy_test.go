package httpproxy_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/cognito-authorizer/internal/httpproxy"
	"github.com/gatehouse-dev/cognito-authorizer/internal/identity"
	"github.com/gatehouse-dev/cognito-authorizer/internal/notes"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/notestest"
)

const sub = "4c8f2a6e-1d3b-4e5f-9a7b-2c1d0e9f8a7b"

// v2Event is an HTTP API payload format 2.0 event as the developer guide
// shows one, behind a Lambda authorizer.
const v2Event = `{
  "version": "2.0",
  "routeKey": "GET /users/{userId}/notes",
  "rawPath": "/users/` + sub + `/notes",
  "rawQueryString": "limit=10&tag=a&tag=b%20c",
  "cookies": ["c1=v1", "c2=v2"],
  "headers": {"accept": "application/json", "x-many": "one,two"},
  "queryStringParameters": {"limit": "10", "tag": "a,b c"},
  "pathParameters": {"userId": "` + sub + `"},
  "stageVariables": {"env": "test"},
  "requestContext": {
    "accountId": "123456789012",
    "apiId": "abcdef1234",
    "authorizer": {"lambda": {
      "sub": "` + sub + `", "username": "alice", "cognito:groups": "writers,admins",
      "exp": 1795324089, "iat": 1795320489.5, "big": 12345678901234567890, "email_verified": true, "mfa": false,
      "none": null, "list": ["a"], "obj": {"k": "v"}
    }},
    "domainName": "abcdef1234.execute-api.eu-west-1.amazonaws.com",
    "domainPrefix": "abcdef1234",
    "http": {"method": "GET", "path": "/users/` + sub + `/notes", "protocol": "HTTP/1.1", "sourceIp": "203.0.113.10", "userAgent": "curl/8.5.0"},
    "requestId": "Q1w2E3r4T5y6U7i=",
    "routeKey": "GET /users/{userId}/notes",
    "stage": "$default",
    "time": "22/Nov/2026:04:30:00 +0000",
    "timeEpoch": 1795321800000
  },
  "body": "eyJub3RlIjoibWlsayJ9",
  "isBase64Encoded": true
}`

// capture returns a REST handler that keeps the request it is given and
// answers resp.
func capture(resp events.APIGatewayProxyResponse) (func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error), *[]events.APIGatewayProxyRequest) {
	var got []events.APIGatewayProxyRequest
	return func(_ context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		got = append(got, req)
		return resp, nil
	}, &got
}

func TestHandlerConvertsV2(t *testing.T) {
	h, got := capture(events.APIGatewayProxyResponse{StatusCode: 200, Body: "{}"})
	out, err := httpproxy.Handler(h)(t.Context(), json.RawMessage(v2Event))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := out.(events.APIGatewayV2HTTPResponse); !ok {
		t.Errorf("answer is %T, want events.APIGatewayV2HTTPResponse", out)
	}
	if len(*got) != 1 {
		t.Fatalf("handler called %d times, want once", len(*got))
	}
	want := events.APIGatewayProxyRequest{
		Resource:   "/users/{userId}/notes",
		Path:       "/users/" + sub + "/notes",
		HTTPMethod: "GET",
		Headers:    map[string]string{"accept": "application/json", "x-many": "one,two", "cookie": "c1=v1; c2=v2"},
		MultiValueHeaders: map[string][]string{
			"accept": {"application/json"}, "x-many": {"one,two"}, "cookie": {"c1=v1; c2=v2"},
		},
		QueryStringParameters:           map[string]string{"limit": "10", "tag": "a,b c"},
		MultiValueQueryStringParameters: map[string][]string{"limit": {"10"}, "tag": {"a", "b c"}},
		PathParameters:                  map[string]string{"userId": sub},
		StageVariables:                  map[string]string{"env": "test"},
		Body:                            "eyJub3RlIjoibWlsayJ9",
		IsBase64Encoded:                 true,
		RequestContext: events.APIGatewayProxyRequestContext{
			AccountID:    "123456789012",
			Stage:        "$default",
			DomainName:   "abcdef1234.execute-api.eu-west-1.amazonaws.com",
			DomainPrefix: "abcdef1234",
			RequestID:    "Q1w2E3r4T5y6U7i=",
			Protocol:     "HTTP/1.1",
			Identity:     events.APIGatewayRequestIdentity{SourceIP: "203.0.113.10", UserAgent: "curl/8.5.0"},
			ResourcePath: "/users/{userId}/notes",
			Path:         "/users/" + sub + "/notes",
			Authorizer: map[string]any{
				"sub": sub, "username": "alice", "cognito:groups": "writers,admins",
				"exp": "1795324089", "iat": "1795320489.5", "big": "12345678901234567890",
				"email_verified": "true", "mfa": "false",
			},
			HTTPMethod:       "GET",
			RequestTime:      "22/Nov/2026:04:30:00 +0000",
			RequestTimeEpoch: 1795321800000,
			APIID:            "abcdef1234",
		},
	}
	if diff := cmp.Diff(want, (*got)[0]); diff != "" {
		t.Errorf("request mismatch (-want +got):\n%s", diff)
	}
	p, err := identity.FromAuthorizer((*got)[0].RequestContext.Authorizer)
	if err != nil || p.Sub != sub || p.Username != "alice" || !cmp.Equal(p.Groups, []string{"writers", "admins"}) {
		t.Errorf("FromAuthorizer(converted) = %+v, %v", p, err)
	}
}

// TestFromV2Authorizer: a context built by hand (float64 numbers, as
// encoding/json decodes them without UseNumber) reads as REST's strings.
func TestFromV2Authorizer(t *testing.T) {
	tests := []struct {
		name string
		in   *events.APIGatewayV2HTTPRequestContextAuthorizerDescription
		want map[string]any
	}{
		{name: "no authorizer", in: nil, want: nil},
		{name: "JWT authorizer only", in: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: map[string]string{"sub": sub}},
		}, want: nil},
		{name: "empty lambda context", in: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: map[string]any{}}, want: map[string]any{}},
		{name: "strings, numbers, booleans", in: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: map[string]any{
			"sub": sub, "exp": float64(1795324089), "ratio": 0.25, "n": 7, "ok": true, "no": false,
			"nan": math.NaN(), "nil": nil, "arr": []any{"a"}, "obj": map[string]any{"k": "v"},
		}}, want: map[string]any{"sub": sub, "exp": "1795324089", "ratio": "0.25", "n": "7", "ok": "true", "no": "false"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := events.APIGatewayV2HTTPRequest{RequestContext: events.APIGatewayV2HTTPRequestContext{Authorizer: tt.in}}
			got := httpproxy.FromV2(ev).RequestContext.Authorizer
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Authorizer mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFromV2Route(t *testing.T) {
	for key, want := range map[string]string{
		"GET /notes":                "/notes",
		"ANY /{proxy+}":             "/{proxy+}",
		"$default":                  "",
		"":                          "",
		"GET notes":                 "",
		"POST /add-note":            "/add-note",
		"GET /users/{userId}/notes": "/users/{userId}/notes",
	} {
		ev := events.APIGatewayV2HTTPRequest{RouteKey: key}
		if got := httpproxy.FromV2(ev).Resource; got != want {
			t.Errorf("Resource of route key %q = %q, want %q", key, got, want)
		}
	}
	// The route key of requestContext stands in when the top-level one is
	// missing.
	ev := events.APIGatewayV2HTTPRequest{RequestContext: events.APIGatewayV2HTTPRequestContext{RouteKey: "GET /notes"}}
	if got := httpproxy.FromV2(ev).Resource; got != "/notes" {
		t.Errorf("Resource = %q, want /notes", got)
	}
	// An explicit cookie header is kept as it is.
	ev = events.APIGatewayV2HTTPRequest{Headers: map[string]string{"cookie": "a=b"}, Cookies: []string{"c=d"}}
	if got := httpproxy.FromV2(ev).Headers["cookie"]; got != "a=b" {
		t.Errorf("cookie = %q, want a=b", got)
	}
}

func TestToV2(t *testing.T) {
	resp := events.APIGatewayProxyResponse{
		StatusCode: 201,
		Headers:    map[string]string{"Content-Type": "application/json", "X-One": "1", "X-Both": "single", "Set-Cookie": "s=1"},
		MultiValueHeaders: map[string][]string{
			"X-Both": {"m1", "m2"}, "X-Multi": {"a", "b"}, "set-cookie": {"m=1", "m=2"}, "X-Empty": {},
		},
		Body:            "aGk=",
		IsBase64Encoded: true,
	}
	got := httpproxy.ToV2(resp)
	want := events.APIGatewayV2HTTPResponse{
		StatusCode:      201,
		Headers:         map[string]string{"Content-Type": "application/json", "X-One": "1", "X-Both": "m1, m2", "X-Multi": "a, b"},
		Body:            "aGk=",
		IsBase64Encoded: true,
		Cookies:         []string{"s=1", "m=1", "m=2"},
	}
	opt := cmp.Transformer("sort", func(s []string) []string {
		out := append([]string(nil), s...)
		for i := range out {
			for j := i + 1; j < len(out); j++ {
				if out[j] < out[i] {
					out[i], out[j] = out[j], out[i]
				}
			}
		}
		return out
	})
	if diff := cmp.Diff(want, got, opt); diff != "" {
		t.Errorf("ToV2 mismatch (-want +got):\n%s", diff)
	}
	if got := httpproxy.ToV2(events.APIGatewayProxyResponse{StatusCode: 204}); got.StatusCode != 204 || got.Headers != nil || got.Cookies != nil || got.Body != "" {
		t.Errorf("ToV2(204) = %+v", got)
	}
}

func TestHandlerVersions(t *testing.T) {
	const restLike = `"httpMethod": "POST", "path": "/rest", "resource": "/rest", "headers": {"Host": "h"},
	  "requestContext": {"httpMethod": "POST", "authorizer": {"sub": "s"}}, "rawPath": "/v2", "body": "b"`
	tests := []struct {
		name     string
		event    string
		wantV2   bool
		wantPath string // the path h sees; "" when h must not be called
		wantCode int    // the status of an answer h never gave; 0 when h answers
	}{
		{name: "2.0", event: `{"version": "2.0", ` + restLike + `, "requestContext": {"http": {"method": "POST"}}}`, wantV2: true, wantPath: "/v2"},
		{name: "1.0 (HTTP API, REST-shaped)", event: `{"version": "1.0", ` + restLike + `}`, wantPath: "/rest"},
		{name: "no version (REST)", event: `{` + restLike + `}`, wantPath: "/rest"},
		{name: "version 2.00", event: `{"version": "2.00", ` + restLike + `}`, wantPath: "/rest"},
		{name: "version 2 (a number)", event: `{"version": 2, ` + restLike + `}`, wantPath: "/rest"},
		{name: "version 2.0 (a number)", event: `{"version": 2.0, ` + restLike + `}`, wantPath: "/rest"},
		{name: "version null", event: `{"version": null, ` + restLike + `}`, wantPath: "/rest"},
		{name: "version object", event: `{"version": {"v": "2.0"}, ` + restLike + `}`, wantPath: "/rest"},
		{name: "Version in another case", event: `{"Version": "2.0", ` + restLike + `}`, wantPath: "/rest"},
		{name: "version with space", event: `{"version": " 2.0", ` + restLike + `}`, wantPath: "/rest"},
		{name: "last of duplicate versions wins (2.0)", event: `{"version": "1.0", "version": "2.0", ` + restLike + `}`, wantV2: true, wantPath: "/v2"},
		{name: "last of duplicate versions wins (1.0)", event: `{"version": "2.0", "version": "1.0", ` + restLike + `}`, wantPath: "/rest"},
		{name: "empty object", event: `{}`, wantPath: "/none"},
		{name: "not JSON", event: `version: 2.0`, wantCode: http.StatusBadRequest},
		{name: "truncated", event: `{"version": "2.0", "rawPath": "/`, wantCode: http.StatusBadRequest},
		{name: "trailing data", event: `{"version": "2.0"} {}`, wantCode: http.StatusBadRequest},
		{name: "array", event: `[{"version": "2.0"}]`, wantCode: http.StatusBadRequest},
		{name: "null", event: `null`, wantCode: http.StatusBadRequest},
		{name: "string", event: `"2.0"`, wantCode: http.StatusBadRequest},
		{name: "empty", event: ``, wantCode: http.StatusBadRequest},
		{name: "2.0 of the wrong shape", event: `{"version": "2.0", "headers": 5}`, wantV2: true, wantCode: http.StatusBadRequest},
		{name: "2.0 with a bad authorizer", event: `{"version": "2.0", "requestContext": {"authorizer": {"lambda": "x"}}}`, wantV2: true, wantCode: http.StatusBadRequest},
		{name: "REST of the wrong shape", event: `{"httpMethod": ["POST"]}`, wantCode: http.StatusBadRequest},
		{name: "too large", event: `{"body": "` + strings.Repeat("a", httpproxy.MaxEventBytes) + `"}`, wantCode: http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, got := capture(events.APIGatewayProxyResponse{StatusCode: 202, Headers: map[string]string{"X-H": "1"}, Body: "ok"})
			out, err := httpproxy.Handler(h)(t.Context(), json.RawMessage(tt.event))
			if err != nil {
				t.Fatalf("Handler() error = %v, want an answer", err)
			}
			var status int
			var body string
			switch o := out.(type) {
			case events.APIGatewayV2HTTPResponse:
				if !tt.wantV2 {
					t.Errorf("answer is 2.0, want REST")
				}
				status, body = o.StatusCode, o.Body
			case events.APIGatewayProxyResponse:
				if tt.wantV2 {
					t.Errorf("answer is REST, want 2.0")
				}
				status, body = o.StatusCode, o.Body
			default:
				t.Fatalf("answer is %T", out)
			}
			if tt.wantCode != 0 {
				if len(*got) != 0 {
					t.Errorf("handler was called with %+v", (*got)[0])
				}
				var msg struct{ Message string }
				if status != tt.wantCode || json.Unmarshal([]byte(body), &msg) != nil || msg.Message == "" {
					t.Errorf("answer = %d %s, want %d with a JSON message", status, body, tt.wantCode)
				}
				return
			}
			if status != 202 || body != "ok" || len(*got) != 1 {
				t.Fatalf("answer = %d %q after %d calls, want the handler's", status, body, len(*got))
			}
			if want := strings.TrimPrefix(tt.wantPath, "/none"); (*got)[0].Path != want {
				t.Errorf("handler saw path %q, want %q", (*got)[0].Path, want)
			}
		})
	}
}

func TestHandlerPassesErrors(t *testing.T) {
	boom := errors.New("boom")
	h := func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		return events.APIGatewayProxyResponse{}, boom
	}
	for _, ev := range []string{`{}`, `{"version": "2.0"}`} {
		if out, err := httpproxy.Handler(h)(t.Context(), json.RawMessage(ev)); !errors.Is(err, boom) || out != nil {
			t.Errorf("Handler(%s) = %v, %v, want the handler's error", ev, out, err)
		}
	}
}

// TestRealHandlers runs the notes handlers behind Handler: a 2.0 event gets
// what the REST event gets, and a 2.0 event without a Lambda authorizer's
// context is refused 401 as a REST event without the authorizer is.
func TestRealHandlers(t *testing.T) {
	list := httpproxy.Handler(notes.NewListHandler(&notestest.Store{}, nil).Handle)
	add := httpproxy.Handler(notes.NewHandler(&notestest.Store{}, nil).Handle)

	v2 := func(route, method, query string, authorizer string) json.RawMessage {
		path := strings.TrimPrefix(route, method+" ")
		return json.RawMessage(`{"version": "2.0", "routeKey": "` + route + `", "rawPath": "` + path + `", "rawQueryString": "` + query + `",
		  "queryStringParameters": ` + queryJSON(query) + `, "body": "{\"note\": \"milk\"}",
		  "requestContext": {"http": {"method": "` + method + `"}` + authorizer + `}}`)
	}
	const lambdaCtx = `, "authorizer": {"lambda": {"sub": "` + sub + `", "exp": 1795324089, "email_verified": true}}`
	tests := []struct {
		name  string
		h     func(context.Context, json.RawMessage) (any, error)
		event json.RawMessage
		want  int
	}{
		{"list", list, v2("GET /notes", "GET", "", lambdaCtx), http.StatusOK},
		{"list, limit twice", list, v2("GET /notes", "GET", "limit=1&limit=2", lambdaCtx), http.StatusBadRequest},
		{"list, no authorizer", list, v2("GET /notes", "GET", "", ""), http.StatusUnauthorized},
		{"list, JWT authorizer", list, v2("GET /notes", "GET", "", `, "authorizer": {"jwt": {"claims": {"sub": "`+sub+`"}}}`), http.StatusUnauthorized},
		{"list, sub a number", list, v2("GET /notes", "GET", "", `, "authorizer": {"lambda": {"sub": 12}}`), http.StatusOK},
		{"list, $default route", list, v2("$default", "GET", "", lambdaCtx), http.StatusNotFound},
		{"add", add, v2("POST /add-note", "POST", "", lambdaCtx), http.StatusCreated},
		{"add, no authorizer", add, v2("POST /add-note", "POST", "", ""), http.StatusUnauthorized},
		{"add, empty lambda context", add, v2("POST /add-note", "POST", "", `, "authorizer": {"lambda": {}}`), http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := tt.h(t.Context(), tt.event)
			resp, ok := out.(events.APIGatewayV2HTTPResponse)
			if err != nil || !ok || resp.StatusCode != tt.want {
				t.Fatalf("answer = %#v, %v, want a 2.0 answer %d", out, err, tt.want)
			}
			if resp.Headers["Content-Type"] != "application/json" {
				t.Errorf("headers = %v, want Content-Type application/json", resp.Headers)
			}
		})
	}
}

// queryJSON returns rawQuery's parameters as the 2.0 format gives them:
// a repeated name's values joined with commas.
func queryJSON(rawQuery string) string {
	if rawQuery == "" {
		return "null"
	}
	m := map[string]string{}
	for _, part := range strings.Split(rawQuery, "&") {
		k, v, _ := strings.Cut(part, "=")
		if old, ok := m[k]; ok {
			v = old + "," + v
		}
		m[k] = v
	}
	b, _ := json.Marshal(m)
	return string(b)
}

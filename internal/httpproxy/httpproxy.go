// Package httpproxy lets the sample endpoints, written for API Gateway's REST
// proxy integration (events.APIGatewayProxyRequest, payload format 1.0),
// answer an HTTP API's Lambda proxy integration with payload format 2.0
// (events.APIGatewayV2HTTPRequest) too: Handler tells the two apart by the
// event's top-level "version", converts a 2.0 event to the REST shape with
// FromV2 and the answer back with ToV2.
//
// Behind an HTTP API, a Lambda authorizer's context arrives under
// requestContext.authorizer.lambda with its JSON types kept; FromV2 hands it
// to the REST handlers as REST passes it, as strings. A JWT or IAM
// authorizer's description is not carried over: the handlers find no
// principal and refuse the request, as they refuse a REST method deployed
// without the authorizer.
package httpproxy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// MaxEventBytes is the largest event Handler decodes. The endpoints accept
// bodies of a few KiB (notes.MaxBodyBytes, 8 KiB, is the largest), and an
// HTTP API's request line and headers are bounded too; an event beyond this
// carries a body every endpoint would refuse, and is refused without being
// decoded.
const MaxEventBytes = 256 << 10

// VersionV2 is the "version" of an HTTP API's payload format 2.0 event. REST
// events have no version; an HTTP API's payload format 1.0 events have "1.0"
// and the REST shape.
const VersionV2 = "2.0"

// FromV2 returns ev, an HTTP API payload format 2.0 event, as the REST proxy
// event the handlers read:
//
//   - HTTPMethod from requestContext.http.method, Path from rawPath and
//     Resource from the route key's path ("GET /users/{userId}/notes" gives
//     "/users/{userId}/notes"; "$default" gives "");
//   - Headers as they come (lower-case names, repeated headers already joined
//     with commas), and the cookies as one Cookie header when ev has no such
//     header; MultiValueHeaders holds each header's one value;
//   - QueryStringParameters as they come, and MultiValueQueryStringParameters
//     with every value of a name repeated in rawQueryString, so that a
//     handler refusing a repeated parameter still sees the repetition that
//     the 2.0 format joins with commas;
//   - PathParameters, StageVariables, Body and IsBase64Encoded as they come;
//   - RequestContext's ids, stage, method, route, time and source address,
//     and Authorizer from requestContext.authorizer.lambda with its values
//     as REST passes them: strings as they are, numbers and booleans as
//     their JSON text; null, arrays and objects (which a REST API's context
//     cannot hold) are left out. Without a Lambda authorizer's context,
//     Authorizer is nil.
func FromV2(ev events.APIGatewayV2HTTPRequest) events.APIGatewayProxyRequest {
	rc := ev.RequestContext
	method := rc.HTTP.Method
	resource := routePath(ev.RouteKey)
	if resource == "" {
		resource = routePath(rc.RouteKey)
	}
	headers := maps.Clone(ev.Headers)
	if len(ev.Cookies) > 0 && !hasKey(headers, "cookie") {
		if headers == nil {
			headers = make(map[string]string, 1)
		}
		headers["cookie"] = strings.Join(ev.Cookies, "; ")
	}
	req := events.APIGatewayProxyRequest{
		Resource:                        resource,
		Path:                            ev.RawPath,
		HTTPMethod:                      method,
		Headers:                         headers,
		MultiValueHeaders:               singleValues(headers),
		QueryStringParameters:           maps.Clone(ev.QueryStringParameters),
		MultiValueQueryStringParameters: multiQuery(ev.QueryStringParameters, ev.RawQueryString),
		PathParameters:                  maps.Clone(ev.PathParameters),
		StageVariables:                  maps.Clone(ev.StageVariables),
		Body:                            ev.Body,
		IsBase64Encoded:                 ev.IsBase64Encoded,
		RequestContext: events.APIGatewayProxyRequestContext{
			AccountID:        rc.AccountID,
			Stage:            rc.Stage,
			DomainName:       rc.DomainName,
			DomainPrefix:     rc.DomainPrefix,
			RequestID:        rc.RequestID,
			Protocol:         rc.HTTP.Protocol,
			Identity:         events.APIGatewayRequestIdentity{SourceIP: rc.HTTP.SourceIP, UserAgent: rc.HTTP.UserAgent},
			ResourcePath:     resource,
			Path:             rc.HTTP.Path,
			HTTPMethod:       method,
			RequestTime:      rc.Time,
			RequestTimeEpoch: rc.TimeEpoch,
			APIID:            rc.APIID,
		},
	}
	if rc.Authorizer != nil && rc.Authorizer.Lambda != nil {
		req.RequestContext.Authorizer = contextStrings(rc.Authorizer.Lambda)
	}
	return req
}

// routePath returns the path of a route key "METHOD /path", or "" for a key
// without one ("$default").
func routePath(key string) string {
	_, path, ok := strings.Cut(key, " ")
	if !ok || !strings.HasPrefix(path, "/") {
		return ""
	}
	return path
}

// contextStrings returns a Lambda authorizer's context as a REST API passes
// it: every value a string.
func contextStrings(lambda map[string]any) map[string]any {
	out := make(map[string]any, len(lambda))
	for k, v := range lambda {
		if s, ok := contextString(v); ok {
			out[k] = s
		}
	}
	return out
}

// contextString returns v's REST form: a string as it is, a number or a
// boolean as its JSON text. Other values have none.
func contextString(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case json.Number:
		return v.String(), true
	case bool:
		return strconv.FormatBool(v), true
	case float64, float32, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		b, err := json.Marshal(v)
		if err != nil { // NaN or an infinity: no JSON text.
			return "", false
		}
		return string(b), true
	}
	return "", false
}

func hasKey(m map[string]string, name string) bool {
	for k := range m {
		if strings.EqualFold(k, name) {
			return true
		}
	}
	return false
}

func singleValues(m map[string]string) map[string][]string {
	if m == nil {
		return nil
	}
	out := make(map[string][]string, len(m))
	for k, v := range m {
		out[k] = []string{v}
	}
	return out
}

// multiQuery returns each parameter of params with its values: the one value
// params has, or, for a name rawQuery repeats, every value rawQuery gives it.
func multiQuery(params map[string]string, rawQuery string) map[string][]string {
	if params == nil {
		return nil
	}
	raw := parseQuery(rawQuery)
	out := make(map[string][]string, len(params))
	for k, v := range params {
		if vals := raw[k]; len(vals) > 1 {
			out[k] = vals
		} else {
			out[k] = []string{v}
		}
	}
	return out
}

// parseQuery splits a raw query string into its names' values, decoding
// what percent-decodes and keeping the rest as it is: unlike
// url.ParseQuery, it loses no parameter to a bad escape.
func parseQuery(q string) map[string][]string {
	out := make(map[string][]string)
	for q != "" {
		var part string
		part, q, _ = strings.Cut(q, "&")
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		out[unescape(k)] = append(out[unescape(k)], unescape(v))
	}
	return out
}

func unescape(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// ToV2 returns resp, a REST proxy answer, as an HTTP API payload format 2.0
// answer: the status, body and isBase64Encoded as they are; headers with
// multiValueHeaders merged in (a name's values joined with ", ", as REST
// merges them, multiValueHeaders winning for a name in both); and Set-Cookie
// as cookies, which is how the 2.0 format sets them.
func ToV2(resp events.APIGatewayProxyResponse) events.APIGatewayV2HTTPResponse {
	out := events.APIGatewayV2HTTPResponse{
		StatusCode:      resp.StatusCode,
		Body:            resp.Body,
		IsBase64Encoded: resp.IsBase64Encoded,
	}
	merged := make(map[string][]string, len(resp.Headers)+len(resp.MultiValueHeaders))
	for k, v := range resp.Headers {
		merged[k] = []string{v}
	}
	for k, vs := range resp.MultiValueHeaders {
		if len(vs) > 0 {
			merged[k] = vs
		}
	}
	for k, vs := range merged {
		if strings.EqualFold(k, "Set-Cookie") {
			out.Cookies = append(out.Cookies, vs...)
			continue
		}
		if out.Headers == nil {
			out.Headers = make(map[string]string, len(merged))
		}
		out.Headers[k] = strings.Join(vs, ", ")
	}
	return out
}

// Handler returns a Lambda handler for lambda.StartHandlerFunc that serves
// both event shapes with h, a REST proxy handler. An event whose top-level
// "version" is "2.0" is an HTTP API payload format 2.0 event: it is converted
// with FromV2 and h's answer with ToV2. Anything else (a REST event, an HTTP
// API payload format 1.0 event) is decoded as events.APIGatewayProxyRequest
// and answered as h answers it.
//
// An event that is larger than MaxEventBytes, is not a JSON object or does
// not decode into its shape is answered 400 with a JSON message, in the
// shape its version calls for; h does not see it. An error h returns is
// returned as it is.
func Handler(h func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error)) func(context.Context, json.RawMessage) (any, error) {
	return func(ctx context.Context, raw json.RawMessage) (any, error) {
		if len(raw) > MaxEventBytes {
			return badEvent(false, fmt.Sprintf("event is larger than %d bytes", MaxEventBytes)), nil
		}
		var top map[string]json.RawMessage
		if err := json.Unmarshal(raw, &top); err != nil || top == nil {
			return badEvent(false, "event is not a JSON object"), nil
		}
		if !isV2(top["version"]) {
			var req events.APIGatewayProxyRequest
			if err := json.Unmarshal(raw, &req); err != nil {
				return badEvent(false, "event is not an API Gateway proxy event"), nil
			}
			resp, err := h(ctx, req)
			if err != nil {
				return nil, err
			}
			return resp, nil
		}
		var ev events.APIGatewayV2HTTPRequest
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber() // the authorizer context's numbers keep their text
		if err := dec.Decode(&ev); err != nil {
			return badEvent(true, "event is not an HTTP API payload format 2.0 event"), nil
		}
		resp, err := h(ctx, FromV2(ev))
		if err != nil {
			return nil, err
		}
		return ToV2(resp), nil
	}
}

// isV2 reports whether version, the raw top-level "version", is "2.0".
func isV2(version json.RawMessage) bool {
	var s string
	return version != nil && json.Unmarshal(version, &s) == nil && s == VersionV2
}

// badEvent is the answer to an event h never sees.
func badEvent(v2 bool, msg string) any {
	b, _ := json.Marshal(struct {
		Message string `json:"message"`
	}{msg})
	resp := events.APIGatewayProxyResponse{
		StatusCode: http.StatusBadRequest,
		Headers:    map[string]string{"Content-Type": "application/json"},
		Body:       string(b),
	}
	if v2 {
		return ToV2(resp)
	}
	return resp
}

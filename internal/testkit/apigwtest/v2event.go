package apigwtest

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// HTTPAPIEvent returns req as an HTTP API's Lambda proxy integration sends
// it with payload format 2.0: method in requestContext.http, lower-case
// headers, repeated values joined with commas, and lambda, a Lambda
// authorizer's context with its JSON types, under
// requestContext.authorizer.lambda.
func HTTPAPIEvent(t testing.TB, req events.APIGatewayProxyRequest, lambda map[string]any) json.RawMessage {
	t.Helper()
	headers := map[string]string{}
	for k, v := range req.Headers {
		headers[strings.ToLower(k)] = v
	}
	query := url.Values(req.MultiValueQueryStringParameters)
	var params map[string]string
	if len(query) > 0 {
		params = map[string]string{}
		for k, vs := range query {
			params[k] = strings.Join(vs, ",")
		}
	}
	route := req.HTTPMethod + " " + req.Resource
	ev := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: route, RawPath: req.Path, RawQueryString: query.Encode(),
		Headers: headers, QueryStringParameters: params, PathParameters: req.PathParameters,
		Body: req.Body, IsBase64Encoded: req.IsBase64Encoded,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey: route, AccountID: "123456789012", APIID: "abcdef1234", Stage: "$default", RequestID: "v2-request",
			HTTP:       events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: req.HTTPMethod, Path: req.Path},
			Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: lambda},
		},
	}
	raw, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// ServeV2 passes raw through the function's handler chain and returns its
// payload format 2.0 answer.
func ServeV2(t testing.TB, serve func(context.Context, json.RawMessage) (any, error), raw json.RawMessage) events.APIGatewayV2HTTPResponse {
	t.Helper()
	out, err := serve(t.Context(), raw)
	resp, ok := out.(events.APIGatewayV2HTTPResponse)
	if err != nil || !ok {
		t.Fatalf("handler(payload 2.0 event) = %#v, %v, want a payload 2.0 answer", out, err)
	}
	return resp
}

package authorizer_test

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

// benchLambda measures what Lambda runs for one event: aws-lambda-go's own
// handler around HandleEvent, decoding the event and encoding the answer
// (the bytes posted to the Runtime API), the log line written to
// io.Discard.
func benchLambda(b *testing.B, f *fixture, ev json.RawMessage) {
	b.Helper()
	h := lambda.NewHandler(f.handler.HandleEvent)
	ctx := context.Background()
	out, err := h.Invoke(ctx, ev)
	if err != nil || !strings.Contains(string(out), `"Effect":"Allow"`) {
		b.Fatalf("Invoke = %s, %v; want an Allow", out, err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.Invoke(ctx, ev); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLambdaValid is BenchmarkAuthorizeValid with the event decoded
// and the answer encoded as aws-lambda-go does.
func BenchmarkLambdaValid(b *testing.B) {
	f := newFixtureLogging(b, nil, io.Discard)
	ev, _ := json.Marshal(events.APIGatewayCustomAuthorizerRequest{Type: "TOKEN", AuthorizationToken: "Bearer " + f.idToken(b),
		MethodArn: "arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/GET/notes"})
	benchLambda(b, f, ev)
}

// BenchmarkLambdaRules100 is BenchmarkAuthorizeRules100 with the event
// decoded and the answer, a policy of a hundred resources, encoded as
// aws-lambda-go does.
func BenchmarkLambdaRules100(b *testing.B) {
	f, ev := rules100(b)
	benchLambda(b, f, ev)
}

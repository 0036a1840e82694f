package authorizer_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
)

// TestRenderedAnswersAreTheEncodersBytes: with route rules, the Lambda
// entry (HandleEvent) answers Allows and Denies with the policy rendered
// once per outcome set, as a reader aws-lambda-go passes through. Run
// through aws-lambda-go's own handler, its bytes must be exactly those of
// the typed answer (Handle) encoded by aws-lambda-go, for context values
// JSON escapes, HTML characters, a usage plan key and every route of the
// rules. The first decision of an outcome set is encoded by aws-lambda-go;
// every later one is rendered.
func TestRenderedAnswersAreTheEncodersBytes(t *testing.T) {
	rules, err := os.ReadFile("../policy/testdata/rules.json")
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, map[string]string{settings.EnvRouteRules: string(rules), settings.EnvUsageIdentifierClaim: tenantClaim})
	c := f.pool.IDClaims(alice, time.Now())
	c["email"] = `a<b>&"c"\d@example.com`
	c["cognito:username"] = "ålice\u2028"
	c[tenantClaim] = "tenant-key-0123456789abcdef"
	withKey := f.sign(t, c)
	plain := f.idToken(t)

	typed := lambda.NewHandler(func(ctx context.Context, raw json.RawMessage) (events.APIGatewayCustomAuthorizerResponse, error) {
		return f.handler.Handle(ctx, raw)
	})
	entry := lambda.NewHandler(f.handler.HandleEvent)
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-1"})
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	rendered := 0
	for _, tok := range []string{withKey, plain} {
		for _, path := range []string{"POST/add-note", "GET/notes", "GET/users/" + alice.Sub + "/notes", "GET/users/someone/notes", "DELETE/admin/users/1", "GET/reports", "GET/unlisted"} {
			ev, _ := json.Marshal(events.APIGatewayCustomAuthorizerRequest{Type: "TOKEN", AuthorizationToken: "Bearer " + tok,
				MethodArn: "arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/" + path})
			want, werr := typed.Invoke(ctx, ev)
			got, gerr := entry.Invoke(ctx, ev)
			if werr != nil || gerr != nil {
				t.Fatalf("%s: typed %v, entry %v; want answers", path, werr, gerr)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s: the entry answered\n%s\naws-lambda-go encodes the typed answer as\n%s", path, got, want)
			}
			if resp, _ := f.handler.HandleEvent(ctx, ev); resp != nil {
				if _, ok := resp.(io.Reader); ok {
					rendered++
					// Posted to the Runtime API as aws-lambda-go posts what it
					// encodes itself.
					if ct, ok := resp.(interface{ ContentType() string }); !ok || ct.ContentType() != "application/json" {
						t.Errorf("%s: the rendered answer's content type is not application/json", path)
					}
				}
			}
		}
	}
	if rendered != 14 {
		t.Errorf("%d of 14 answers were rendered once per outcome set, want all", rendered)
	}
}

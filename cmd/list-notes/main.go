// Command list-notes is the sample API's read side behind the authorizer: a
// Lambda function for API Gateway's Lambda proxy integrations (a REST API's,
// and an HTTP API's with payload format 2.0) that answers GET /notes (the
// caller's own notes) and GET /users/{userId}/notes (one user's notes, for
// that user or group admins), newest first, a page at a time, from the table
// add-note writes. See notes.ListHandler for what it answers and
// settings.NotesSettings for its environment.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/gatehouse-dev/cognito-authorizer/internal/awsconfig"
	"github.com/gatehouse-dev/cognito-authorizer/internal/httpproxy"
	"github.com/gatehouse-dev/cognito-authorizer/internal/lambdainit"
	"github.com/gatehouse-dev/cognito-authorizer/internal/notes"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
)

func main() {
	lambdainit.Main("list-notes", run, func(h *notes.ListHandler) { lambda.StartHandlerFunc(handler(h)) })
}

// handler is what the function serves: h behind API Gateway's REST proxy
// integration and behind an HTTP API's with payload format 2.0, the
// authorizer's context read from requestContext.authorizer.lambda there.
func handler(h *notes.ListHandler) func(context.Context, json.RawMessage) (any, error) {
	return httpproxy.Handler(h.Handle)
}

// run reads the configuration through getenv and returns the handler, wired
// to a DynamoDB client built once from the SDK's standard configuration and
// logging to stdout. Every configuration problem is reported at once.
//
// As in cmd/add-note, the SDK reads its own variables from the process
// environment, not through getenv; only the region is also taken from
// getenv, so that tests can set it.
func run(ctx context.Context, getenv func(string) string, stdout io.Writer) (*notes.ListHandler, error) {
	cfg, cfgErr := settings.LoadNotes(getenv)

	awsCfg, awsErr := awsconfig.Load(ctx, getenv, "the notes table")

	if err := errors.Join(cfgErr, awsErr); err != nil {
		return nil, err
	}
	logger := lambdainit.Logger(stdout, cfg.LogLevel)
	lambdainit.RouteStdLog(logger)
	store := notes.NewDynamoStore(dynamodb.NewFromConfig(awsCfg), cfg.Table)
	return notes.NewListHandler(store, logger), nil
}

// Command list-notes is the sample API's read side behind the authorizer: a
// Lambda function for API Gateway's REST proxy integration that answers
// GET /notes (the caller's own notes) and GET /users/{userId}/notes (one
// user's notes, for that user or group admins), newest first, a page at a
// time, from the table add-note writes. See notes.ListHandler for what it
// answers and settings.NotesSettings for its environment.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/gatehouse-dev/cognito-authorizer/internal/lambdainit"
	"github.com/gatehouse-dev/cognito-authorizer/internal/notes"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
)

func main() {
	h, err := run(context.Background(), os.Getenv, os.Stdout)
	if err != nil {
		lambdainit.Fail(os.Stdout, os.Getenv, err)
		os.Exit(1)
	}
	lambda.StartHandlerFunc(h.Handle)
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

	var opts []func(*config.LoadOptions) error
	if region := getenv("AWS_REGION"); region != "" {
		opts = append(opts, config.WithRegion(region))
	}
	awsCfg, awsErr := config.LoadDefaultConfig(ctx, opts...)
	if awsErr != nil {
		awsErr = fmt.Errorf("AWS SDK configuration: %w", awsErr)
	} else if awsCfg.Region == "" {
		awsErr = errors.New("AWS_REGION: required: the region of the notes table (Lambda sets it)")
	}

	if err := errors.Join(cfgErr, awsErr); err != nil {
		return nil, err
	}
	logger := lambdainit.Logger(stdout, cfg.LogLevel)
	store := notes.NewDynamoStore(dynamodb.NewFromConfig(awsCfg), cfg.Table)
	return notes.NewListHandler(store, logger), nil
}

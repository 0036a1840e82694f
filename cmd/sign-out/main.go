// Command sign-out is the sample sign-out endpoint behind the authorizer: a
// Lambda function for API Gateway's Lambda proxy integrations (a REST API's,
// and an HTTP API's with payload format 2.0) that answers POST /sign-out by
// recording the sign-out in the revocation table. See package signout for
// what it answers and settings.SignOutSettings for its environment.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/gatehouse-dev/cognito-authorizer/internal/awsconfig"
	"github.com/gatehouse-dev/cognito-authorizer/internal/cognito"
	"github.com/gatehouse-dev/cognito-authorizer/internal/httpproxy"
	"github.com/gatehouse-dev/cognito-authorizer/internal/lambdainit"
	"github.com/gatehouse-dev/cognito-authorizer/internal/revocation"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
	"github.com/gatehouse-dev/cognito-authorizer/internal/signout"
)

func main() {
	lambdainit.Main("sign-out", run, func(h *signout.Handler) { lambda.StartHandlerFunc(handler(h)) })
}

// handler is what the function serves: h behind API Gateway's REST proxy
// integration and behind an HTTP API's with payload format 2.0, the
// authorizer's context read from requestContext.authorizer.lambda there.
func handler(h *signout.Handler) func(context.Context, json.RawMessage) (any, error) {
	return httpproxy.Handler(h.Handle)
}

// run reads the configuration through getenv and returns the handler, wired
// to a DynamoDB client and a Cognito client built once from the SDK's
// standard configuration, and logging to stdout. Every configuration problem
// is reported at once.
//
// The SDK reads its own variables (credentials, AWS_ENDPOINT_URL_DYNAMODB,
// AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER ...) from the process
// environment, not through getenv; only the region is also taken from
// getenv, so that tests can set it. The Cognito client uses the pool's
// region, which its id names.
func run(ctx context.Context, getenv func(string) string, stdout io.Writer) (*signout.Handler, error) {
	cfg, cfgErr := settings.LoadSignOut(getenv)

	awsCfg, awsErr := awsconfig.Load(ctx, getenv, "the revocation table")
	if err := errors.Join(cfgErr, awsErr); err != nil {
		return nil, err
	}

	logger := lambdainit.Logger(stdout, cfg.LogLevel)
	lambdainit.RouteStdLog(logger)
	store := revocation.NewStore(dynamodb.NewFromConfig(awsCfg), cfg.Table)
	pool := signout.NewCognitoPool(cip.NewFromConfig(awsCfg, func(o *cip.Options) { o.Region = cfg.Region }), cfg.UserPoolID)
	issuers, err := cognito.Issuers(cfg.UserPoolID)
	if err != nil {
		return nil, err
	}
	hopts := []signout.Option{
		// The authorizer may accept other issuers too: only the pool's
		// own users sign out here.
		signout.WithIssuers(issuers...),
		signout.WithTokenMaxValidity(cfg.TokenMaxValidity), signout.WithRefreshMaxValidity(cfg.RefreshMaxValidity),
	}
	if cfg.FlushAuthorizerCache {
		hopts = append(hopts, signout.WithFlusher(signout.NewStageCache(apigateway.NewFromConfig(awsCfg))))
	}
	return signout.NewHandler(store, pool, logger, hopts...), nil
}

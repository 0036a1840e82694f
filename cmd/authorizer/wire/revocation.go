package wire

import (
	"context"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/gatehouse-dev/cognito-authorizer/internal/awsconfig"
	"github.com/gatehouse-dev/cognito-authorizer/internal/revocation"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
)

// Revocations returns the check of the revocation table rev names, read
// through a DynamoDB client built from the SDK's standard configuration.
// The client retries once at most: the invocation's deadline bounds every
// lookup, and a store that fails twice is an outage.
//
// The region, the DynamoDB endpoint (AWS_ENDPOINT_URL_DYNAMODB) and static
// credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
// AWS_SESSION_TOKEN) are taken from getenv where it sets them. In Lambda,
// getenv is the process's environment, which the SDK reads anyway; a
// local tool's getenv may be an env-vars file, and its settings then apply
// as they would in the function.
func Revocations(ctx context.Context, getenv func(string) string, rev settings.Revocation, log *slog.Logger) (*revocation.Checker, error) {
	opts := []func(*config.LoadOptions) error{config.WithRetryMaxAttempts(2)}
	if id, secret := getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY"); id != "" && secret != "" {
		opts = append(opts, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(id, secret, getenv("AWS_SESSION_TOKEN"))))
	}
	awsCfg, err := awsconfig.Load(ctx, getenv, "the revocation table", opts...)
	if err != nil {
		return nil, err
	}
	var clientOpts []func(*dynamodb.Options)
	if endpoint := getenv(settings.EnvEndpointDynamoDB); endpoint != "" {
		clientOpts = append(clientOpts, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(endpoint) })
	}
	store := revocation.NewStore(dynamodb.NewFromConfig(awsCfg, clientOpts...), rev.Table)
	return revocation.NewChecker(store, log, revocation.WithCacheTTL(rev.CacheTTL)), nil
}

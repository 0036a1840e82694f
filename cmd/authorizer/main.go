// Command authorizer is the Lambda custom authorizer: it verifies the Cognito
// token of each API Gateway TOKEN or REQUEST event and answers with an IAM
// policy. Build it as bootstrap for the provided.al2023 runtime (make build).
//
// This is where the pieces are wired: settings, the verifier (package wire,
// shared with the test kit), the revocation check, and the handler.
package main

import (
	"context"
	"errors"
	"io"
	"log/slog"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/gatehouse-dev/cognito-authorizer/internal/authorizer"
	"github.com/gatehouse-dev/cognito-authorizer/internal/awsconfig"
	"github.com/gatehouse-dev/cognito-authorizer/internal/lambdainit"
	"github.com/gatehouse-dev/cognito-authorizer/internal/revocation"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
	"github.com/gatehouse-dev/cognito-authorizer/internal/wire"
)

func main() {
	lambdainit.Main("authorizer", run, func(h *authorizer.Handler) { lambda.StartHandlerFunc(h.Handle) })
}

// run reads the configuration, wires the verifier and fetches the JWKS once,
// so that the first invocation finds the keys. A JWKS that cannot be fetched
// now does not stop the function: the first invocations answer with an
// outage error and fetch again.
func run(ctx context.Context, getenv func(string) string, stdout io.Writer) (*authorizer.Handler, error) {
	cfg, cfgErr := settings.LoadAuthorizer(getenv)
	rev, revErr := settings.LoadRevocation(getenv)
	if err := errors.Join(cfgErr, revErr); err != nil {
		return nil, err
	}
	log := lambdainit.Logger(stdout, cfg.LogLevel)
	// aws-lambda-go writes through the log package: one JSON shape, and no
	// second line for the Unauthorized each decision line already names.
	lambdainit.RouteStdLog(log)

	verifier, cache, err := wire.Verifier(cfg, log)
	if err != nil {
		return nil, err
	}
	hcfg := wire.HandlerConfig(cfg)
	if rev.Enabled() {
		// Only then is there an AWS SDK client, and its cost.
		checker, err := newRevocationChecker(ctx, getenv, rev, log)
		if err != nil {
			return nil, err
		}
		hcfg.Revocations = checker
	}
	_ = cache.Refresh(ctx) // logged by the cache; KeyRead tries again
	log.LogAttrs(ctx, slog.LevelInfo, "authorizer started",
		slog.String("user_pool_id", cfg.UserPoolID),
		slog.Any("client_ids", cfg.ClientIDs),
		slog.Any("token_use", cfg.TokenUses),
		slog.String("jwks_url", cfg.JWKSURL),
		slog.Any("required_scopes", cfg.RequiredScopes),
		slog.Any("required_groups", cfg.RequiredGroups),
		slog.String("policy_resource", cfg.PolicyResource.String()),
		slog.Int("route_rules", routeRules(cfg)),
		slog.String("revocation_table", rev.Table))
	return authorizer.New(hcfg, verifier, log), nil
}

func routeRules(cfg settings.Authorizer) int {
	if cfg.Rules == nil {
		return 0
	}
	return cfg.Rules.Len()
}

// newRevocationChecker reads the revocation table through a DynamoDB client
// built from the SDK's standard configuration (AWS_ENDPOINT_URL_DYNAMODB
// included); the region is taken from getenv too, so that tests can set it.
// The client retries once at most: the invocation's deadline bounds every
// lookup, and a store that fails twice is an outage.
func newRevocationChecker(ctx context.Context, getenv func(string) string, rev settings.Revocation, log *slog.Logger) (*revocation.Checker, error) {
	awsCfg, err := awsconfig.Load(ctx, getenv, "the revocation table", config.WithRetryMaxAttempts(2))
	if err != nil {
		return nil, err
	}
	store := revocation.NewStore(dynamodb.NewFromConfig(awsCfg), rev.Table)
	return revocation.NewChecker(store, log, revocation.WithCacheTTL(rev.CacheTTL)), nil
}

// Command authorizer is the Lambda custom authorizer: it verifies the token
// (Cognito's, or a listed OpenID provider's) of each API Gateway event (a
// REST API's TOKEN or REQUEST event, an HTTP API's payload 1.0 or 2.0
// event) and answers with an IAM policy or, for payload 2.0 events with
// HTTP_API_RESPONSE=simple, a simple answer.
// Build it as bootstrap for the provided.al2023 runtime (make build).
//
// This is where the pieces are wired: the settings, the revocation check,
// and package wire (shared with the test kit) for the verifier, the
// decision core and the REST handler.
package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/gatehouse-dev/cognito-authorizer/cmd/authorizer/wire"
	"github.com/gatehouse-dev/cognito-authorizer/internal/authorizer"
	"github.com/gatehouse-dev/cognito-authorizer/internal/decide"
	"github.com/gatehouse-dev/cognito-authorizer/internal/lambdainit"
	"github.com/gatehouse-dev/cognito-authorizer/internal/revocation"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
)

func main() {
	// The environment is read with os.LookupEnv, not lambdainit's getenv:
	// METRICS_NAMESPACE set to the empty string is not the unset one.
	lambdainit.Main("authorizer", func(ctx context.Context, _ func(string) string, stdout io.Writer) (*authorizer.Handler, error) {
		return run(ctx, os.LookupEnv, stdout)
	}, func(h *authorizer.Handler) { lambda.StartHandlerFunc(h.HandleEvent) })
}

// run reads the configuration from lookupEnv, wires the verifier and
// fetches the JWKS once, so that the first invocation finds the keys. A
// JWKS that cannot be fetched now does not stop the function: the first
// invocations answer with an outage error and fetch again. That fetch is
// no invocation's: no decision line counts it in its JWKSFetches.
func run(ctx context.Context, lookupEnv func(string) (string, bool), stdout io.Writer) (*authorizer.Handler, error) {
	getenv := func(name string) string {
		v, _ := lookupEnv(name)
		return v
	}
	cfg, cfgErr := settings.LookupAuthorizer(lookupEnv)
	rev, revErr := settings.LoadRevocation(getenv)
	if err := errors.Join(cfgErr, revErr); err != nil {
		return nil, err
	}
	log := lambdainit.Logger(stdout, cfg.LogLevel)
	// aws-lambda-go writes through the log package: one JSON shape, and no
	// second line for the Unauthorized each decision line already names.
	lambdainit.RouteStdLog(log)

	var (
		opts    []decide.Option
		checker *revocation.Checker
	)
	if rev.Enabled() {
		// Only then is there an AWS SDK client, and its cost.
		var err error
		if checker, err = wire.Revocations(getenv, rev, log); err != nil {
			return nil, err
		}
		opts = append(opts, decide.WithRevocations(checker))
	}
	h, keys, err := wire.Handler(cfg, log, opts...)
	if err != nil {
		return nil, err
	}
	prefetch(ctx, keys, checker, log)
	log.LogAttrs(ctx, slog.LevelInfo, "authorizer started",
		slog.Any("issuers", issuers(cfg)),
		slog.Any("required_scopes", cfg.RequiredScopes),
		slog.Any("required_groups", cfg.RequiredGroups),
		slog.String("policy_resource", cfg.PolicyResource.String()),
		slog.String("http_api_response", cfg.HTTPAPIResponse),
		slog.Int("route_rules", routeRules(cfg)),
		slog.String("metrics_namespace", cfg.MetricsNamespace),
		slog.String("revocation_table", rev.Table))
	return h, nil
}

// prefetch fetches every issuer's keys at once (an OpenID provider's after
// its discovery document) and, with a revocation table, reads it once
// (checker.Warm), all in parallel: Lambda's init runs at full CPU, and
// the first invocations find the keys, the credentials and a connection
// ready. A failure is logged (the keys' by their source); the invocations
// try again.
func prefetch(ctx context.Context, keys []wire.Keys, checker *revocation.Checker, log *slog.Logger) {
	// Lambda's init phase is limited to 10 s; an OpenID provider's
	// discovery and then its keys could take twice JWKS_TIMEOUT (9 s at
	// most). The invocations fetch what this could not.
	ctx, cancel := context.WithTimeout(ctx, prefetchLimit)
	defer cancel()
	var wg sync.WaitGroup
	for _, c := range keys {
		wg.Go(func() { _ = c.Refresh(ctx) })
	}
	if checker != nil {
		wg.Go(func() {
			if err := checker.Warm(ctx); err != nil {
				log.LogAttrs(ctx, slog.LevelWarn, "revocation table not read at start", slog.String("error", err.Error()))
			}
		})
	}
	wg.Wait()
}

// prefetchLimit bounds the fetches at start, within Lambda's 10 s init.
const prefetchLimit = 8 * time.Second

// issuers describes the issuers for the start line: the settings' own
// JSON (an OpenID provider's empty jwksUrl: found by discovery).
func issuers(cfg settings.Authorizer) []settings.Issuer { return cfg.Issuers }

func routeRules(cfg settings.Authorizer) int {
	if cfg.Rules == nil {
		return 0
	}
	return cfg.Rules.Len()
}

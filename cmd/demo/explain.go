package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/gatehouse-dev/cognito-authorizer/cmd/explain/why"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/cognitotest"
)

// explainRequest is the request the demo explains: bob, in no group, may
// not add a note.
const explainRequest = "POST /add-note"

// authorizerEnv is the environment of the demo's authorizer, which
// explainOne reads too.
func authorizerEnv(jwksURL, rules, dynamoURL string) map[string]string {
	return map[string]string{
		settings.EnvUserPoolID:         poolID,
		settings.EnvClientIDs:          clientID,
		settings.EnvJWKSURL:            jwksURL,
		settings.EnvRouteRules:         rules,
		settings.EnvRevocationTable:    revocationTable,
		settings.EnvRevocationCacheTTL: "0s",
		settings.EnvEndpointDynamoDB:   dynamoURL,
		"AWS_REGION":                   "eu-west-1",
		"AWS_ACCESS_KEY_ID":            "demo",
		"AWS_SECRET_ACCESS_KEY":        "demo",
	}
}

// explainOne prints what make explain says of bob's token on
// explainRequest, under env, the settings the demo's authorizer runs
// with: the same decision core, every check and rule, and why.
func explainOne(ctx context.Context, w io.Writer, pool *cognitotest.Pool, env map[string]string) error {
	token, err := pool.IDToken(bob, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nWhy was bob refused %s? make explain, with the same settings (cmd/explain):\n\n", explainRequest)
	r, err := why.Explain(ctx, why.Options{
		Token:          token,
		Request:        explainRequest,
		LookupEnv:      func(name string) (string, bool) { v, ok := env[name]; return v, ok },
		SettingsSource: "the demo's authorizer settings",
	})
	if err != nil {
		return err
	}
	return r.WriteText(w)
}

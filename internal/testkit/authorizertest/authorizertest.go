// Package authorizertest wires the authorizer's verifier and handler from
// settings for tests and local tools, with package wire as cmd/authorizer
// does for Lambda.
package authorizertest

import (
	"log/slog"
	"testing"

	"github.com/gatehouse-dev/cognito-authorizer/internal/authorizer"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
	"github.com/gatehouse-dev/cognito-authorizer/internal/verify"
	"github.com/gatehouse-dev/cognito-authorizer/internal/wire"
)

// NewVerifier returns a verifier configured by the authorizer's settings as
// getenv gives them; a setting the authorizer refuses fails tb.
func NewVerifier(tb testing.TB, getenv func(string) string) *verify.Verifier {
	tb.Helper()
	cfg := load(tb, getenv)
	return newVerifier(tb, cfg)
}

// NewHandler returns the authorizer's handler configured by getenv, logging
// to log; each change then edits its configuration (to set what settings
// cannot, such as a fake revocation check).
func NewHandler(tb testing.TB, getenv func(string) string, log *slog.Logger, change ...func(*authorizer.Config)) *authorizer.Handler {
	tb.Helper()
	cfg := load(tb, getenv)
	hcfg := wire.HandlerConfig(cfg)
	for _, c := range change {
		c(&hcfg)
	}
	return authorizer.New(hcfg, newVerifier(tb, cfg), log)
}

func load(tb testing.TB, getenv func(string) string) settings.Authorizer {
	tb.Helper()
	cfg, err := settings.LoadAuthorizer(getenv)
	if err != nil {
		tb.Fatalf("the settings do not configure the authorizer: %v", err)
	}
	return cfg
}

func newVerifier(tb testing.TB, cfg settings.Authorizer) *verify.Verifier {
	tb.Helper()
	v, _, err := wire.Verifier(cfg, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

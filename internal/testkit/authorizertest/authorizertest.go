// Package authorizertest wires the authorizer from settings for tests and
// local tools, with package wire as cmd/authorizer does for Lambda.
package authorizertest

import (
	"log/slog"
	"testing"

	"github.com/gatehouse-dev/cognito-authorizer/cmd/authorizer/wire"
	"github.com/gatehouse-dev/cognito-authorizer/internal/authorizer"
	"github.com/gatehouse-dev/cognito-authorizer/internal/decide"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
	"github.com/gatehouse-dev/cognito-authorizer/internal/verify"
)

// NewVerifier returns a verifier configured by the authorizer's settings as
// getenv gives them; a setting the authorizer refuses fails tb.
func NewVerifier(tb testing.TB, getenv func(string) string) *verify.Verifier {
	tb.Helper()
	v, _, err := wire.Verifier(load(tb, getenv), nil)
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

// NewDecider returns the decision core configured by getenv; opts add what
// settings cannot, such as a fake revocation check.
func NewDecider(tb testing.TB, getenv func(string) string, opts ...decide.Option) *decide.Decider {
	tb.Helper()
	d, _, err := wire.Decider(load(tb, getenv), nil, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

// NewHandler returns the authorizer's handler configured by getenv, logging
// its decisions (only: not the key fetches) to log; opts add what settings
// cannot, such as a fake revocation check.
func NewHandler(tb testing.TB, getenv func(string) string, log *slog.Logger, opts ...decide.Option) *authorizer.Handler {
	tb.Helper()
	s := load(tb, getenv)
	d, _, err := wire.Decider(s, nil, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	return authorizer.New(d, log, wire.HandlerOptions(s)...)
}

func load(tb testing.TB, getenv func(string) string) settings.Authorizer {
	tb.Helper()
	cfg, err := settings.LoadAuthorizer(getenv)
	if err != nil {
		tb.Fatalf("the settings do not configure the authorizer: %v", err)
	}
	return cfg
}

// Package why explains one decision of the authorizer for one token and
// one request: it wires the decision core from the authorizer's settings
// exactly as the Lambda function does (package wire), decides the request
// with Request.Explain set and returns a Report, which renders as text
// (WriteText) or as one JSON object (WriteJSON). cmd/explain is its
// command line; make demo calls it too.
package why

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/gatehouse-dev/cognito-authorizer/cmd/authorizer/wire"
	"github.com/gatehouse-dev/cognito-authorizer/internal/decide"
	"github.com/gatehouse-dev/cognito-authorizer/internal/policy"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/shellaws"
)

// Defaults of the placeholder API the request's ARN is built on: rules and
// policies depend on the method and path only, and the API's other parts
// are only repeated in the policy's resources.
const (
	DefaultAPIID   = "abcdef1234"
	DefaultStage   = "prod"
	DefaultRegion  = "us-east-1"
	DefaultAccount = "123456789012"
)

// ErrUsage is an error in what the caller gave (a request that is not
// "METHOD /path", a keys file that is not a JWKS) or in the settings (as
// the Lambda function would refuse to start): no decision was made.
var ErrUsage = errors.New("usage")

// Options are one explanation's inputs.
type Options struct {
	// Token is the Authorization header's value: a JWT, with or without
	// "Bearer "; empty is no token.
	Token string
	// Request is "METHOD /path", the path as the client sends it, without
	// a query string.
	Request string
	// LookupEnv reads the authorizer's settings, as os.LookupEnv does in
	// the Lambda function: the process's environment, or an env-vars
	// file's section.
	LookupEnv func(string) (string, bool)
	// SettingsSource says where LookupEnv reads, for the report
	// ("the environment", "events/env.json (AuthorizerFunction)").
	SettingsSource string
	// Keys, if set, is a JWKS document used for every issuer instead of
	// fetching its keys (offline). The revocation table is then not read
	// either, and the report says so.
	Keys []byte
	// KeysSource names where Keys came from, for the report.
	KeysSource string
	// APIID and Stage place the request; empty: DefaultAPIID and
	// DefaultStage.
	APIID, Stage string
}

// Explain decides o's request for o's token as the authorizer configured
// by o's settings would, and reports every step. Its error matches
// ErrUsage when no decision could be made; an outage (keys or revocation
// table out of reach) is a decision, reported. ctx bounds the fetches.
func Explain(ctx context.Context, o Options) (*Report, error) {
	getenv := func(name string) string {
		v, _ := o.LookupEnv(name)
		return v
	}
	a, err := requestARN(o, getenv)
	if err != nil {
		return nil, err
	}
	cfg, err := settings.LookupAuthorizer(o.LookupEnv)
	if err != nil {
		return nil, fmt.Errorf("%w: the settings (%s) do not configure the authorizer: %w", ErrUsage, o.SettingsSource, err)
	}
	rev, err := settings.LoadRevocation(getenv)
	if err != nil {
		return nil, fmt.Errorf("%w: the settings (%s) do not configure the revocation check: %w", ErrUsage, o.SettingsSource, err)
	}
	r := &Report{Settings: describeSettings(o, cfg, rev)}

	if o.Keys != nil {
		url, stop, err := serveKeys(o.Keys)
		if err != nil {
			return nil, fmt.Errorf("%w: -keys %s: %w", ErrUsage, o.KeysSource, err)
		}
		defer stop()
		cfg.Issuers = withKeysURL(cfg.Issuers, url)
	}
	var opts []decide.Option
	switch {
	case rev.Enabled() && o.Keys != nil:
		r.Notes = append(r.Notes, fmt.Sprintf("Revocation was not checked: with -keys nothing is fetched, and %s=%s was not read. "+
			"The Lambda function reads it, and answers 401 (revoked) for a signed-out session or user.", settings.EnvRevocationTable, rev.Table))
	case rev.Enabled():
		checker, err := wire.Revocations(getenv, rev, nil, shellAWS(ctx, getenv)...)
		if err != nil {
			return nil, fmt.Errorf("%w: the revocation table %s: %w", ErrUsage, rev.Table, err)
		}
		opts = append(opts, decide.WithRevocations(checker))
	}
	d, _, err := wire.Decider(cfg, nil, opts...)
	if err != nil {
		return nil, fmt.Errorf("%w: the settings (%s): %w", ErrUsage, o.SettingsSource, err)
	}
	dec := d.Decide(ctx, decide.Request{Token: o.Token, ARN: a, Explain: true})
	r.fill(a, cfg, &dec)
	if rev.Enabled() && o.Keys != nil {
		r.markRevocationSkipped(rev.Table)
	}
	return r, nil
}

// requestARN builds the methodArn of o.Request on the placeholder API.
func requestARN(o Options, getenv func(string) string) (policy.MethodARN, error) {
	method, path, ok := strings.Cut(strings.TrimSpace(o.Request), " ")
	path = strings.TrimSpace(path)
	method = strings.ToUpper(method)
	if !ok || !strings.HasPrefix(path, "/") || !policy.IsMethod(method) {
		return policy.MethodARN{}, fmt.Errorf("%w: -request %q: want \"METHOD /path\", METHOD one of %s", ErrUsage, o.Request, strings.Join(policy.Methods(), ", "))
	}
	if strings.ContainsAny(path, "?#") {
		return policy.MethodARN{}, fmt.Errorf("%w: -request %q: the path without a query string (API Gateway's methodArn has none)", ErrUsage, o.Request)
	}
	api, stage := o.APIID, o.Stage
	if api == "" {
		api = DefaultAPIID
	}
	if stage == "" {
		stage = DefaultStage
	}
	s := fmt.Sprintf("arn:aws:execute-api:%s:%s:%s/%s/%s/%s", region(getenv), DefaultAccount, api, stage, method, path[1:])
	a, err := policy.ParseMethodARN(s)
	if err != nil {
		return policy.MethodARN{}, fmt.Errorf("%w: -request %q with -api %q and -stage %q: %w", ErrUsage, o.Request, api, stage, err)
	}
	return a, nil
}

// region is the placeholder ARN's region: AWS_REGION, else the user
// pool's, else DefaultRegion.
func region(getenv func(string) string) string {
	if r := getenv("AWS_REGION"); r != "" {
		return r
	}
	if r, err := settings.UserPoolRegion(getenv(settings.EnvUserPoolID)); err == nil {
		return r
	}
	return DefaultRegion
}

// withKeysURL returns issuers with every key source at url: a Cognito
// pool's JWKS, and an OpenID provider's (whose discovery is then skipped).
func withKeysURL(issuers []settings.Issuer, url string) []settings.Issuer {
	out := make([]settings.Issuer, len(issuers))
	for i, is := range issuers {
		if is.Cognito != nil {
			c := *is.Cognito
			c.JWKSURL = url
			is.Cognito = &c
		}
		if is.OIDC != nil {
			o := *is.OIDC
			o.JWKSURL = url
			is.OIDC = &o
		}
		out[i] = is
	}
	return out
}

// LookupFile returns a lookup of an env-vars file's section vars, as the
// Lambda function sees its environment: only what the section sets, but
// for the AWS_ variables (region, credentials, endpoints) it does not set,
// which are read from fallback (the shell's environment), as the
// function's come from its role and region.
func LookupFile(vars map[string]string, fallback func(string) (string, bool)) func(string) (string, bool) {
	return func(name string) (string, bool) {
		if v, ok := vars[name]; ok {
			return v, true
		}
		if strings.HasPrefix(name, "AWS_") {
			return fallback(name)
		}
		return "", false
	}
}

// shellAWS returns, for a revocation table read from this machine, the
// credentials and region of the developer's AWS settings (shellaws.Env: the
// SDK's standard chain, looked up only when the shell has AWS settings)
// where the settings give none: the Lambda function has them in its
// environment, a shell often only in ~/.aws.
func shellAWS(ctx context.Context, getenv func(string) string) []wire.RevocationOption {
	if getenv("AWS_ACCESS_KEY_ID") != "" && getenv("AWS_REGION") != "" {
		return nil
	}
	env, err := shellaws.Env(ctx, os.Getenv)
	if err != nil || env == nil {
		return nil
	}
	var opts []wire.RevocationOption
	if getenv("AWS_ACCESS_KEY_ID") == "" {
		opts = append(opts, wire.WithCredentials(credentials.NewStaticCredentialsProvider(env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"], env["AWS_SESSION_TOKEN"])))
	}
	if r := env["AWS_REGION"]; r != "" {
		opts = append(opts, wire.WithRegion(r))
	}
	return opts
}

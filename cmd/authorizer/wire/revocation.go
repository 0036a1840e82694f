package wire

import (
	"errors"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/gatehouse-dev/cognito-authorizer/internal/revocation"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
)

// RevocationOption configures the revocation table's DynamoDB client.
type RevocationOption func(*dynamodb.Options)

// WithCredentials signs the table's requests with p instead of the
// credentials in the environment: a local tool's, resolved from the
// developer's profile.
func WithCredentials(p aws.CredentialsProvider) RevocationOption {
	return func(o *dynamodb.Options) { o.Credentials = p }
}

// WithRegion sets the table's region where the environment has none: a
// local tool's, from the developer's profile.
func WithRegion(region string) RevocationOption {
	return func(o *dynamodb.Options) {
		if o.Region == "" {
			o.Region = region
		}
	}
}

// Revocations returns the check of the revocation table rev names. Its
// DynamoDB client is built from getenv alone: the region (AWS_REGION), the
// credentials Lambda gives every function (AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN; or WithCredentials) and the
// endpoint (AWS_ENDPOINT_URL_DYNAMODB, else AWS_ENDPOINT_URL;
// AWS_USE_FIPS_ENDPOINT and AWS_USE_DUALSTACK_ENDPOINT), not by the
// SDK's configuration loader, whose other sources (profiles, SSO, STS,
// instance metadata) a Lambda function never reads and whose packages add
// to the authorizer's start. The client retries once at most: the
// invocation's deadline bounds every lookup, and a store that fails twice
// is an outage.
func Revocations(getenv func(string) string, rev settings.Revocation, log *slog.Logger, opts ...RevocationOption) (*revocation.Checker, error) {
	o := dynamodb.Options{Region: getenv("AWS_REGION"), RetryMaxAttempts: 2}
	if id, secret := getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY"); id != "" && secret != "" {
		o.Credentials = credentials.NewStaticCredentialsProvider(id, secret, getenv("AWS_SESSION_TOKEN"))
	}
	for _, e := range []string{settings.EnvEndpointDynamoDB, "AWS_ENDPOINT_URL"} {
		if endpoint := getenv(e); endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
			break
		}
	}
	// The endpoint settings the configuration loader would have read.
	if getenv("AWS_USE_FIPS_ENDPOINT") == "true" {
		o.EndpointOptions.UseFIPSEndpoint = aws.FIPSEndpointStateEnabled
	}
	if getenv("AWS_USE_DUALSTACK_ENDPOINT") == "true" {
		o.EndpointOptions.UseDualStackEndpoint = aws.DualStackEndpointStateEnabled
	}
	for _, opt := range opts {
		opt(&o)
	}
	var errs []error
	if o.Region == "" {
		errs = append(errs, errors.New("AWS_REGION: required: the region of the revocation table (Lambda sets it)"))
	}
	if o.Credentials == nil {
		errs = append(errs, errors.New("AWS_ACCESS_KEY_ID: required with AWS_SECRET_ACCESS_KEY: the credentials the revocation table is read with (Lambda sets them from the function's role)"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	store := revocation.NewStore(dynamodb.New(o), rev.Table)
	return revocation.NewChecker(store, log, revocation.WithCacheTTL(rev.CacheTTL)), nil
}

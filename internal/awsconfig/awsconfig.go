// Package awsconfig loads the AWS SDK's configuration the one way every
// function of this project does.
package awsconfig

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
)

// Load returns the SDK's standard configuration: credentials,
// AWS_ENDPOINT_URL_<SERVICE> and the rest read by the SDK from the process
// environment. Only the region is also taken from getenv, so that tests can
// set it; a missing region is an error naming AWS_REGION and what it is
// needed for (purpose, e.g. "the notes table").
func Load(ctx context.Context, getenv func(string) string, purpose string, opts ...func(*config.LoadOptions) error) (aws.Config, error) {
	if region := getenv("AWS_REGION"); region != "" {
		opts = append(opts, config.WithRegion(region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("AWS SDK configuration: %w", err)
	}
	if cfg.Region == "" {
		return aws.Config{}, fmt.Errorf("AWS_REGION: required: the region of %s (Lambda sets it)", purpose)
	}
	return cfg, nil
}

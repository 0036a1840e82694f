// Package shellaws reads the developer's AWS credentials and region for the
// local tools (make invoke, make explain) as the AWS SDK's standard chain
// resolves them, without ever waiting for the chain's instance-metadata
// lookup on a machine that has no AWS settings at all.
package shellaws

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
)

// Env returns the shell's AWS credentials and region as a function's
// environment, as sam local invoke passes them into its container: resolved
// by the SDK's standard chain (the AWS_* variables, AWS_PROFILE, the shared
// config and credentials files). It looks only when the shell has any of
// them, so that a machine without AWS settings never waits for the chain's
// instance metadata lookup; with none it returns nil.
func Env(ctx context.Context, getenv func(string) string) (map[string]string, error) {
	if !hasAWSSettings(getenv) {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("the shell's AWS settings: %w", err)
	}
	if cfg.Credentials == nil {
		return nil, errors.New("the shell's AWS settings name no credentials")
	}
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return nil, fmt.Errorf("the shell's AWS credentials: %w", err)
	}
	env := map[string]string{"AWS_ACCESS_KEY_ID": creds.AccessKeyID, "AWS_SECRET_ACCESS_KEY": creds.SecretAccessKey}
	if creds.SessionToken != "" {
		env["AWS_SESSION_TOKEN"] = creds.SessionToken
	}
	if cfg.Region != "" {
		env["AWS_REGION"] = cfg.Region
	}
	return env, nil
}

// hasAWSSettings reports whether the shell names AWS credentials or a
// profile, or the user has shared config or credentials files.
func hasAWSSettings(getenv func(string) string) bool {
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_WEB_IDENTITY_TOKEN_FILE"} {
		if getenv(k) != "" {
			return true
		}
	}
	home := getenv("HOME")
	if home == "" {
		return false
	}
	for _, f := range []string{"credentials", "config"} {
		if _, err := os.Stat(filepath.Join(home, ".aws", f)); err == nil {
			return true
		}
	}
	return false
}

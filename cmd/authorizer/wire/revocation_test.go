package wire_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/gatehouse-dev/cognito-authorizer/cmd/authorizer/wire"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
)

// TestRevocationsReadTheEnvironmentOnly: the revocation table's client
// needs the region and credentials Lambda puts in the environment, and
// says which variable is missing; a local tool's credentials and region
// fill in for them.
func TestRevocationsReadTheEnvironmentOnly(t *testing.T) {
	rev := settings.Revocation{Table: "revocations"}
	env := func(vars map[string]string) func(string) string { return func(k string) string { return vars[k] } }
	if _, err := wire.Revocations(env(map[string]string{}), rev, nil); err == nil ||
		!strings.Contains(err.Error(), "AWS_REGION: required") || !strings.Contains(err.Error(), "AWS_ACCESS_KEY_ID: required") {
		t.Errorf("no region, no credentials: %v, want both named", err)
	}
	full := env(map[string]string{"AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "s"})
	if c, err := wire.Revocations(full, rev, nil); err != nil || c == nil {
		t.Errorf("Lambda's environment: %v", err)
	}
	local := wire.Revocations
	if _, err := local(env(map[string]string{}), rev, nil,
		wire.WithCredentials(credentials.NewStaticCredentialsProvider("AKID", "s", "")), wire.WithRegion("us-east-1")); err != nil {
		t.Errorf("a local tool's credentials and region: %v", err)
	}
}

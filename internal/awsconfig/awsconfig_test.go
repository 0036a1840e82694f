package awsconfig_test

import (
	"context"
	"strings"
	"testing"

	"github.com/gatehouse-dev/cognito-authorizer/internal/awsconfig"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/mototest"
)

func TestLoad(t *testing.T) {
	mototest.IsolateAWS(t)
	cfg, err := awsconfig.Load(context.Background(), func(k string) string {
		return map[string]string{"AWS_REGION": "eu-west-1"}[k]
	}, "the notes table")
	if err != nil || cfg.Region != "eu-west-1" {
		t.Errorf("Load(AWS_REGION=eu-west-1) = %q, %v", cfg.Region, err)
	}
	_, err = awsconfig.Load(context.Background(), func(string) string { return "" }, "the notes table")
	if err == nil || !strings.HasPrefix(err.Error(), "AWS_REGION: ") || !strings.Contains(err.Error(), "the notes table") {
		t.Errorf("Load(no region) error = %v, want one naming AWS_REGION and the notes table", err)
	}
}

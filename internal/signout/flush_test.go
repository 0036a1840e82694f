package signout_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"

	"github.com/gatehouse-dev/cognito-authorizer/internal/signout"
)

type flushAPI struct {
	in  *apigateway.FlushStageAuthorizersCacheInput
	err error
}

func (f *flushAPI) FlushStageAuthorizersCache(_ context.Context, in *apigateway.FlushStageAuthorizersCacheInput, _ ...func(*apigateway.Options)) (*apigateway.FlushStageAuthorizersCacheOutput, error) {
	f.in = in
	return &apigateway.FlushStageAuthorizersCacheOutput{}, f.err
}

func TestStageCache(t *testing.T) {
	api := &flushAPI{}
	c := signout.NewStageCache(api)
	if err := c.FlushAuthorizerCache(context.Background(), "abcdef1234", "prod"); err != nil {
		t.Fatalf("FlushAuthorizerCache() = %v", err)
	}
	if aws.ToString(api.in.RestApiId) != "abcdef1234" || aws.ToString(api.in.StageName) != "prod" {
		t.Errorf("flushed %v/%v, want abcdef1234/prod", aws.ToString(api.in.RestApiId), aws.ToString(api.in.StageName))
	}
	if err := c.FlushAuthorizerCache(context.Background(), "", "prod"); err == nil {
		t.Error("FlushAuthorizerCache(no API id) = nil error")
	}
	api.err = errors.New("TooManyRequestsException")
	if err := c.FlushAuthorizerCache(context.Background(), "abcdef1234", "prod"); err == nil {
		t.Error("FlushAuthorizerCache() with the API failing = nil error")
	}
}

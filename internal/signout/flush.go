package signout

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
)

// FlushAPI is the part of the API Gateway client StageCache uses;
// *apigateway.Client implements it.
type FlushAPI interface {
	FlushStageAuthorizersCache(ctx context.Context, in *apigateway.FlushStageAuthorizersCacheInput, optFns ...func(*apigateway.Options)) (*apigateway.FlushStageAuthorizersCacheOutput, error)
}

// StageCache is a Flusher: API Gateway's FlushStageAuthorizersCache (an
// HTTP DELETE of /restapis/{id}/stages/{stage}/cache/authorizers), which
// empties the cached decisions of every user on the stage.
type StageCache struct{ client FlushAPI }

// NewStageCache returns a Flusher calling API Gateway through client.
func NewStageCache(client FlushAPI) *StageCache { return &StageCache{client: client} }

// FlushAuthorizerCache empties the authorizer cache of the stage.
func (s *StageCache) FlushAuthorizerCache(ctx context.Context, restAPIID, stage string) error {
	if restAPIID == "" || stage == "" {
		return fmt.Errorf("flushing the authorizer cache: the request names no API or stage")
	}
	_, err := s.client.FlushStageAuthorizersCache(ctx, &apigateway.FlushStageAuthorizersCacheInput{
		RestApiId: aws.String(restAPIID),
		StageName: aws.String(stage),
	})
	if err != nil {
		return fmt.Errorf("flushing the authorizer cache of %s/%s: %w", restAPIID, stage, err)
	}
	return nil
}

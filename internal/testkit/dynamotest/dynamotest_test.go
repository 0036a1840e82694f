package dynamotest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/gatehouse-dev/cognito-authorizer/internal/revocation"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/dynamotest"
)

// TestRevocationsThroughTheSDK writes and reads revocations with the
// project's own store, through the AWS SDK, against the stand-in.
func TestRevocationsThroughTheSDK(t *testing.T) {
	srv, err := dynamotest.Start(settings.RevocationPartitionKey)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	client := dynamodb.New(dynamodb.Options{
		Region:       "eu-west-1",
		BaseEndpoint: aws.String(srv.URL()),
		Credentials:  credentials.NewStaticCredentialsProvider("testing", "testing", ""),
	})
	store := revocation.NewStore(client, "revocations")
	checker := revocation.NewChecker(store, nil, revocation.WithCacheTTL(0))
	ctx := context.Background()
	now := time.Now()
	if err := checker.Check(ctx, "user-a", "session-a", now); err != nil {
		t.Fatalf("Check() before any sign-out = %v", err)
	}
	if err := store.RevokeSession(ctx, "session-a", now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := checker.Check(ctx, "user-a", "session-a", now); !errors.Is(err, revocation.ErrRevoked) {
		t.Errorf("Check(signed-out session) = %v, want %v", err, revocation.ErrRevoked)
	}
	if err := store.RevokeUser(ctx, "user-b", now, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := checker.Check(ctx, "user-b", "session-b", now); !errors.Is(err, revocation.ErrRevoked) {
		t.Errorf("Check(signed-out user) = %v, want %v", err, revocation.ErrRevoked)
	}
}

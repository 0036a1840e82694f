package main

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/gatehouse-dev/cognito-authorizer/internal/revocation"
)

// revocationTable is the demo's revocation table; revokedSession is the
// origin_jti of the session bob signed out of.
const (
	revocationTable = "revocations"
	revokedSession  = "5e55105e-0000-4000-8000-0000000b0b05"
)

// signOuts writes what POST /sign-out writes for bob's session and for
// erin everywhere, through the sign-out's own store and the AWS SDK.
func signOuts(ctx context.Context, endpoint string) error {
	client := dynamodb.New(dynamodb.Options{
		Region:       "eu-west-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("demo", "demo", ""),
	})
	store := revocation.NewStore(client, revocationTable)
	now := time.Now()
	if err := store.RevokeSession(ctx, revokedSession, now.Add(time.Hour)); err != nil {
		return err
	}
	return store.RevokeUser(ctx, erin.Sub, now, now.Add(time.Hour))
}

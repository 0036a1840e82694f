package signout_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/gatehouse-dev/cognito-authorizer/internal/revocation"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
	"github.com/gatehouse-dev/cognito-authorizer/internal/signout"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/clocktest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/dynamotest"
)

// slowPool is a Pool whose AdminUserGlobalSignOut takes callTook on the
// clock, and which records the moments Cognito could still mint a token:
// the call's start and end.
type slowPool struct {
	clock         *clocktest.Clock
	callTook      time.Duration
	started, done time.Time
}

func (p *slowPool) SignOutEverywhere(context.Context, string) error {
	p.started = p.clock.Now()
	p.clock.Add(p.callTook)
	p.done = p.clock.Now()
	return nil
}

// TestSignOutEverywhereRefusesTokensMintedDuringTheCall: a refresh during a
// slow AdminUserGlobalSignOut mints a token whose iat is after the request
// began; the revocation written once Cognito answered, plus ClockSkew,
// refuses it, as read by the authorizer's own checker from the table.
func TestSignOutEverywhereRefusesTokensMintedDuringTheCall(t *testing.T) {
	db, err := dynamotest.Start(settings.RevocationPartitionKey)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	client := dynamodb.NewFromConfig(aws.Config{
		Region:       "eu-west-1",
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String(db.URL()),
	})
	store := revocation.NewStore(client, "revocations")

	clock := clocktest.New(testNow)
	pool := &slowPool{clock: clock, callTook: 3 * time.Second}
	h := signout.NewHandler(store, pool, slog.New(slog.DiscardHandler), signout.WithClock(clock.Now))
	resp, err := h.Handle(t.Context(), newRequest(`{"everywhere": true}`))
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("Handle(everywhere) = %d %q, %v, want 204", resp.StatusCode, resp.Body, err)
	}

	checker := revocation.NewChecker(store, nil, revocation.WithClock(clock.Now), revocation.WithCacheTTL(0))
	tests := []struct {
		name    string
		iat     time.Time
		revoked bool
	}{
		{name: "issued before the sign-out", iat: testNow.Add(-time.Minute), revoked: true},
		{name: "issued as the call began", iat: pool.started, revoked: true},
		{name: "issued during the call", iat: pool.started.Add(pool.callTook / 2), revoked: true},
		{name: "issued as Cognito answered", iat: pool.done, revoked: true},
		{name: "issued by a clock ClockSkew ahead", iat: pool.done.Add(signout.ClockSkew), revoked: true},
		// iat counts whole seconds: the first second past the skew's.
		{name: "issued after the skew", iat: pool.done.Add(signout.ClockSkew).Truncate(time.Second).Add(time.Second)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// iat is whole seconds, as Cognito writes it and the
			// authorizer reads it.
			iat := time.Unix(tt.iat.Unix(), 0)
			err := checker.Check(t.Context(), testSub, "", iat)
			if got := errors.Is(err, revocation.ErrRevoked) && !errors.Is(err, revocation.ErrUnavailable); got != tt.revoked {
				t.Errorf("Check(iat %d) = %v, want revoked: %t (call from %d to %d)",
					iat.Unix(), err, tt.revoked, pool.started.Unix(), pool.done.Unix())
			}
		})
	}
}

package revocation

import (
	"bytes"
	"errors"
	"log/slog"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/mototest"
)

// TestStoreWithMoto writes revocations with the sign-out's calls and reads
// them back through a Checker whose DynamoDB client finds moto through
// AWS_ENDPOINT_URL_DYNAMODB alone, as the authorizer's will.
func TestStoreWithMoto(t *testing.T) {
	endpoint := mototest.Start(t)
	admin := dynamodb.NewFromConfig(mototest.Config(endpoint))
	const table = "revocations"
	mototest.CreateRevocationTable(t, admin, table)

	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_ENDPOINT_URL", "")
	t.Setenv("AWS_REGION", mototest.Region)
	t.Setenv("AWS_ACCESS_KEY_ID", "testing")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "testing")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv(settings.EnvEndpointDynamoDB, endpoint)
	awsCfg, err := config.LoadDefaultConfig(t.Context())
	if err != nil {
		t.Fatalf("LoadDefaultConfig() = %v", err)
	}
	store := NewStore(dynamodb.NewFromConfig(awsCfg), table)
	var logs bytes.Buffer
	c := NewChecker(store, slog.New(slog.NewJSONHandler(&logs, nil)), WithCacheTTL(0))

	now := time.Now()
	issued := now.Add(-time.Minute)
	check := func(sub, jti string, iat time.Time, want error) {
		t.Helper()
		err := c.Check(t.Context(), sub, jti, iat)
		if !errors.Is(err, want) || (want == nil && err != nil) {
			t.Errorf("Check(%s, %s) = %v, want %v", sub, jti, err, want)
		}
	}

	check("user-a", "session-a", issued, nil)

	if err := store.RevokeSession(t.Context(), "session-a", now.Add(24*time.Hour)); err != nil {
		t.Fatalf("RevokeSession() = %v", err)
	}
	check("user-a", "session-a", issued, ErrRevoked)
	check("user-a", "session-b", issued, nil)

	if err := store.RevokeUser(t.Context(), "user-b", now, now.Add(24*time.Hour)); err != nil {
		t.Fatalf("RevokeUser() = %v", err)
	}
	check("user-b", "session-c", issued, ErrRevoked)
	check("user-b", "", issued, ErrRevoked)
	check("user-b", "session-d", now.Add(time.Second), nil) // signed in again

	// An earlier sign-out (another function's clock a little behind)
	// leaves the later one in place.
	if err := store.RevokeUser(t.Context(), "user-b", now.Add(-time.Hour), now); err != nil {
		t.Fatalf("RevokeUser(earlier) = %v", err)
	}
	check("user-b", "", now.Add(-time.Second), ErrRevoked)

	// A malformed item is replaced by a sign-out, and refuses until then.
	_, err = admin.PutItem(t.Context(), &dynamodb.PutItemInput{
		TableName: aws.String(table),
		Item: map[string]types.AttributeValue{
			AttrID:            &types.AttributeValueMemberS{Value: "sub#user-c"},
			AttrRevokedBefore: &types.AttributeValueMemberS{Value: "yesterday"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	check("user-c", "", now, ErrMalformedItem)
	if err := store.RevokeUser(t.Context(), "user-c", now.Add(-time.Hour), now.Add(time.Hour)); err != nil {
		t.Fatalf("RevokeUser(over a malformed item) = %v", err)
	}
	check("user-c", "", now, nil)

	// An expired item with a later revokedBefore (here one written in
	// milliseconds) does not swallow a new sign-out: the checker ignores
	// the expired item, so keeping it would revoke nothing.
	_, err = admin.PutItem(t.Context(), &dynamodb.PutItemInput{
		TableName: aws.String(table),
		Item: map[string]types.AttributeValue{
			AttrID:            &types.AttributeValueMemberS{Value: "sub#user-d"},
			AttrRevokedBefore: &types.AttributeValueMemberN{Value: strconv.FormatInt(now.UnixMilli(), 10)},
			AttrExpiresAt:     &types.AttributeValueMemberN{Value: strconv.FormatInt(now.Add(-time.Hour).Unix(), 10)},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.RevokeUser(t.Context(), "user-d", now, now.Add(time.Hour)); err != nil {
		t.Fatalf("RevokeUser(over an expired item) = %v", err)
	}
	check("user-d", "", now.Add(-time.Second), ErrRevoked)

	// A missing table is an outage, not a revocation.
	missing := NewChecker(NewStore(dynamodb.NewFromConfig(awsCfg), "no-such-table"), slog.New(slog.DiscardHandler))
	if err := missing.Check(t.Context(), "user-a", "", issued); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Check(missing table) = %v, want ErrUnavailable", err)
	}
}

package dynamotest_test

import (
	"context"
	"errors"
	"hash/crc32"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/cognito-authorizer/internal/notes"
	"github.com/gatehouse-dev/cognito-authorizer/internal/revocation"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/dynamotest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/mototest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/notestest"
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

// TestConformance runs the notes and revocation stores' operations against
// the stand-in and, when moto_server is installed, against moto, and wants
// the same answers from both: the stand-in stands for DynamoDB only where
// it behaves like it.
func TestConformance(t *testing.T) {
	t.Run("dynamotest", func(t *testing.T) {
		srv, err := dynamotest.Start("")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { srv.Close() })
		conformance(t, newClient(srv.URL()))
	})
	t.Run("moto", func(t *testing.T) {
		mototest.IsolateAWS(t)
		endpoint := mototest.Start(t)
		conformance(t, dynamodb.NewFromConfig(mototest.Config(endpoint)))
	})
}

func newClient(endpoint string) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region:       "eu-west-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("testing", "testing", ""),
	})
}

func conformance(t *testing.T, client *dynamodb.Client) {
	ctx := t.Context()
	notestest.CreateTable(t, client, "notes")
	mototest.CreateRevocationTable(t, client, "revocations")

	// Notes: a put under a taken key is refused unless it is the same
	// note; a listing pages newest first.
	store := notes.NewDynamoStore(client, "notes")
	base := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	var ids []string
	for i := range 5 {
		id, err := notes.NewID(base.Add(time.Duration(i)*time.Second), strings.NewReader(strings.Repeat("r", 64)))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
		n := notes.Note{UserID: "alice", ID: id, Text: "note " + id, CreatedAt: base.Add(time.Duration(i) * time.Second)}
		if err := store.Put(ctx, n); err != nil {
			t.Fatalf("Put(%s) = %v", id, err)
		}
		if err := store.Put(ctx, n); err != nil {
			t.Errorf("Put(%s) again, the same note = %v, want nil", id, err)
		}
	}
	other := notes.Note{UserID: "alice", ID: ids[0], Text: "another note", CreatedAt: base}
	if err := store.Put(ctx, other); !errors.Is(err, notes.ErrExists) {
		t.Errorf("Put(a different note under %s) = %v, want %v", ids[0], err, notes.ErrExists)
	}
	if err := store.Put(ctx, notes.Note{UserID: "bob", ID: ids[0], Text: "bob's", CreatedAt: base}); err != nil {
		t.Errorf("Put(bob's note under alice's id) = %v, want nil: the key holds the user", err)
	}
	var listed []string
	after := ""
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatalf("List did not end: %v", listed)
		}
		page, err := store.List(ctx, "alice", 2, after)
		if err != nil {
			t.Fatalf("List(alice, 2, %q) = %v", after, err)
		}
		for _, n := range page.Notes {
			listed = append(listed, n.ID)
		}
		if after = page.After; after == "" {
			break
		}
	}
	want := slices.Clone(ids)
	slices.Reverse(want)
	if diff := cmp.Diff(want, listed); diff != "" {
		t.Errorf("alice's notes, two a page (-want +got):\n%s", diff)
	}

	// Revocations: a later sign-out everywhere is kept; an earlier one does
	// not move it back.
	revocations := revocation.NewStore(client, "revocations")
	checker := revocation.NewChecker(revocations, nil, revocation.WithCacheTTL(0))
	now := time.Now()
	if err := revocations.RevokeUser(ctx, "carol", now.Add(time.Minute), now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := revocations.RevokeUser(ctx, "carol", now, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := checker.Check(ctx, "carol", "s", now.Add(30*time.Second)); !errors.Is(err, revocation.ErrRevoked) {
		t.Errorf("Check(a token of carol issued between two sign-outs) = %v, want %v: the later revokedBefore stays", err, revocation.ErrRevoked)
	}
}

// TestConformancePaging: a Query that stops at Limit before the end gives
// a LastEvaluatedKey, one that reaches the end before it none. At exactly
// Limit DynamoDB may give one ("If LastEvaluatedKey is not empty, it does
// not necessarily mean that there is more data in the result set",
// https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Query.html)
// and the stand-in does, where moto does not: the notes store reads both.
func TestConformancePaging(t *testing.T) {
	run := func(t *testing.T, client *dynamodb.Client, atLimit bool) {
		notestest.CreateTable(t, client, "paging")
		for _, id := range []string{"a", "b"} {
			_, err := client.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: aws.String("paging"), Item: map[string]types.AttributeValue{
				notes.AttrUserID: &types.AttributeValueMemberS{Value: "u"}, notes.AttrNoteID: &types.AttributeValueMemberS{Value: id}}})
			if err != nil {
				t.Fatal(err)
			}
		}
		for _, tt := range []struct {
			limit int32
			lek   bool
		}{{1, true}, {2, atLimit}, {3, false}} {
			out, err := client.Query(t.Context(), &dynamodb.QueryInput{TableName: aws.String("paging"),
				KeyConditionExpression:    aws.String("#u = :u"),
				ExpressionAttributeNames:  map[string]string{"#u": notes.AttrUserID},
				ExpressionAttributeValues: map[string]types.AttributeValue{":u": &types.AttributeValueMemberS{Value: "u"}},
				Limit:                     aws.Int32(tt.limit)})
			if err != nil {
				t.Fatal(err)
			}
			if got := len(out.LastEvaluatedKey) > 0; got != tt.lek {
				t.Errorf("Query(Limit %d) of 2 items: LastEvaluatedKey %v, want %v", tt.limit, got, tt.lek)
			}
		}
	}
	t.Run("dynamotest", func(t *testing.T) {
		srv, err := dynamotest.Start("")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { srv.Close() })
		run(t, newClient(srv.URL()), true)
	})
	t.Run("moto", func(t *testing.T) {
		mototest.IsolateAWS(t)
		run(t, dynamodb.NewFromConfig(mototest.Config(mototest.Start(t))), false)
	})
}

// TestChecksumHeader: every answer carries its body's CRC32, as
// DynamoDB's do and as the SDK checks (it warns on stderr otherwise).
func TestChecksumHeader(t *testing.T) {
	srv, err := dynamotest.Start(settings.RevocationPartitionKey)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	for _, tt := range []struct{ target, body string }{
		{"DynamoDB_20120810.BatchGetItem", `{"RequestItems": {"t": {"Keys": [{"id": {"S": "x"}}]}}}`},
		{"DynamoDB_20120810.Nope", `{}`},
	} {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL(), strings.NewReader(tt.body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Amz-Target", tt.target)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if got, want := resp.Header.Get("X-Amz-Crc32"), strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10); got != want {
			t.Errorf("%s: X-Amz-Crc32 = %q, want %q, the body's", tt.target, got, want)
		}
	}
}

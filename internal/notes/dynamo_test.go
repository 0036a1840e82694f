package notes_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/cognito-authorizer/internal/notes"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/notestest"
)

// fakeDynamo records the input of PutItem and Query and answers with err,
// or with out for a Query.
type fakeDynamo struct {
	in    *dynamodb.PutItemInput
	query *dynamodb.QueryInput
	out   *dynamodb.QueryOutput
	err   error
}

func (f *fakeDynamo) PutItem(_ context.Context, in *dynamodb.PutItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	f.in = in
	if f.err != nil {
		return nil, f.err
	}
	return &dynamodb.PutItemOutput{}, nil
}

func (f *fakeDynamo) Query(_ context.Context, in *dynamodb.QueryInput, _ ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	f.query = in
	if f.err != nil {
		return nil, f.err
	}
	return f.out, nil
}

var testNote = notes.Note{
	UserID:    testSub,
	ID:        "01M80QKK3360RK4CSM6MV3EE1S",
	Text:      "Bring home milk",
	Email:     testEmail,
	CreatedAt: time.Date(2026, 11, 22, 5, 18, 9, 123_000_000, time.FixedZone("CET", 3600)),
}

func TestDynamoStorePutItem(t *testing.T) {
	withoutEmail := testNote
	withoutEmail.Email = ""
	tests := []struct {
		name     string
		note     notes.Note
		wantItem map[string]string
	}{
		{
			name: "with email",
			note: testNote,
			wantItem: map[string]string{
				"userId":    testSub,
				"noteId":    "01M80QKK3360RK4CSM6MV3EE1S",
				"note":      "Bring home milk",
				"email":     testEmail,
				"createdAt": "2026-11-22T04:18:09.123Z",
			},
		},
		{
			name: "without email",
			note: withoutEmail,
			wantItem: map[string]string{
				"userId":    testSub,
				"noteId":    "01M80QKK3360RK4CSM6MV3EE1S",
				"note":      "Bring home milk",
				"createdAt": "2026-11-22T04:18:09.123Z",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := &fakeDynamo{}
			store := notes.NewDynamoStore(api, "notes-test")
			if err := store.Put(t.Context(), tt.note); err != nil {
				t.Fatalf("Put() error = %v, want nil", err)
			}
			if got := aws.ToString(api.in.TableName); got != "notes-test" {
				t.Errorf("TableName = %q, want notes-test", got)
			}
			if diff := cmp.Diff(tt.wantItem, notestest.StringAttrs(t, api.in.Item)); diff != "" {
				t.Errorf("Item (-want +got):\n%s", diff)
			}
			if api.in.ConditionExpression == nil {
				t.Fatal("PutItem has no condition: it could overwrite a note")
			}
			if diff := cmp.Diff(map[string]string{
				":note":      "Bring home milk",
				":createdAt": "2026-11-22T04:18:09.123Z",
			}, notestest.StringAttrs(t, api.in.ExpressionAttributeValues)); diff != "" {
				t.Errorf("ExpressionAttributeValues (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDynamoStorePutErrors(t *testing.T) {
	errThrottled := &types.ProvisionedThroughputExceededException{Message: aws.String("slow down")}
	tests := []struct {
		name       string
		err        error
		wantExists bool
		wantIs     error
	}{
		{name: "condition failed", err: &types.ConditionalCheckFailedException{Message: aws.String("The conditional request failed")}, wantExists: true},
		{name: "throttled after retries", err: errThrottled, wantIs: errThrottled},
		{name: "deadline", err: context.DeadlineExceeded, wantIs: context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := notes.NewDynamoStore(&fakeDynamo{err: tt.err}, "notes-test")
			err := store.Put(t.Context(), testNote)
			if got := errors.Is(err, notes.ErrExists); got != tt.wantExists {
				t.Errorf("Put() = %v; errors.Is(ErrExists) = %v, want %v", err, got, tt.wantExists)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("Put() = %v, want it to wrap %v", err, tt.wantIs)
			}
		})
	}
}

// noteItem is a note as List's projection reads it back.
func noteItem(userID, id, text, createdAt string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		notes.AttrUserID:    &types.AttributeValueMemberS{Value: userID},
		notes.AttrNoteID:    &types.AttributeValueMemberS{Value: id},
		notes.AttrNote:      &types.AttributeValueMemberS{Value: text},
		notes.AttrCreatedAt: &types.AttributeValueMemberS{Value: createdAt},
	}
}

func TestDynamoStoreListQuery(t *testing.T) {
	const (
		idC = "01M80QKK3360RK4CSM6MV3EE1C"
		idB = "01M80QKK3360RK4CSM6MV3EE1B"
		idA = "01M80QKK3360RK4CSM6MV3EE1A"
	)
	items := []map[string]types.AttributeValue{
		noteItem(testSub, idC, "third", "2026-11-22T04:18:11.000Z"),
		noteItem(testSub, idB, "second", "2026-11-22T04:18:10.000Z"),
		noteItem(testSub, idA, "first", "2026-11-22T04:18:09.123Z"),
	}
	tests := []struct {
		name      string
		limit     int
		after     string
		out       *dynamodb.QueryOutput
		wantIDs   []string
		wantAfter string
		wantStart map[string]string // ExclusiveStartKey
	}{
		{name: "all fit", limit: 3, out: &dynamodb.QueryOutput{Items: items}, wantIDs: []string{idC, idB, idA}},
		{name: "one more than the limit", limit: 2, out: &dynamodb.QueryOutput{Items: items}, wantIDs: []string{idC, idB}, wantAfter: idB},
		{
			name:      "after a key",
			limit:     2,
			after:     idC,
			out:       &dynamodb.QueryOutput{Items: items[1:]},
			wantIDs:   []string{idB, idA},
			wantStart: map[string]string{notes.AttrUserID: testSub, notes.AttrNoteID: idC},
		},
		{
			// DynamoDB stops a Query at 1 MB read with LastEvaluatedKey
			// set: the page is short and the next one goes on from there.
			name:      "cut short by DynamoDB",
			limit:     3,
			out:       &dynamodb.QueryOutput{Items: items[:1], LastEvaluatedKey: map[string]types.AttributeValue{"x": &types.AttributeValueMemberS{Value: "y"}}},
			wantIDs:   []string{idC},
			wantAfter: idC,
		},
		{name: "none", limit: 3, out: &dynamodb.QueryOutput{}, wantIDs: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := &fakeDynamo{out: tt.out}
			page, err := notes.NewDynamoStore(api, "notes-test").List(t.Context(), testSub, tt.limit, tt.after)
			if err != nil {
				t.Fatalf("List() error = %v", err)
			}
			var ids []string
			for _, n := range page.Notes {
				ids = append(ids, n.ID)
			}
			if diff := cmp.Diff(tt.wantIDs, ids); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
			if page.After != tt.wantAfter {
				t.Errorf("After = %q, want %q", page.After, tt.wantAfter)
			}
			q := api.query
			if aws.ToString(q.TableName) != "notes-test" || aws.ToBool(q.ScanIndexForward) || aws.ToInt32(q.Limit) != int32(tt.limit+1) || !aws.ToBool(q.ConsistentRead) {
				t.Errorf("Query(table %s, forward %v, limit %d, consistent %v), want notes-test, backward, %d, consistent",
					aws.ToString(q.TableName), aws.ToBool(q.ScanIndexForward), aws.ToInt32(q.Limit), aws.ToBool(q.ConsistentRead), tt.limit+1)
			}
			if diff := cmp.Diff(map[string]string{":userId": testSub}, notestest.StringAttrs(t, q.ExpressionAttributeValues)); diff != "" {
				t.Errorf("ExpressionAttributeValues (-want +got):\n%s", diff)
			}
			var start map[string]string
			if q.ExclusiveStartKey != nil {
				start = notestest.StringAttrs(t, q.ExclusiveStartKey)
			}
			if diff := cmp.Diff(tt.wantStart, start); diff != "" {
				t.Errorf("ExclusiveStartKey (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("note fields", func(t *testing.T) {
		page, err := notes.NewDynamoStore(&fakeDynamo{out: &dynamodb.QueryOutput{Items: items[2:]}}, "t").List(t.Context(), testSub, 1, "")
		if err != nil {
			t.Fatal(err)
		}
		want := []notes.Note{{UserID: testSub, ID: idA, Text: "first", CreatedAt: time.Date(2026, 11, 22, 4, 18, 9, 123_000_000, time.UTC)}}
		if diff := cmp.Diff(want, page.Notes); diff != "" {
			t.Errorf("notes (-want +got):\n%s", diff)
		}
	})
}

func TestDynamoStoreListErrors(t *testing.T) {
	noText := noteItem(testSub, "x", "", "2026-11-22T04:18:09.123Z")
	delete(noText, notes.AttrNote)
	tests := []struct {
		name   string
		limit  int
		api    *fakeDynamo
		wantIs error
	}{
		{name: "limit 0", limit: 0, api: &fakeDynamo{}},
		{name: "limit over MaxLimit", limit: notes.MaxLimit + 1, api: &fakeDynamo{}},
		{name: "deadline", limit: 1, api: &fakeDynamo{err: context.DeadlineExceeded}, wantIs: context.DeadlineExceeded},
		{name: "item without text", limit: 1, api: &fakeDynamo{out: &dynamodb.QueryOutput{Items: []map[string]types.AttributeValue{noText}}}},
		{name: "bad createdAt", limit: 1, api: &fakeDynamo{out: &dynamodb.QueryOutput{Items: []map[string]types.AttributeValue{noteItem(testSub, "x", "t", "yesterday")}}}},
		{name: "another user's item", limit: 1, api: &fakeDynamo{out: &dynamodb.QueryOutput{Items: []map[string]types.AttributeValue{noteItem("other", "x", "t", "2026-11-22T04:18:09.123Z")}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := notes.NewDynamoStore(tt.api, "notes-test").List(t.Context(), testSub, tt.limit, "")
			if err == nil {
				t.Fatal("List() error = nil, want one")
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("List() = %v, want it to wrap %v", err, tt.wantIs)
			}
		})
	}
}

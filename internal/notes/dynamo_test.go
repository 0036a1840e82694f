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

// fakePutItem records PutItem's input and answers with err.
type fakePutItem struct {
	in  *dynamodb.PutItemInput
	err error
}

func (f *fakePutItem) PutItem(_ context.Context, in *dynamodb.PutItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	f.in = in
	if f.err != nil {
		return nil, f.err
	}
	return &dynamodb.PutItemOutput{}, nil
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
			api := &fakePutItem{}
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
			store := notes.NewDynamoStore(&fakePutItem{err: tt.err}, "notes-test")
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

package notestest_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/cognito-authorizer/internal/notes"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/mototest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/notestest"
)

// TestTable checks that DynamoStore writes into the table CreateTable makes
// and that GetItem reads the note back.
func TestTable(t *testing.T) {
	client := dynamodb.NewFromConfig(mototest.Config(mototest.Start(t)))
	notestest.CreateTable(t, client, "notes")
	n := notes.Note{UserID: "u", ID: "1", Text: "milk", CreatedAt: time.Date(2026, 11, 22, 4, 18, 9, 0, time.UTC)}
	if err := notes.NewDynamoStore(client, "notes").Put(t.Context(), n); err != nil {
		t.Fatalf("Put() error = %v", err)
	}
	want := map[string]string{
		notes.AttrUserID:    "u",
		notes.AttrNoteID:    "1",
		notes.AttrNote:      "milk",
		notes.AttrCreatedAt: "2026-11-22T04:18:09.000Z",
	}
	if diff := cmp.Diff(want, notestest.GetItem(t, client, "notes", "u", "1")); diff != "" {
		t.Errorf("GetItem() (-want +got):\n%s", diff)
	}
	if got := notestest.GetItem(t, client, "notes", "u", "2"); got != nil {
		t.Errorf("GetItem(missing) = %v, want nil", got)
	}
}

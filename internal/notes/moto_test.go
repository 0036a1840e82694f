package notes_test

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/cognito-authorizer/internal/notes"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/mototest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/notestest"
)

// queryNotes returns the texts of a user's notes in the table's order.
func queryNotes(tb testing.TB, client *dynamodb.Client, table, userID string) []string {
	tb.Helper()
	out, err := client.Query(tb.Context(), &dynamodb.QueryInput{
		TableName:                 aws.String(table),
		KeyConditionExpression:    aws.String("#u = :u"),
		ExpressionAttributeNames:  map[string]string{"#u": notes.AttrUserID},
		ExpressionAttributeValues: map[string]types.AttributeValue{":u": &types.AttributeValueMemberS{Value: userID}},
		ConsistentRead:            aws.Bool(true),
	})
	if err != nil {
		tb.Fatalf("Query(%s): %v", userID, err)
	}
	var texts []string
	for _, item := range out.Items {
		texts = append(texts, notestest.StringAttrs(tb, item)[notes.AttrNote])
	}
	return texts
}

// TestDynamoStoreWithMoto runs the handler and the store against moto's
// DynamoDB. One moto_server serves all the subtests; each uses users of its
// own.
func TestDynamoStoreWithMoto(t *testing.T) {
	endpoint := mototest.Start(t)
	client := dynamodb.NewFromConfig(mototest.Config(endpoint))
	const table = "notes-test"
	notestest.CreateTable(t, client, table)
	store := notes.NewDynamoStore(client, table)

	t.Run("handler stores the note", func(t *testing.T) {
		var logs bytes.Buffer
		h := notes.NewHandler(store, slog.New(slog.NewJSONHandler(&logs, nil)),
			notes.WithClock(func() time.Time { return testNow }))

		resp, err := h.Handle(t.Context(), newRequest(`{"note":"  Bring home milk  "}`))
		if err != nil {
			t.Fatalf("Handle() error = %v, want nil", err)
		}
		body := checkResponse(t, resp, http.StatusCreated)
		want := map[string]string{
			notes.AttrUserID:    testSub,
			notes.AttrNoteID:    body["id"],
			notes.AttrNote:      "Bring home milk",
			notes.AttrEmail:     testEmail,
			notes.AttrCreatedAt: testCreatedAt,
		}
		if diff := cmp.Diff(want, notestest.GetItem(t, client, table, testSub, body["id"])); diff != "" {
			t.Errorf("stored item (-want +got):\n%s", diff)
		}
		if !idPattern.MatchString(body["id"]) {
			t.Errorf("id = %q, want a note id", body["id"])
		}
	})

	t.Run("no email attribute without an email", func(t *testing.T) {
		h, _ := newTestHandler(t, store, notes.WithIDs(fixedIDs("no-email-1")))
		req := newRequest(`{"note":"milk"}`)
		req.RequestContext.Authorizer = map[string]any{"sub": "user-without-email"}

		resp, _ := h.Handle(t.Context(), req)
		checkResponse(t, resp, http.StatusCreated)
		got := notestest.GetItem(t, client, table, "user-without-email", "no-email-1")
		if _, ok := got[notes.AttrEmail]; ok || got == nil {
			t.Errorf("stored item = %v, want one without %s", got, notes.AttrEmail)
		}
	})

	t.Run("a different note under a taken id is refused", func(t *testing.T) {
		first := notes.Note{UserID: "user-collide", ID: "same-id", Text: "first", Email: testEmail, CreatedAt: testNow}
		second := notes.Note{UserID: "user-collide", ID: "same-id", Text: "second", CreatedAt: testNow.Add(time.Second)}
		if err := store.Put(t.Context(), first); err != nil {
			t.Fatalf("Put(first) error = %v", err)
		}
		if err := store.Put(t.Context(), second); !errors.Is(err, notes.ErrExists) {
			t.Fatalf("Put(second) = %v, want ErrExists", err)
		}
		same := second
		same.CreatedAt = first.CreatedAt
		if err := store.Put(t.Context(), same); !errors.Is(err, notes.ErrExists) {
			t.Fatalf("Put(other text, same time) = %v, want ErrExists", err)
		}
		want := map[string]string{
			notes.AttrUserID:    "user-collide",
			notes.AttrNoteID:    "same-id",
			notes.AttrNote:      "first",
			notes.AttrEmail:     testEmail,
			notes.AttrCreatedAt: testCreatedAt,
		}
		if diff := cmp.Diff(want, notestest.GetItem(t, client, table, "user-collide", "same-id")); diff != "" {
			t.Errorf("item after the collision (-want +got):\n%s", diff)
		}
	})

	t.Run("the same note written again is accepted", func(t *testing.T) {
		// What a retried put whose first answer was lost does.
		n := notes.Note{UserID: "user-retry", ID: "retry-id", Text: "milk", CreatedAt: testNow}
		for i := range 2 {
			if err := store.Put(t.Context(), n); err != nil {
				t.Fatalf("Put() #%d error = %v, want nil", i+1, err)
			}
		}
		if got := queryNotes(t, client, table, "user-retry"); !cmp.Equal(got, []string{"milk"}) {
			t.Errorf("notes = %q, want one", got)
		}
	})

	t.Run("handler retries a collision with a new id", func(t *testing.T) {
		taken := notes.Note{UserID: testSub, ID: "taken-id", Text: "older note", CreatedAt: testNow.Add(-time.Hour)}
		if err := store.Put(t.Context(), taken); err != nil {
			t.Fatalf("Put() error = %v", err)
		}
		h, logs := newTestHandler(t, store, notes.WithIDs(fixedIDs("taken-id", "fresh-id")))

		resp, _ := h.Handle(t.Context(), newRequest(`{"note":"newer note"}`))
		body := checkResponse(t, resp, http.StatusCreated)
		if body["id"] != "fresh-id" {
			t.Errorf("id = %q, want fresh-id", body["id"])
		}
		if got := notestest.GetItem(t, client, table, testSub, "taken-id")[notes.AttrNote]; got != "older note" {
			t.Errorf("note under the taken id = %q, want the older note kept", got)
		}
		if got := notestest.GetItem(t, client, table, testSub, "fresh-id")[notes.AttrNote]; got != "newer note" {
			t.Errorf("note under the fresh id = %q, want newer note", got)
		}
		if l := oneLogLine(t, logs); l.Retries != 1 {
			t.Errorf("log retries = %d, want 1", l.Retries)
		}
	})

	t.Run("a user's notes come back in creation order", func(t *testing.T) {
		clock := testNow
		h := notes.NewHandler(store, slog.New(slog.NewJSONHandler(&bytes.Buffer{}, nil)),
			notes.WithClock(func() time.Time { return clock }))
		req := newRequest("")
		req.RequestContext.Authorizer = map[string]any{"sub": "user-order"}
		texts := []string{"first", "second", "third", "fourth"}
		for i, text := range texts {
			clock = testNow.Add(time.Duration(i*i) * time.Millisecond)
			req.Body = `{"note":"` + text + `"}`
			resp, _ := h.Handle(t.Context(), req)
			checkResponse(t, resp, http.StatusCreated)
		}
		if got := queryNotes(t, client, table, "user-order"); !cmp.Equal(got, texts) {
			t.Errorf("Query order = %q, want %q", got, texts)
		}
	})

	t.Run("List pages a user's notes newest first", func(t *testing.T) {
		const user = "user-list"
		want := seed(t, store, user, 25)
		seed(t, store, "user-list-other", 3) // another partition, never listed
		var got []string
		var sizes []int
		after := ""
		for range 5 {
			page, err := store.List(t.Context(), user, 10, after)
			if err != nil {
				t.Fatalf("List(after %q) error = %v", after, err)
			}
			for _, n := range page.Notes {
				if n.UserID != user || n.Text == "" || n.CreatedAt.IsZero() {
					t.Errorf("listed note %+v, want %s's, with text and time", n, user)
				}
				got = append(got, n.ID)
			}
			sizes = append(sizes, len(page.Notes))
			if after = page.After; after == "" {
				break
			}
		}
		if diff := cmp.Diff([]int{10, 10, 5}, sizes); diff != "" {
			t.Errorf("page sizes (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("ids, newest first (-want +got):\n%s", diff)
		}

		// The last page is exactly full: no token for an empty page after.
		page, err := store.List(t.Context(), user, 5, want[19])
		if err != nil || len(page.Notes) != 5 || page.After != "" {
			t.Errorf("List(last 5) = %d notes, After %q, %v, want 5, none", len(page.Notes), page.After, err)
		}
		// A start key that is no stored note still starts below it.
		page, err = store.List(t.Context(), user, 100, want[0]+"Z")
		if err != nil || len(page.Notes) != 25 {
			t.Errorf("List(after a missing id) = %d notes, %v, want 25", len(page.Notes), err)
		}
	})

	t.Run("handler lists through the store", func(t *testing.T) {
		if err := store.Put(t.Context(), notes.Note{UserID: "user-handler", ID: mustID(t, testNow), Text: "milk", CreatedAt: testNow}); err != nil {
			t.Fatal(err)
		}
		status, body, _, _ := list(t, store, listRequest(notes.ResourceNotes, "", nil, "user-handler"))
		if status != http.StatusOK || len(body.Notes) != 1 || body.Notes[0].Note != "milk" || body.Notes[0].CreatedAt != testCreatedAt {
			t.Errorf("listing = %d %+v, want 200 with the note", status, body)
		}
	})

	t.Run("a missing table is a 500 without detail", func(t *testing.T) {
		h, logs := newTestHandler(t, notes.NewDynamoStore(client, "no-such-table"))
		resp, _ := h.Handle(t.Context(), newRequest(`{"note":"milk"}`))
		body := checkResponse(t, resp, http.StatusInternalServerError)
		if strings.Contains(body["message"], "no-such-table") || strings.Contains(body["message"], "ResourceNotFound") {
			t.Errorf("message %q leaks the error", body["message"])
		}
		if l := oneLogLine(t, logs); !strings.Contains(l.Error, "ResourceNotFound") {
			t.Errorf("log error = %q, want DynamoDB's ResourceNotFoundException", l.Error)
		}
	})
}

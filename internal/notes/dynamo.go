package notes

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Attribute names of the notes table. Its key is AttrUserID (partition key)
// and AttrNoteID (sort key), both strings; the deploy templates create the
// table with these names. A user's notes come back from a Query in the order
// they were created, because note ids sort by time.
const (
	AttrUserID    = "userId"    // S: the owner's sub
	AttrNoteID    = "noteId"    // S: NewID
	AttrNote      = "note"      // S: the text
	AttrEmail     = "email"     // S: only where the token carried one
	AttrCreatedAt = "createdAt" // S: CreatedAtLayout
)

// CreatedAtLayout is the format of createdAt, in the table and in answers:
// RFC 3339 in UTC with milliseconds, e.g. 2026-11-22T04:18:09.123Z.
const CreatedAtLayout = "2006-01-02T15:04:05.000Z07:00"

// DynamoAPI is the part of the DynamoDB client that DynamoStore uses;
// *dynamodb.Client implements it.
type DynamoAPI interface {
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
}

// DynamoStore is a Store and a Lister in a DynamoDB table whose key is
// (AttrUserID, AttrNoteID).
type DynamoStore struct {
	client DynamoAPI
	table  string
}

// NewDynamoStore returns a store in table, a table name or ARN. Throttling
// and transient errors are retried by the client's retryer; ctx's deadline
// bounds the whole call, retries included.
func NewDynamoStore(client DynamoAPI, table string) *DynamoStore {
	return &DynamoStore{client: client, table: table}
}

// Put writes n unless its key holds a different note, which it reports as
// ErrExists and leaves as it is.
//
// The condition also lets the same note be written again: when the SDK
// retries a put whose first attempt was stored but whose answer was lost,
// the retry finds the note already there, and that is success, not a
// collision.
func (s *DynamoStore) Put(ctx context.Context, n Note) error {
	createdAt := n.CreatedAt.UTC().Format(CreatedAtLayout)
	_, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:           aws.String(s.table),
		Item:                item(n, createdAt),
		ConditionExpression: aws.String("attribute_not_exists(#id) OR (#note = :note AND #createdAt = :createdAt)"),
		ExpressionAttributeNames: map[string]string{
			"#id":        AttrNoteID,
			"#note":      AttrNote,
			"#createdAt": AttrCreatedAt,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":note":      &types.AttributeValueMemberS{Value: n.Text},
			":createdAt": &types.AttributeValueMemberS{Value: createdAt},
		},
	})
	var conditionFailed *types.ConditionalCheckFailedException
	switch {
	case errors.As(err, &conditionFailed):
		return fmt.Errorf("put note %s: %w", n.ID, ErrExists)
	case err != nil:
		return fmt.Errorf("put note %s: %w", n.ID, err)
	}
	return nil
}

func item(n Note, createdAt string) map[string]types.AttributeValue {
	it := map[string]types.AttributeValue{
		AttrUserID:    &types.AttributeValueMemberS{Value: n.UserID},
		AttrNoteID:    &types.AttributeValueMemberS{Value: n.ID},
		AttrNote:      &types.AttributeValueMemberS{Value: n.Text},
		AttrCreatedAt: &types.AttributeValueMemberS{Value: createdAt},
	}
	if n.Email != "" {
		it[AttrEmail] = &types.AttributeValueMemberS{Value: n.Email}
	}
	return it
}

// List reads a page of userID's notes with one Query on the table's key,
// newest first (ids sort by time, so descending sort key order).
//
// It asks for one note more than limit: when that one comes back, more
// notes follow, and the page ends without a last page that turns out
// empty. Where DynamoDB cuts a Query short (1 MB read), the page is
// shorter and After continues from where it stopped.
//
// The read is strongly consistent, so that a note just added is in the
// next listing; on a table keyed by user that costs one read unit per 4 KB
// more, and only on the user's own partition.
func (s *DynamoStore) List(ctx context.Context, userID string, limit int, after string) (Page, error) {
	if limit < 1 || limit > MaxLimit {
		return Page{}, fmt.Errorf("list notes: limit %d is outside 1 to %d", limit, MaxLimit)
	}
	in := &dynamodb.QueryInput{
		TableName:              aws.String(s.table),
		KeyConditionExpression: aws.String("#userId = :userId"),
		ProjectionExpression:   aws.String("#userId, #noteId, #note, #createdAt"),
		ExpressionAttributeNames: map[string]string{
			"#userId":    AttrUserID,
			"#noteId":    AttrNoteID,
			"#note":      AttrNote,
			"#createdAt": AttrCreatedAt,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":userId": &types.AttributeValueMemberS{Value: userID},
		},
		ScanIndexForward: aws.Bool(false),
		Limit:            aws.Int32(int32(limit) + 1),
		ConsistentRead:   aws.Bool(true),
	}
	if after != "" {
		in.ExclusiveStartKey = map[string]types.AttributeValue{
			AttrUserID: &types.AttributeValueMemberS{Value: userID},
			AttrNoteID: &types.AttributeValueMemberS{Value: after},
		}
	}
	out, err := s.client.Query(ctx, in)
	if err != nil {
		return Page{}, fmt.Errorf("list notes: %w", err)
	}
	items := out.Items
	more := len(out.LastEvaluatedKey) > 0
	if len(items) > limit {
		items, more = items[:limit], true
	}
	page := Page{Notes: make([]Note, 0, len(items))}
	for _, it := range items {
		n, err := noteFrom(it)
		if err != nil {
			return Page{}, fmt.Errorf("list notes: %w", err)
		}
		if n.UserID != userID {
			// Unreachable: the key condition names the user.
			return Page{}, fmt.Errorf("list notes: the query for one user returned another's note %s", n.ID)
		}
		page.Notes = append(page.Notes, n)
	}
	if more && len(page.Notes) > 0 {
		page.After = page.Notes[len(page.Notes)-1].ID
	}
	return page, nil
}

// noteFrom reads a note from an item List projected.
func noteFrom(it map[string]types.AttributeValue) (Note, error) {
	str := func(name string) (string, error) {
		v, ok := it[name].(*types.AttributeValueMemberS)
		if !ok {
			return "", fmt.Errorf("item has no string attribute %s", name)
		}
		return v.Value, nil
	}
	var n Note
	var err error
	if n.UserID, err = str(AttrUserID); err != nil {
		return Note{}, err
	}
	if n.ID, err = str(AttrNoteID); err != nil {
		return Note{}, err
	}
	if n.Text, err = str(AttrNote); err != nil {
		return Note{}, fmt.Errorf("note %s: %w", n.ID, err)
	}
	createdAt, err := str(AttrCreatedAt)
	if err != nil {
		return Note{}, fmt.Errorf("note %s: %w", n.ID, err)
	}
	if n.CreatedAt, err = time.Parse(CreatedAtLayout, createdAt); err != nil {
		return Note{}, fmt.Errorf("note %s: createdAt: %w", n.ID, err)
	}
	return n, nil
}

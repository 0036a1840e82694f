package notes

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
)

// Attribute names of the notes table. Its key is AttrUserID (partition key)
// and AttrNoteID (sort key), both strings; the deploy templates create the
// table with these names. A user's notes come back from a Query in the order
// they were created, because note ids sort by time.
const (
	AttrUserID    = settings.NotesPartitionKey // S: the owner's sub
	AttrNoteID    = settings.NotesSortKey      // S: NewID
	AttrNote      = "note"                     // S: the text
	AttrEmail     = "email"                    // S: only where the token carried one
	AttrCreatedAt = "createdAt"                // S: CreatedAtLayout
)

// CreatedAtLayout is the format of createdAt, in the table and in answers:
// RFC 3339 in UTC with milliseconds, e.g. 2026-11-22T04:18:09.123Z.
const CreatedAtLayout = "2006-01-02T15:04:05.000Z07:00"

// PutItemAPI is the part of the DynamoDB client that DynamoStore uses;
// *dynamodb.Client implements it.
type PutItemAPI interface {
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
}

// DynamoStore is a Store in a DynamoDB table whose key is (AttrUserID,
// AttrNoteID).
type DynamoStore struct {
	client PutItemAPI
	table  string
}

// NewDynamoStore returns a store in table, a table name or ARN. Throttling
// and transient errors are retried by the client's retryer; ctx's deadline
// bounds the whole put, retries included.
func NewDynamoStore(client PutItemAPI, table string) *DynamoStore {
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

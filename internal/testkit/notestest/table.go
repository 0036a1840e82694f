package notestest

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/gatehouse-dev/cognito-authorizer/internal/notes"
)

// createTableInput describes the notes table, name, as DynamoStore expects
// it and the deploy templates declare it: the key notes.AttrUserID and
// notes.AttrNoteID, on-demand.
func createTableInput(name string) *dynamodb.CreateTableInput {
	return &dynamodb.CreateTableInput{
		TableName: aws.String(name),
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String(notes.AttrUserID), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String(notes.AttrNoteID), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String(notes.AttrUserID), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String(notes.AttrNoteID), KeyType: types.KeyTypeRange},
		},
		BillingMode: types.BillingModePayPerRequest,
	}
}

// CreateTable creates the notes table, name, with client.
func CreateTable(tb testing.TB, client *dynamodb.Client, name string) {
	tb.Helper()
	if _, err := client.CreateTable(tb.Context(), createTableInput(name)); err != nil {
		tb.Fatalf("CreateTable(%s) error = %v", name, err)
	}
}

// GetItem reads the note (userID, noteID) back from table as its string
// attributes, with a consistent read; nil if there is none.
func GetItem(tb testing.TB, client *dynamodb.Client, table, userID, noteID string) map[string]string {
	tb.Helper()
	out, err := client.GetItem(tb.Context(), &dynamodb.GetItemInput{
		TableName: aws.String(table),
		Key: map[string]types.AttributeValue{
			notes.AttrUserID: &types.AttributeValueMemberS{Value: userID},
			notes.AttrNoteID: &types.AttributeValueMemberS{Value: noteID},
		},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		tb.Fatalf("GetItem(%s, %s) error = %v", userID, noteID, err)
	}
	if out.Item == nil {
		return nil
	}
	return StringAttrs(tb, out.Item)
}

// StringAttrs returns the attributes of an item as strings, failing the test
// on any attribute that is not a string: every attribute of a note is one.
func StringAttrs(tb testing.TB, item map[string]types.AttributeValue) map[string]string {
	tb.Helper()
	out := make(map[string]string, len(item))
	for name, v := range item {
		s, ok := v.(*types.AttributeValueMemberS)
		if !ok {
			tb.Fatalf("attribute %s is %T, want a string", name, v)
		}
		out[name] = s.Value
	}
	return out
}

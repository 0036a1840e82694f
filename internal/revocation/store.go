package revocation

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// API is the part of the DynamoDB client Store uses; *dynamodb.Client
// implements it. The authorizer needs only BatchGetItem, the sign-out
// function only PutItem.
type API interface {
	BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
}

// unprocessedRounds bounds how often a lookup asks again for keys DynamoDB
// left unprocessed (what BatchGetItem does when throttled), and
// unprocessedBackoff is the wait before the first time.
const (
	unprocessedRounds  = 3
	unprocessedBackoff = 20 * time.Millisecond
)

// Store reads and writes the revocation table.
type Store struct {
	client API
	table  string
}

// NewStore returns a Store of table, a table name or ARN. The client's
// retryer repeats throttled and failed requests; ctx's deadline bounds every
// call, retries included.
func NewStore(client API, table string) *Store {
	return &Store{client: client, table: table}
}

// lookup reads the items of keys in one strongly consistent BatchGetItem
// and returns what it found; a key without an item maps to no record. Its
// errors match ErrUnavailable.
//
// Strongly consistent: an eventually consistent read may miss a sign-out
// written a moment before, and API Gateway would then cache the Allow it
// led to for its whole TTL, after the sign-out's flush of that cache. The
// read costs one read unit per item instead of a half, on API Gateway's
// cache misses only.
func (s *Store) lookup(ctx context.Context, keys []key) (map[key]record, error) {
	pending := make([]map[string]types.AttributeValue, 0, len(keys))
	for _, k := range keys {
		pending = append(pending, map[string]types.AttributeValue{AttrID: &types.AttributeValueMemberS{Value: k.id()}})
	}
	recs := make(map[key]record, len(keys))
	backoff := unprocessedBackoff
	for round := 0; ; round++ {
		out, err := s.client.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{
			RequestItems: map[string]types.KeysAndAttributes{s.table: {
				Keys:                     pending,
				ConsistentRead:           aws.Bool(true),
				ProjectionExpression:     aws.String("#id, #rb, #exp"),
				ExpressionAttributeNames: map[string]string{"#id": AttrID, "#rb": AttrRevokedBefore, "#exp": AttrExpiresAt},
			}},
		})
		if err != nil {
			return nil, fmt.Errorf("%w: reading %s: %w", ErrUnavailable, s.table, err)
		}
		for _, items := range out.Responses {
			for _, item := range items {
				k, rec, ok := parse(item)
				if ok {
					recs[k] = rec
				}
			}
		}
		// Keyed by the table's name or its ARN, whichever DynamoDB
		// chooses: a key left out under the other spelling must not read
		// as "no item", which is "not revoked".
		var left []map[string]types.AttributeValue
		for _, ka := range out.UnprocessedKeys {
			left = append(left, ka.Keys...)
		}
		if len(left) == 0 {
			return recs, nil
		}
		if round+1 == unprocessedRounds {
			return nil, fmt.Errorf("%w: reading %s: throttled: %d keys still unprocessed after %d requests",
				ErrUnavailable, s.table, len(left), unprocessedRounds)
		}
		pending = left
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("%w: reading %s: throttled, then %w", ErrUnavailable, s.table, ctx.Err())
		case <-t.C:
		}
		backoff *= 2
	}
}

// parse reads one item. ok is false for an item whose id is of neither
// kind, which the lookup never asked for.
func parse(item map[string]types.AttributeValue) (k key, rec record, ok bool) {
	id, isS := item[AttrID].(*types.AttributeValueMemberS)
	if !isS {
		return key{}, record{}, false
	}
	k, ok = keyOf(id.Value)
	if !ok {
		return key{}, record{}, false
	}
	rec.found = true
	var problems []string
	if v, present := item[AttrExpiresAt]; present {
		n, err := seconds(v)
		if err != nil {
			problems = append(problems, AttrExpiresAt+" "+err.Error())
		}
		rec.expiresAt = n
	}
	v, present := item[AttrRevokedBefore]
	switch {
	case k.kind == kindSub && !present:
		problems = append(problems, "no "+AttrRevokedBefore)
	case k.kind == kindSub:
		n, err := seconds(v)
		if err != nil {
			problems = append(problems, AttrRevokedBefore+" "+err.Error())
		}
		rec.revokedBefore = n
	case present:
		problems = append(problems, AttrRevokedBefore+" on a "+PrefixJTI+" item")
	}
	if len(problems) > 0 {
		rec.malformed = fmt.Sprint(problems)
	}
	return k, rec, true
}

// seconds reads a number of epoch seconds: a DynamoDB number holding a
// positive integer.
func seconds(v types.AttributeValue) (int64, error) {
	n, isN := v.(*types.AttributeValueMemberN)
	if !isN {
		return 0, fmt.Errorf("is %s, want a number", typeName(v))
	}
	s, err := strconv.ParseInt(n.Value, 10, 64)
	if err != nil || s <= 0 {
		return 0, fmt.Errorf("%q is not a positive whole number of seconds", n.Value)
	}
	return s, nil
}

func typeName(v types.AttributeValue) string {
	switch v.(type) {
	case *types.AttributeValueMemberS:
		return "a string"
	case *types.AttributeValueMemberBOOL:
		return "a boolean"
	case *types.AttributeValueMemberNULL:
		return "null"
	case *types.AttributeValueMemberM:
		return "a map"
	case *types.AttributeValueMemberL:
		return "a list"
	}
	return fmt.Sprintf("%T", v)
}

// RevokeSession writes the jti# item that refuses every token whose
// origin_jti is originJTI, until expiresAt (rounded up to a second).
func (s *Store) RevokeSession(ctx context.Context, originJTI string, expiresAt time.Time) error {
	if originJTI == "" {
		return errors.New("revoke session: no origin_jti")
	}
	_, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table),
		Item: map[string]types.AttributeValue{
			AttrID:        &types.AttributeValueMemberS{Value: PrefixJTI + originJTI},
			AttrExpiresAt: number(ceilUnix(expiresAt)),
		},
	})
	if err != nil {
		return fmt.Errorf("revoke session: writing %s: %w", s.table, err)
	}
	return nil
}

// RevokeUser writes the sub# item that refuses every token of sub issued
// at or before before: its revokedBefore is the next whole second after
// before, since iat counts whole seconds and a token issued in the second
// of the sign-out may have been issued before it. The item lasts until
// expiresAt (rounded up to a second).
//
// A later revocation already there is kept: with the clocks of two
// functions a little apart, a second sign-out must not move revokedBefore
// back and let in tokens the first one refused. An item there that does not
// follow the schema is replaced.
func (s *Store) RevokeUser(ctx context.Context, sub string, before, expiresAt time.Time) error {
	if sub == "" {
		return errors.New("revoke user: no sub")
	}
	rb := before.Unix() + 1
	_, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table),
		Item: map[string]types.AttributeValue{
			AttrID:            &types.AttributeValueMemberS{Value: PrefixSub + sub},
			AttrRevokedBefore: number(rb),
			AttrExpiresAt:     number(ceilUnix(expiresAt)),
		},
		// A later revokedBefore is kept, unless its item has expired
		// (the checker ignores it then; DynamoDB's TTL deletes it days
		// later): keeping it would make this sign-out do nothing.
		ConditionExpression: aws.String("attribute_not_exists(#rb) OR NOT attribute_type(#rb, :n) OR #rb <= :rb" +
			" OR NOT attribute_type(#exp, :n) OR #exp < :now"),
		ExpressionAttributeNames: map[string]string{"#rb": AttrRevokedBefore, "#exp": AttrExpiresAt},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":n":   &types.AttributeValueMemberS{Value: string(types.ScalarAttributeTypeN)},
			":rb":  number(rb),
			":now": number(before.Unix()),
		},
	})
	var later *types.ConditionalCheckFailedException
	switch {
	case errors.As(err, &later):
		return nil
	case err != nil:
		return fmt.Errorf("revoke user: writing %s: %w", s.table, err)
	}
	return nil
}

// ceilUnix returns t in epoch seconds, rounded up, so that an item outlives
// the tokens it refuses.
func ceilUnix(t time.Time) int64 {
	s := t.Unix()
	if t.Nanosecond() > 0 {
		s++
	}
	return s
}

func number(n int64) *types.AttributeValueMemberN {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}

package revocation

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/clocktest"
)

// fakeDynamo is an in-memory table behind the API interface, with knobs for
// the failures a real one has.
type fakeDynamo struct {
	mu    sync.Mutex
	items map[string]map[string]types.AttributeValue
	// calls counts BatchGetItem requests; asked records their keys.
	calls int
	asked [][]string
	// err is BatchGetItem's answer when set.
	err error
	// unprocessed is how many of the next requests leave every key
	// unprocessed, as a throttled BatchGetItem does.
	unprocessed int
	// unprocessedAs, when set, keys UnprocessedKeys under this table name
	// (DynamoDB may answer with the table's ARN for its name).
	unprocessedAs string
	// block, when set, holds every BatchGetItem until it is closed or
	// the request's ctx ends; started receives a value as each request
	// begins (it must be buffered enough).
	block   chan struct{}
	started chan struct{}

	puts   []*dynamodb.PutItemInput
	putErr error
}

func newFakeDynamo(items ...map[string]types.AttributeValue) *fakeDynamo {
	f := &fakeDynamo{items: map[string]map[string]types.AttributeValue{}}
	for _, it := range items {
		f.items[it[AttrID].(*types.AttributeValueMemberS).Value] = it
	}
	return f
}

func (f *fakeDynamo) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	f.mu.Lock()
	f.calls++
	block, started := f.block, f.started
	f.mu.Unlock()
	if started != nil {
		started <- struct{}{}
	}
	if block != nil {
		select {
		case <-block:
		case <-ctx.Done():
			return nil, &timeoutError{ctx.Err()}
		}
	}

	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	out := &dynamodb.BatchGetItemOutput{Responses: map[string][]map[string]types.AttributeValue{}}
	var ids []string
	for table, ka := range in.RequestItems {
		if ka.ConsistentRead == nil || !*ka.ConsistentRead {
			// An eventually consistent read can miss a sign-out written
			// a moment before: the checker must never make one.
			return nil, fmt.Errorf("fakeDynamo: an eventually consistent read of %s", table)
		}
		for _, k := range ka.Keys {
			id := k[AttrID].(*types.AttributeValueMemberS).Value
			ids = append(ids, id)
			if f.unprocessed > 0 {
				continue
			}
			if it, ok := f.items[id]; ok {
				out.Responses[table] = append(out.Responses[table], it)
			}
		}
		if f.unprocessed > 0 {
			as := table
			if f.unprocessedAs != "" {
				as = f.unprocessedAs
			}
			out.UnprocessedKeys = map[string]types.KeysAndAttributes{as: ka}
		}
	}
	if f.unprocessed > 0 {
		f.unprocessed--
	}
	f.asked = append(f.asked, ids)
	return out, nil
}

func (f *fakeDynamo) PutItem(_ context.Context, in *dynamodb.PutItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.puts = append(f.puts, in)
	if f.putErr != nil {
		return nil, f.putErr
	}
	return &dynamodb.PutItemOutput{}, nil
}

func (f *fakeDynamo) callCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

// timeoutError is what the SDK returns when ctx ends mid-request: an
// operation error wrapping the context's.
type timeoutError struct{ err error }

func (e *timeoutError) Error() string {
	return "operation error DynamoDB: BatchGetItem: " + e.err.Error()
}
func (e *timeoutError) Unwrap() error { return e.err }

func subItem(sub string, revokedBefore, expiresAt string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		AttrID:            &types.AttributeValueMemberS{Value: PrefixSub + sub},
		AttrRevokedBefore: &types.AttributeValueMemberN{Value: revokedBefore},
		AttrExpiresAt:     &types.AttributeValueMemberN{Value: expiresAt},
	}
}

func jtiItem(jti, expiresAt string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		AttrID:        &types.AttributeValueMemberS{Value: PrefixJTI + jti},
		AttrExpiresAt: &types.AttributeValueMemberN{Value: expiresAt},
	}
}

// testNow is the tests' clock: 2026-11-22T04:18:09Z, epoch 1795321089.
var testNow = time.Unix(1795321089, 0)

// newTestChecker returns a Checker over f on a clock at testNow, and its
// log.
func newTestChecker(tb testing.TB, f *fakeDynamo, opts ...Option) (*Checker, *clocktest.Clock, *bytes.Buffer) {
	tb.Helper()
	clk := clocktest.New(testNow)
	var logs bytes.Buffer
	opts = append([]Option{WithClock(clk.Now)}, opts...)
	return NewChecker(NewStore(f, "revocations"), slog.New(slog.NewJSONHandler(&logs, nil)), opts...), clk, &logs
}

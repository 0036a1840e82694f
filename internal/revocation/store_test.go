package revocation

import (
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"
)

// attrs renders an item's attributes as "S:..." or "N:..." strings.
func attrs(tb testing.TB, item map[string]types.AttributeValue) map[string]string {
	tb.Helper()
	out := map[string]string{}
	for name, v := range item {
		switch v := v.(type) {
		case *types.AttributeValueMemberS:
			out[name] = "S:" + v.Value
		case *types.AttributeValueMemberN:
			out[name] = "N:" + v.Value
		default:
			tb.Fatalf("attribute %s is %T", name, v)
		}
	}
	return out
}

func TestRevokeSession(t *testing.T) {
	f := newFakeDynamo()
	s := NewStore(f, "revocations")
	if err := s.RevokeSession(t.Context(), testJTI, testNow.Add(24*time.Hour+time.Millisecond)); err != nil {
		t.Fatalf("RevokeSession() = %v", err)
	}
	want := map[string]string{"id": "S:jti#" + testJTI, "expiresAt": "N:1795407490"}
	if diff := cmp.Diff(want, attrs(t, f.puts[0].Item)); diff != "" {
		t.Errorf("item (-want +got):\n%s", diff)
	}
	if *f.puts[0].TableName != "revocations" || f.puts[0].ConditionExpression != nil {
		t.Errorf("PutItem(%s, condition %v), want revocations without a condition", *f.puts[0].TableName, f.puts[0].ConditionExpression)
	}
	if err := s.RevokeSession(t.Context(), "", testNow); err == nil {
		t.Errorf("RevokeSession(no jti) = nil, want an error")
	}
}

func TestRevokeUser(t *testing.T) {
	f := newFakeDynamo()
	s := NewStore(f, "revocations")
	before := testNow.Add(300 * time.Millisecond)
	// revokedBefore is the next second, also from a whole second.
	if err := s.RevokeUser(t.Context(), testSub, testNow, testNow); err != nil {
		t.Fatal(err)
	}
	if got := attrs(t, f.puts[0].Item)["revokedBefore"]; got != "N:1795321090" {
		t.Errorf("revokedBefore of a sign-out at %d = %s, want the next second", testNow.Unix(), got)
	}
	f.puts = nil
	if err := s.RevokeUser(t.Context(), testSub, before, before.Add(24*time.Hour)); err != nil {
		t.Fatalf("RevokeUser() = %v", err)
	}
	in := f.puts[0]
	want := map[string]string{"id": "S:sub#" + testSub, "revokedBefore": "N:1795321090", "expiresAt": "N:1795407490"}
	if diff := cmp.Diff(want, attrs(t, in.Item)); diff != "" {
		t.Errorf("item (-want +got):\n%s", diff)
	}
	if in.ConditionExpression == nil || attrs(t, in.ExpressionAttributeValues)[":rb"] != "N:1795321090" {
		t.Errorf("PutItem condition %v %v, want one keeping a later revokedBefore", in.ConditionExpression, in.ExpressionAttributeValues)
	}

	// A later revocation already there is success.
	f.putErr = &types.ConditionalCheckFailedException{Message: new("condition failed")}
	if err := s.RevokeUser(t.Context(), testSub, before, before); err != nil {
		t.Errorf("RevokeUser() over a later revocation = %v, want nil", err)
	}
	f.putErr = &types.ProvisionedThroughputExceededException{Message: new("slow down")}
	if err := s.RevokeUser(t.Context(), testSub, before, before); !errors.Is(err, f.putErr) {
		t.Errorf("RevokeUser() throttled = %v, want the error", err)
	}
}

func TestCeilUnix(t *testing.T) {
	for _, tt := range []struct {
		t    time.Time
		want int64
	}{
		{time.Unix(100, 0), 100},
		{time.Unix(100, 1), 101},
		{time.Unix(100, 999_999_999), 101},
	} {
		if got := ceilUnix(tt.t); got != tt.want {
			t.Errorf("ceilUnix(%v) = %d, want %d", tt.t, got, tt.want)
		}
	}
}

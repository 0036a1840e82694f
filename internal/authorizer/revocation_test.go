package authorizer_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/gatehouse-dev/cognito-authorizer/internal/authorizer"
	"github.com/gatehouse-dev/cognito-authorizer/internal/decide"
	"github.com/gatehouse-dev/cognito-authorizer/internal/revocation"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/authorizertest"
)

// revocations answers Check with err and records what it was asked.
type revocations struct {
	err      error
	sub, jti string
	issuedAt time.Time
	calls    int
}

func (r *revocations) Check(ctx context.Context, sub, jti string, issuedAt time.Time) error {
	r.calls++
	r.sub, r.jti, r.issuedAt = sub, jti, issuedAt
	return r.err
}

// newRevocationFixture is newFixture with a revocation check answering err.
func newRevocationFixture(t *testing.T, env map[string]string, err error) (*fixture, *revocations) {
	t.Helper()
	f := newFixture(t, env)
	rev := &revocations{err: err}
	f.handler = authorizertest.NewHandler(t, f.getenv, newLogger(f.logs), decide.WithRevocations(rev))
	return f, rev
}

func TestRevocation(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		wantErr    error // nil: Allow
		wantReason string
	}{
		{name: "not revoked"},
		{name: "revoked", err: fmt.Errorf("%w: signed out everywhere", revocation.ErrRevoked), wantErr: authorizer.ErrUnauthorized, wantReason: "revoked"},
		{name: "malformed item counts as revoked", err: fmt.Errorf("%w: %w", revocation.ErrRevoked, revocation.ErrMalformedItem), wantErr: authorizer.ErrUnauthorized, wantReason: "revoked"},
		{name: "store unavailable", err: fmt.Errorf("%w: throttled", revocation.ErrUnavailable), wantErr: authorizer.ErrUnavailable, wantReason: "revocation_unavailable"},
		{name: "unknown error is an outage", err: errors.New("boom"), wantErr: authorizer.ErrUnavailable, wantReason: "revocation_unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, rev := newRevocationFixture(t, nil, tt.err)
			claims := f.pool.IDClaims(alice, time.Now())
			claims["origin_jti"] = "jti-1"
			_, err := invoke(f, tokenEvent("Bearer "+f.sign(t, claims)))
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("Handle() = %v, want %v", err, tt.wantErr)
			}
			if rev.calls != 1 || rev.sub != alice.Sub || rev.jti != "jti-1" || rev.issuedAt.Unix() != int64(claims["iat"].(int64)) {
				t.Errorf("Check(%q, %q, %v) called %d times, want once with alice's sub, jti-1 and iat", rev.sub, rev.jti, rev.issuedAt, rev.calls)
			}
			line := lastLog(t, f.logs)
			if tt.wantReason != "" && line["reason"] != tt.wantReason {
				t.Errorf("reason = %v, want %s", line["reason"], tt.wantReason)
			}
			if tt.wantErr == authorizer.ErrUnavailable && line["level"] != "ERROR" {
				t.Errorf("level = %v, want ERROR", line["level"])
			}
		})
	}
}

// TestRevocationBeforeGroups: a revoked token is 401 even where its groups
// would be refused (403), and a bad token is never looked up.
func TestRevocationBeforeGroups(t *testing.T) {
	f, rev := newRevocationFixture(t, map[string]string{settings.EnvRequiredGroups: "billing"}, revocation.ErrRevoked)
	_, err := invoke(f, tokenEvent("Bearer "+f.idToken(t)))
	if !errors.Is(err, authorizer.ErrUnauthorized) {
		t.Fatalf("Handle(revoked, not in group) = %v, want Unauthorized", err)
	}
	calls := rev.calls
	invoke(f, tokenEvent("Bearer nonsense.nonsense.nonsense"))
	if rev.calls != calls {
		t.Error("a token that did not verify was looked up")
	}
}

// emptyTable is a revocation table with no items.
type emptyTable struct{ revocation.API }

func (emptyTable) BatchGetItem(context.Context, *dynamodb.BatchGetItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	return &dynamodb.BatchGetItemOutput{Responses: map[string][]map[string]types.AttributeValue{}}, nil
}

// BenchmarkAuthorizeRevocationCacheHit is BenchmarkAuthorizeValid with the
// revocation check on and its answer cached: the cost of REVOCATION_TABLE
// on a warm instance.
func BenchmarkAuthorizeRevocationCacheHit(b *testing.B) {
	f := newFixtureLogging(b, nil, io.Discard)
	checker := revocation.NewChecker(revocation.NewStore(emptyTable{}, "revocations"), newLogger(io.Discard), revocation.WithCacheTTL(time.Hour))
	f.handler = authorizertest.NewHandler(b, f.getenv, newLogger(io.Discard), decide.WithRevocations(checker))
	benchAuthorize(b, f, tokenEvent("Bearer "+f.idToken(b)), false)
}

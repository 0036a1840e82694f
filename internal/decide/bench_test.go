package decide_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/cognito-authorizer/internal/decide"
	"github.com/gatehouse-dev/cognito-authorizer/internal/policy"
)

// benchDecide measures a warm Decider (keys fetched) deciding req: no
// event to decode, no answer to render, no log line.
func benchDecide(b *testing.B, d *decide.Decider, req decide.Request, want decide.Outcome) {
	b.Helper()
	ctx := context.Background()
	if got := d.Decide(ctx, req); got.Outcome != want {
		b.Fatalf("Decide = %v %q (%v), want %v", got.Outcome, got.Reason, got.Err, want)
	}
	b.ReportAllocs()
	for b.Loop() {
		d.Decide(ctx, req)
	}
}

// BenchmarkDecide decides a valid ID token without route rules: Allow.
func BenchmarkDecide(b *testing.B) {
	f := newFixture(b)
	benchDecide(b, decide.New(f.v), decide.Request{Token: "Bearer " + f.token(b, alice, time.Now()), ARN: arn(b, arnText)}, decide.Allow)
}

// BenchmarkDecideRules100 decides a valid ID token under 100 route rules
// (the caller's policy lists every rule's resource): Allow.
func BenchmarkDecideRules100(b *testing.B) {
	var rules strings.Builder
	rules.WriteString("[")
	methods := []string{"GET", "POST", "PUT", "PATCH", "DELETE"}
	for i := range 100 {
		if i > 0 {
			rules.WriteString(",")
		}
		fmt.Fprintf(&rules, `{"route": "%s /r%d/{id}/items", "groups": ["%s"]}`, methods[i%len(methods)], i, []string{"writers", "staff", "billing"}[i%3])
	}
	rules.WriteString("]")
	rs, err := policy.ParseRules([]byte(rules.String()))
	if err != nil {
		b.Fatal(err)
	}
	f := newFixture(b)
	benchDecide(b, decide.New(f.v, decide.WithRules(rs)), decide.Request{Token: "Bearer " + f.token(b, alice, time.Now()),
		ARN: arn(b, "arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/GET/r0/7/items")}, decide.Allow)
}

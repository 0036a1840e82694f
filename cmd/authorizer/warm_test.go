package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-dev/cognito-authorizer/internal/revocation"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/cognitotest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/dynamotest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/emftest"
)

// TestBinaryWarmsTheRevocationTable starts the real binary with a
// revocation table and counts the table's requests: one at start (the
// warm-up, with the JWKS fetch), before any invocation, made with the
// credentials and endpoint of the environment alone; then the first
// invocation reads the table for its token (RevocationLookups 1) and is
// allowed.
func TestBinaryWarmsTheRevocationTable(t *testing.T) {
	pool, jwksURL := cognitotest.Start(t, poolID, clientID)
	id, err := pool.IDToken(alice, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	dynamo, err := dynamotest.Start(revocation.AttrID)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dynamo.Close() })
	if err := dynamo.CreateTable("revocations", revocation.AttrID, ""); err != nil {
		t.Fatal(err)
	}
	var (
		mu       sync.Mutex
		requests []string
	)
	counting := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		requests = append(requests, r.Header.Get("X-Amz-Target")+" "+r.Header.Get("Authorization"))
		mu.Unlock()
		dynamo.ServeHTTP(w, r)
	}))
	t.Cleanup(counting.Close)
	seen := func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), requests...)
	}

	fn, out := start(t, map[string]string{
		settings.EnvUserPoolID: poolID, settings.EnvClientIDs: clientID, settings.EnvJWKSURL: jwksURL,
		settings.EnvRevocationTable: "revocations", settings.EnvEndpointDynamoDB: counting.URL,
		"AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "AKIDWARMUP", "AWS_SECRET_ACCESS_KEY": "warm-up-secret",
	})
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "authorizer started") {
		if time.Now().After(deadline) {
			t.Fatalf("the function did not start:\n%s", out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	got := seen()
	if len(got) != 1 || !strings.HasPrefix(got[0], "DynamoDB_20120810.BatchGetItem ") || !strings.Contains(got[0], "Credential=AKIDWARMUP/") {
		t.Fatalf("the table's requests at start = %q, want one BatchGetItem signed with the environment's key", got)
	}
	if strings.Contains(out.String(), "revocation table not read at start") {
		t.Errorf("the warm-up failed:\n%s", out.String())
	}

	res := invoke(t, fn, eventFile(t, "token.json", id))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := out.Line(ctx, res.RequestID); err != nil {
		t.Fatal(err)
	}
	doc, err := emftest.Parse(decisionLine(t, out.String(), res.RequestID))
	if err != nil {
		t.Fatal(err)
	}
	if doc.Members[settings.DimensionOutcome] != "allow" || doc.Members[settings.MetricRevocationLookups] == nil {
		t.Errorf("the first invocation: %v, want allow with RevocationLookups", doc.Members)
	}
	if n := len(seen()); n != 2 {
		t.Errorf("%d requests to the table after one invocation, want 2 (the warm-up and its lookup)", n)
	}
}

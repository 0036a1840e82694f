package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/gatehouse-dev/cognito-authorizer/internal/notes"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/apigwtest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/lambdatest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/mototest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/notestest"
)

func TestRunConfigErrors(t *testing.T) {
	mototest.IsolateAWS(t)
	tests := []struct {
		name      string
		env       map[string]string
		wantNames []string // variables the error must name
	}{
		{name: "no NOTES_TABLE", env: map[string]string{"AWS_REGION": "eu-west-1"}, wantNames: []string{"NOTES_TABLE"}},
		{name: "bad NOTES_TABLE", env: map[string]string{"NOTES_TABLE": "notes table", "AWS_REGION": "eu-west-1"}, wantNames: []string{"NOTES_TABLE"}},
		{name: "no region", env: map[string]string{"NOTES_TABLE": "notes"}, wantNames: []string{"AWS_REGION"}},
		{name: "everything wrong at once", env: map[string]string{"LOG_LEVEL": "loud"}, wantNames: []string{"NOTES_TABLE", "LOG_LEVEL", "AWS_REGION"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { lambdatest.RunFails(t, run, tt.env, tt.wantNames...) })
	}
}

// TestRunWithMoto runs the wired function the way sam local invoke does:
// the sample event, and the SDK pointed at moto's DynamoDB by
// AWS_ENDPOINT_URL_DYNAMODB alone.
func TestRunWithMoto(t *testing.T) {
	endpoint := mototest.Start(t)
	client := dynamodb.NewFromConfig(mototest.Config(endpoint))
	const table = "notes-list"
	notestest.CreateTable(t, client, table)

	req := apigwtest.ProxyRequest(t, filepath.Join("..", "..", "events", "list-notes.json"))
	sub := req.RequestContext.Authorizer["sub"].(string)
	store := notes.NewDynamoStore(client, table)
	start := time.Date(2026, 11, 22, 4, 18, 9, 0, time.UTC)
	for i, text := range []string{"older", "newer"} {
		at := start.Add(time.Duration(i) * time.Second)
		id, err := notes.NewID(at, bytes.NewReader(make([]byte, 10)))
		if err != nil {
			t.Fatal(err)
		}
		if err := store.Put(t.Context(), notes.Note{UserID: sub, ID: id, Text: text, CreatedAt: at}); err != nil {
			t.Fatal(err)
		}
	}

	mototest.IsolateAWS(t)
	t.Setenv("AWS_REGION", mototest.Region)
	t.Setenv("AWS_ACCESS_KEY_ID", "testing")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "testing")
	t.Setenv(settings.EnvEndpointDynamoDB, endpoint)
	t.Setenv(settings.EnvNotesTable, table)
	var stdout bytes.Buffer
	h, err := run(t.Context(), os.Getenv, &stdout)
	if err != nil {
		t.Fatalf("run() error = %v", err)
	}
	if stdout.Len() != 0 {
		t.Errorf("run() wrote %q, want nothing before the first request", stdout.String())
	}

	resp, err := h.Handle(t.Context(), req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("Handle(sample event) = %d %s, %v, want 200", resp.StatusCode, resp.Body, err)
	}
	var got struct {
		Notes []struct{ Note string }
		Next  string
	}
	if err := json.Unmarshal([]byte(resp.Body), &got); err != nil {
		t.Fatalf("body %s: %v", resp.Body, err)
	}
	if len(got.Notes) != 2 || got.Notes[0].Note != "newer" || got.Notes[1].Note != "older" || got.Next != "" {
		t.Errorf("body = %s, want newer then older, no next page", resp.Body)
	}

	var line map[string]any
	if err := json.Unmarshal(stdout.Bytes(), &line); err != nil {
		t.Fatalf("stdout %q is not one JSON log line: %v", stdout.String(), err)
	}
	if line["status"] != float64(http.StatusOK) || line["count"] != float64(2) || strings.Contains(stdout.String(), "older") {
		t.Errorf("log line = %s, want status 200, count 2 and no note", stdout.String())
	}

	// Through the function's handler chain: the sample REST event as
	// Lambda passes it, and the same request from an HTTP API (payload
	// format 2.0) with the authorizer's context keeping its JSON types,
	// get the same answer.
	sample, err := os.ReadFile(filepath.Join("..", "..", "events", "list-notes.json"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := handler(h)(t.Context(), sample)
	if rest, ok := out.(events.APIGatewayProxyResponse); err != nil || !ok || rest.StatusCode != resp.StatusCode || rest.Body != resp.Body {
		t.Errorf("handler(sample REST event) = %#v, %v, want %d %s", out, err, resp.StatusCode, resp.Body)
	}
	lambdaCtx := map[string]any{"sub": sub, "username": "alice", "cognito:groups": "writers", "exp": 1795324089, "email_verified": true}
	v2 := apigwtest.ServeV2(t, handler(h), apigwtest.HTTPAPIEvent(t, req, lambdaCtx))
	if v2.StatusCode != resp.StatusCode || v2.Body != resp.Body || v2.Headers["Cache-Control"] != "no-store" ||
		v2.Headers["Content-Type"] != resp.Headers["Content-Type"] {
		t.Errorf("payload 2.0 answer = %d %v %s, want %d %v %s", v2.StatusCode, v2.Headers, v2.Body, resp.StatusCode, resp.Headers, resp.Body)
	}

	// A repeated ?limit=, which payload 2.0 joins with a comma, is refused
	// as REST refuses it.
	twice := req
	twice.QueryStringParameters = map[string]string{"limit": "2"}
	twice.MultiValueQueryStringParameters = map[string][]string{"limit": {"1", "2"}}
	restResp, err := h.Handle(t.Context(), twice)
	v2 = apigwtest.ServeV2(t, handler(h), apigwtest.HTTPAPIEvent(t, twice, lambdaCtx))
	if err != nil || restResp.StatusCode != http.StatusBadRequest || v2.StatusCode != restResp.StatusCode || v2.Body != restResp.Body {
		t.Errorf("?limit=1&limit=2: REST %d %s, payload 2.0 %d %s, want both 400", restResp.StatusCode, restResp.Body, v2.StatusCode, v2.Body)
	}

	// Without a Lambda authorizer's context, 401 as for a REST method
	// deployed without the authorizer.
	bare := req
	bare.RequestContext.Authorizer = nil
	restResp, err = h.Handle(t.Context(), bare)
	v2 = apigwtest.ServeV2(t, handler(h), apigwtest.HTTPAPIEvent(t, req, nil))
	if err != nil || restResp.StatusCode != http.StatusUnauthorized || v2.StatusCode != restResp.StatusCode || v2.Body != restResp.Body {
		t.Errorf("without the authorizer: REST %d %s, payload 2.0 %d %s, want both 401", restResp.StatusCode, restResp.Body, v2.StatusCode, v2.Body)
	}
}

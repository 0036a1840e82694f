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
		{name: "bad LOG_LEVEL", env: map[string]string{"NOTES_TABLE": "notes", "LOG_LEVEL": "loud", "AWS_REGION": "eu-west-1"}, wantNames: []string{"LOG_LEVEL"}},
		{name: "no region", env: map[string]string{"NOTES_TABLE": "notes"}, wantNames: []string{"AWS_REGION"}},
		{name: "everything wrong at once", env: map[string]string{"LOG_LEVEL": "loud"}, wantNames: []string{"NOTES_TABLE", "LOG_LEVEL", "AWS_REGION"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { lambdatest.RunFails(t, run, tt.env, tt.wantNames...) })
	}
}

func TestRun(t *testing.T) {
	mototest.IsolateAWS(t)
	var stdout bytes.Buffer
	h, err := run(t.Context(), lambdatest.Getenv(map[string]string{"NOTES_TABLE": "notes", "AWS_REGION": "eu-west-1"}), &stdout)
	if err != nil || h == nil {
		t.Fatalf("run() = %v, %v, want a handler", h, err)
	}
	if stdout.Len() != 0 {
		t.Errorf("run() wrote %q, want nothing before the first request", stdout.String())
	}
}

// TestRunWithMoto runs the wired function the way sam local invoke does:
// the sample event, and the SDK pointed at moto's DynamoDB by
// AWS_ENDPOINT_URL_DYNAMODB alone.
func TestRunWithMoto(t *testing.T) {
	endpoint := mototest.Start(t)
	client := dynamodb.NewFromConfig(mototest.Config(endpoint))
	const table = "notes-e2e"
	notestest.CreateTable(t, client, table)

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

	req := apigwtest.ProxyRequest(t, filepath.Join("..", "..", "events", "add-note.json"))
	resp, err := h.Handle(t.Context(), req)
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("Handle(sample event) = %d %s, %v, want 201", resp.StatusCode, resp.Body, err)
	}
	var created struct{ ID, Note, CreatedAt string }
	if err := json.Unmarshal([]byte(resp.Body), &created); err != nil {
		t.Fatalf("body %s: %v", resp.Body, err)
	}

	sub := req.RequestContext.Authorizer["sub"].(string)
	item := notestest.GetItem(t, client, table, sub, created.ID)
	if item == nil || item[notes.AttrNote] != "Bring home milk" {
		t.Errorf("stored item = %v, want the note Bring home milk", item)
	}

	var line map[string]any
	if err := json.Unmarshal(stdout.Bytes(), &line); err != nil {
		t.Fatalf("stdout %q is not one JSON log line: %v", stdout.String(), err)
	}
	if line["status"] != float64(http.StatusCreated) || strings.Contains(stdout.String(), "milk") {
		t.Errorf("log line = %s, want status 201 and no note", stdout.String())
	}
	// Lambda's log-level filter reads level and an RFC 3339 timestamp.
	ts, _ := line["timestamp"].(string)
	if _, err := time.Parse(time.RFC3339Nano, ts); err != nil || line["level"] != "INFO" {
		t.Errorf("log line = %s, want level INFO and an RFC 3339 timestamp", stdout.String())
	}

	// The same request from an HTTP API (payload format 2.0), the
	// authorizer's context keeping its JSON types, through the function's
	// handler chain: stored and answered as the REST one.
	lambdaCtx := map[string]any{"sub": sub, "username": "alice", "email": "alice@example.com",
		"cognito:groups": "writers", "exp": 1795324089, "email_verified": true}
	v2 := apigwtest.ServeV2(t, handler(h), apigwtest.HTTPAPIEvent(t, req, lambdaCtx))
	var created2 struct{ ID, Note, CreatedAt string }
	if err := json.Unmarshal([]byte(v2.Body), &created2); err != nil || v2.StatusCode != resp.StatusCode ||
		v2.Headers["Content-Type"] != resp.Headers["Content-Type"] || created2.Note != created.Note || created2.ID == created.ID {
		t.Fatalf("payload 2.0 answer = %d %v %s (%v), want %d %v and a second note like %s", v2.StatusCode, v2.Headers, v2.Body, err,
			resp.StatusCode, resp.Headers, resp.Body)
	}
	item = notestest.GetItem(t, client, table, sub, created2.ID)
	if item == nil || item[notes.AttrNote] != "Bring home milk" || item[notes.AttrEmail] != "alice@example.com" {
		t.Errorf("stored item = %v, want the note Bring home milk from alice@example.com", item)
	}

	// Without a Lambda authorizer's context, 401 as for a REST method
	// deployed without the authorizer.
	bare := req
	bare.RequestContext.Authorizer = nil
	restResp, err := h.Handle(t.Context(), bare)
	v2 = apigwtest.ServeV2(t, handler(h), apigwtest.HTTPAPIEvent(t, req, nil))
	if err != nil || restResp.StatusCode != http.StatusUnauthorized || v2.StatusCode != restResp.StatusCode || v2.Body != restResp.Body {
		t.Errorf("without the authorizer: REST %d %s, payload 2.0 %d %s, want both 401", restResp.StatusCode, restResp.Body, v2.StatusCode, v2.Body)
	}
}

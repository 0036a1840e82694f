package apibody_test

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/gatehouse-dev/cognito-authorizer/internal/apibody"
)

func TestObject(t *testing.T) {
	tests := []struct {
		body, reason string
	}{
		{`{"a": 1, "b": 2}`, ""},
		{` `, "body_empty"},
		{"{\"a\": \"\xff\"}", "body_not_utf8"},
		{`[1]`, "body_not_object"},
		{`{"a": `, "body_bad_json"},
		{`{"a": 1} {}`, "body_trailing_data"},
		{`{"A": 1}`, "body_unknown_field"},
	}
	for _, tt := range tests {
		members, rej := apibody.Object([]byte(tt.body), "want {a, b}", "a", "b")
		got := ""
		if rej != nil {
			got = rej.Reason
			if strings.Contains(rej.Message, tt.body) && tt.body != " " {
				t.Errorf("Object(%q) message %q holds the body", tt.body, rej.Message)
			}
		}
		if got != tt.reason || (got == "" && len(members) != 2) {
			t.Errorf("Object(%q) = %v, reason %q, want reason %q", tt.body, members, got, tt.reason)
		}
	}
}

func TestRead(t *testing.T) {
	enc := base64.StdEncoding.EncodeToString
	tests := []struct {
		req    events.APIGatewayProxyRequest
		want   string
		reason string
	}{
		{events.APIGatewayProxyRequest{Body: "abc"}, "abc", ""},
		{events.APIGatewayProxyRequest{Body: enc([]byte("abc")), IsBase64Encoded: true}, "abc", ""},
		{events.APIGatewayProxyRequest{Body: "abcde"}, "", "body_too_large"},
		{events.APIGatewayProxyRequest{Body: enc([]byte("abcde")), IsBase64Encoded: true}, "", "body_too_large"},
		{events.APIGatewayProxyRequest{Body: "!!!", IsBase64Encoded: true}, "", "bad_base64"},
	}
	for _, tt := range tests {
		body, rej := apibody.Read(tt.req, 4)
		got := ""
		if rej != nil {
			got = rej.Reason
		}
		if got != tt.reason || string(body) != tt.want {
			t.Errorf("Read(%+v) = %q, reason %q, want %q, reason %q", tt.req.Body, body, got, tt.want, tt.reason)
		}
	}
}

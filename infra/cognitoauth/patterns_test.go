package cognitoauth_test

import (
	"encoding/json"
	"regexp"
	"testing"

	"github.com/gatehouse-dev/cognito-authorizer/infra/cognitoauth"
)

func TestTokenPattern(t *testing.T) {
	const jwt = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJlLV9fLQ"
	tests := []struct {
		name   string
		header string
		want   bool
	}{
		{"bearer", "Bearer " + jwt, true},
		{"lower-case scheme", "bearer " + jwt, true},
		{"upper-case scheme", "BEARER " + jwt, true},
		{"bare JWT", jwt, true},
		{"two spaces", "Bearer  " + jwt, true},
		{"empty", "", false},
		{"scheme only", "Bearer", false},
		{"scheme and space", "Bearer ", false},
		{"basic auth", "Basic dXNlcjpwYXNz", false},
		{"other scheme", "Token " + jwt, false},
		{"two segments", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ", false},
		{"empty signature", "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiIxMjMifQ.", false},
		{"four segments", jwt + ".x", false},
		{"padding", "Bearer " + jwt + "==", false},
		{"standard base64", "Bearer a+b.c/d.e", false},
		{"trailing newline", "Bearer " + jwt + "\n", false},
		{"trailing space", jwt + " ", false},
		{"no space after scheme", "Bearer" + jwt, true}, // "Bearer<jwt>" reads as one base64url segment
	}
	re := regexp.MustCompile(cognitoauth.TokenPattern)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := re.MatchString(tt.header); got != tt.want {
				t.Errorf("TokenPattern matches %q = %v, want %v", tt.header, got, tt.want)
			}
		})
	}
}

// TestUnavailableBodyIsJSON keeps the 503 body a JSON object.
func TestUnavailableBodyIsJSON(t *testing.T) {
	var v map[string]string
	if err := json.Unmarshal([]byte(cognitoauth.UnavailableBody), &v); err != nil || v["message"] == "" {
		t.Errorf("cognitoauth.UnavailableBody = %s: %v, want a JSON object with a message", cognitoauth.UnavailableBody, err)
	}
}

package signout

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/gatehouse-dev/cognito-authorizer/internal/identity"
)

// caller is who signs out, as the authorizer context says.
type caller struct {
	sub       string
	username  string // the name Cognito knows the user by; sub when absent
	originJTI string
	expiresAt time.Time // the token's exp; zero when absent
}

// callerFrom reads the caller from requestContext.authorizer.
func callerFrom(authorizer map[string]any) (caller, error) {
	p, err := identity.FromAuthorizer(authorizer)
	if err != nil {
		return caller{}, err
	}
	c := caller{sub: p.Sub, username: p.Username}
	if c.username == "" {
		c.username = p.Sub
	}
	if jti, _ := authorizer[identity.KeyOriginJTI].(string); len(jti) <= 256 {
		c.originJTI = jti
	}
	if exp, ok := epochSeconds(authorizer[identity.KeyExpiresAt]); ok {
		c.expiresAt = exp
	}
	return c, nil
}

// epochSeconds reads a context value in epoch seconds. API Gateway passes
// numbers as strings ("1795321089"); a float64 is accepted for events built
// by hand.
func epochSeconds(v any) (time.Time, bool) {
	var f float64
	switch v := v.(type) {
	case string:
		var err error
		if f, err = strconv.ParseFloat(v, 64); err != nil {
			return time.Time{}, false
		}
	case float64:
		f = v
	default:
		return time.Time{}, false
	}
	if f <= 0 || f > 1e11 || math.IsNaN(f) {
		return time.Time{}, false
	}
	return time.Unix(int64(math.Ceil(f)), 0), true
}

// rejection is why a request is refused with 400: a message for the caller
// and a reason for the logs, neither holding what the caller sent.
type rejection struct{ reason, message string }

const wantBody = `want {"everywhere": true} or {"everywhere": false}`

// readBody returns the body's "everywhere", false for an empty body.
func readBody(req events.APIGatewayProxyRequest) (bool, *rejection) {
	body := []byte(req.Body)
	if req.IsBase64Encoded {
		dec := base64.NewDecoder(base64.StdEncoding, strings.NewReader(req.Body))
		var err error
		if body, err = io.ReadAll(io.LimitReader(dec, MaxBodyBytes+1)); err != nil {
			return false, &rejection{"bad_base64", "body is marked isBase64Encoded but is not valid base64"}
		}
	}
	if len(body) > MaxBodyBytes {
		return false, &rejection{"body_too_large", fmt.Sprintf("body is larger than %d bytes", MaxBodyBytes)}
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return false, nil
	}
	if trimmed[0] != '{' {
		return false, &rejection{"body_not_object", "body must be a JSON object: " + wantBody}
	}
	// A map rather than a struct: encoding/json would match "EVERYWHERE"
	// to a field named Everywhere.
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	var members map[string]json.RawMessage
	if err := dec.Decode(&members); err != nil {
		return false, &rejection{"body_bad_json", "body is not valid JSON: " + wantBody}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return false, &rejection{"body_trailing_data", "body has data after the JSON object: " + wantBody}
	}
	for name := range members {
		if name != "everywhere" {
			return false, &rejection{"body_unknown_field", `body has an unknown field: the only field is "everywhere"`}
		}
	}
	raw, ok := members["everywhere"]
	if !ok {
		return false, nil
	}
	switch string(raw) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, &rejection{"everywhere_not_boolean", "everywhere must be true or false"}
}

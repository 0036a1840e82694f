package signout

import (
	"bytes"
	"math"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/gatehouse-dev/cognito-authorizer/internal/apibody"
	"github.com/gatehouse-dev/cognito-authorizer/internal/identity"
)

// caller is who signs out, as the authorizer context says.
type caller struct {
	sub       string
	issuer    string // the context's iss
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
	c.issuer, _ = authorizer[identity.KeyIssuer].(string)
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

const wantBody = `want {"everywhere": true} or {"everywhere": false}`

// readBody returns the body's "everywhere", false for an empty body.
func readBody(req events.APIGatewayProxyRequest) (bool, *apibody.Rejection) {
	body, rej := apibody.Read(req, MaxBodyBytes)
	if rej != nil {
		return false, rej
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return false, nil
	}
	members, rej := apibody.Object(body, wantBody, "everywhere")
	if rej != nil {
		return false, rej
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
	return false, apibody.Reject("everywhere_not_boolean", "everywhere must be true or false")
}

package authorizer

import (
	"errors"
	"fmt"
	"strings"

	"github.com/gatehouse-dev/cognito-authorizer/internal/cognito"
)

// maxMethodARN bounds the methodArn parsed. API Gateway's paths are at most
// a few hundred bytes.
const maxMethodARN = 2048

// errBadScheme is a header with a scheme other than Bearer.
var errBadScheme = fmt.Errorf("%w: authorization scheme is not Bearer", cognito.ErrMalformed)

// extractToken returns the token of a TOKEN event's authorizationToken or of
// a REQUEST event's header. Either holds "Bearer <jwt>" (scheme in any case)
// or the bare JWT.
func extractToken(ev event, header string) (string, error) {
	var value string
	switch ev.Type {
	case TokenEvent:
		value = ev.AuthorizationToken
	case RequestEvent:
		v, err := headerValue(ev, header)
		if err != nil {
			return "", err
		}
		value = v
	default:
		return "", fmt.Errorf("%w: event type %.16q is neither TOKEN nor REQUEST", cognito.ErrNoToken, ev.Type)
	}
	return bearer(value)
}

// headerValue finds header case-insensitively in headers and
// multiValueHeaders. Several different values are refused: which one API
// Gateway would use is not something to guess.
func headerValue(ev event, header string) (string, error) {
	var found []string
	for k, v := range ev.Headers {
		if strings.EqualFold(k, header) {
			found = append(found, v)
		}
	}
	for k, vs := range ev.MultiValueHeaders {
		if strings.EqualFold(k, header) {
			found = append(found, vs...)
		}
	}
	if len(found) == 0 {
		return "", fmt.Errorf("%w: no %s header", cognito.ErrNoToken, header)
	}
	for _, v := range found[1:] {
		if v != found[0] {
			return "", fmt.Errorf("%w: %d different %s headers", cognito.ErrMalformed, len(found), header)
		}
	}
	return found[0], nil
}

// bearer strips an optional Bearer scheme (RFC 6750) from an Authorization
// value.
func bearer(v string) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", cognito.ErrNoToken
	}
	scheme, rest, found := strings.Cut(v, " ")
	if !found {
		if strings.EqualFold(v, "Bearer") {
			return "", cognito.ErrNoToken
		}
		return v, nil
	}
	if !strings.EqualFold(scheme, "Bearer") {
		return "", errBadScheme
	}
	rest = strings.TrimLeft(rest, " ")
	if rest == "" {
		return "", cognito.ErrNoToken
	}
	if strings.ContainsAny(rest, " \t") {
		return "", fmt.Errorf("%w: space inside the token", cognito.ErrMalformed)
	}
	return rest, nil
}

// errBadMethodARN is a methodArn that is not an execute-api ARN.
var errBadMethodARN = errors.New("methodArn is not arn:<partition>:execute-api:<region>:<account>:<api>/<stage>/<method>/<path>")

// policyResource returns the Resource of the policy for methodArn: the whole
// stage (arn:...:{apiId}/{stage}/*/*), so that the policy API Gateway caches
// for the token also fits the other methods of the API, or the methodArn
// itself.
func policyResource(methodARN string, scope PolicyResource) (string, error) {
	if len(methodARN) > maxMethodARN {
		return "", fmt.Errorf("%w: %d bytes long", errBadMethodARN, len(methodARN))
	}
	parts := strings.SplitN(methodARN, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] == "" || parts[2] != "execute-api" ||
		parts[3] == "" || !isAccount(parts[4]) {
		return "", fmt.Errorf("%w: %.200q", errBadMethodARN, methodARN)
	}
	path := strings.SplitN(parts[5], "/", 4)
	if len(path) < 3 || path[0] == "" || path[1] == "" || path[2] == "" {
		return "", fmt.Errorf("%w: %.200q", errBadMethodARN, methodARN)
	}
	if strings.ContainsAny(methodARN, " \t\r\n\"") {
		return "", fmt.Errorf("%w: %.200q", errBadMethodARN, methodARN)
	}
	if scope == PolicyMethod {
		return methodARN, nil
	}
	return strings.Join(parts[:5], ":") + ":" + path[0] + "/" + path[1] + "/*/*", nil
}

func isAccount(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

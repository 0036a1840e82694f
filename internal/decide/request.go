package decide

import (
	"errors"
	"fmt"
	"strings"

	"github.com/gatehouse-dev/cognito-authorizer/internal/policy"
)

// Errors a reader of events puts in Request.Err, each named by its Reason.
var (
	// ErrBadEvent is an event that could not be read.
	ErrBadEvent = errors.New("bad event")
	// ErrBadARN is a method or route ARN that is not one.
	ErrBadARN = errors.New("bad arn")
	// ErrNoToken is a request whose identity source holds no token.
	ErrNoToken = errors.New("no token")
	// ErrAmbiguousToken is a request with several different values of the
	// token's header: which one API Gateway would use is not something to
	// guess.
	ErrAmbiguousToken = errors.New("several different tokens")
	// ErrBadScheme is an authorization scheme other than Bearer.
	ErrBadScheme = errors.New("authorization scheme is not Bearer")
	// ErrNotJWT is a token that is not spelled as a compact JWS.
	ErrNotJWT = errors.New("token is not three base64url segments")
)

// Request is what every API type's authorizer event gives.
type Request struct {
	// Token is the identity source's value as sent: the JWT, with or
	// without a Bearer scheme. Empty: there is none (ReasonNoToken).
	Token string
	// ARN is the request's method and path on its API and stage: the
	// policy's resources are built on it.
	ARN policy.MethodARN
	// Err, if set, is why the event could not be read into a Request; it
	// matches one of this package's errors (ErrBadEvent, ErrBadARN,
	// ErrAmbiguousToken, ...) and Decide answers Unauthorized with its
	// Reason.
	Err error
	// Explain asks for Decision.Explanation (every check, the token's
	// header and claims) and Decision.Trace (every route rule's outcome
	// for this caller). It costs a second decoding of the token and an
	// evaluation of every rule's every condition: for tools, not for
	// the answer's path.
	Explain bool
}

// HeaderValue finds header case-insensitively in headers and multiValue (a
// REST REQUEST event's two maps; either may be nil). It returns "" when
// there is none and an error matching ErrAmbiguousToken when there are
// several different values.
func HeaderValue(headers map[string]string, multiValue map[string][]string, header string) (string, error) {
	var found []string
	for k, v := range headers {
		if strings.EqualFold(k, header) {
			found = append(found, v)
		}
	}
	for k, vs := range multiValue {
		if strings.EqualFold(k, header) {
			found = append(found, vs...)
		}
	}
	if len(found) == 0 {
		return "", nil
	}
	for _, v := range found[1:] {
		if v != found[0] {
			return "", fmt.Errorf("%w: %d different %s headers", ErrAmbiguousToken, len(found), header)
		}
	}
	return found[0], nil
}

// ows is HTTP's optional whitespace (RFC 9110, section 5.6.3), the only
// characters trimmed around a value. API Gateway's identity validation
// expression is a Java regular expression, whose '$' also matches before a
// final line terminator: "Bearer <jwt>\r" or "<jwt>\n" reaches the function,
// and a line break, vertical tab, form feed, NEL or no-break space there is
// refused, not trimmed as strings.TrimSpace would.
const ows = " \t"

// Bearer strips an optional Bearer scheme (RFC 6750: the scheme, then one
// or more spaces) from an Authorization value and checks that what is left
// is spelled as a compact JWS: three non-empty base64url segments. Go's
// base64 decoder skips CR and LF, so without this check one token would have
// many spellings (and a cache keyed on the token string would see them as
// different tokens). Its errors match ErrNoToken, ErrBadScheme or ErrNotJWT.
func Bearer(v string) (string, error) {
	v = strings.Trim(v, ows)
	if v == "" {
		return "", ErrNoToken
	}
	scheme, rest, found := strings.Cut(v, " ")
	if !found {
		if strings.EqualFold(v, "Bearer") {
			return "", ErrNoToken
		}
		rest = v
	} else {
		if !strings.EqualFold(scheme, "Bearer") {
			return "", ErrBadScheme
		}
		rest = strings.TrimLeft(rest, " ")
		if rest == "" {
			return "", ErrNoToken
		}
	}
	if !compactJWS(rest) {
		return "", ErrNotJWT
	}
	return rest, nil
}

// compactJWS reports whether s matches [A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+.
func compactJWS(s string) bool {
	dots, run := 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_':
			run++
		case c == '.':
			if run == 0 {
				return false
			}
			dots, run = dots+1, 0
		default:
			return false
		}
	}
	return dots == 2 && run > 0
}

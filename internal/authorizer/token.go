package authorizer

import (
	"errors"
	"fmt"
	"strings"
)

// Errors of token extraction, named in the log by tokenReason.
var (
	errNoToken   = errors.New("no token")
	errMalformed = errors.New("token malformed")
	errBadScheme = fmt.Errorf("%w: authorization scheme is not Bearer", errMalformed)
)

// tokenReason names an extraction error for the log.
func tokenReason(err error) string {
	if errors.Is(err, errMalformed) {
		return ReasonMalformed
	}
	return ReasonNoToken
}

// headerValue finds header case-insensitively in headers and
// multiValueHeaders. Several different values are refused: which one API
// Gateway would use is not something to guess.
func headerValue(headers map[string]string, multi map[string][]string, header string) (string, error) {
	var found []string
	for k, v := range headers {
		if strings.EqualFold(k, header) {
			found = append(found, v)
		}
	}
	for k, vs := range multi {
		if strings.EqualFold(k, header) {
			found = append(found, vs...)
		}
	}
	if len(found) == 0 {
		return "", fmt.Errorf("%w: no %s header", errNoToken, header)
	}
	for _, v := range found[1:] {
		if v != found[0] {
			return "", fmt.Errorf("%w: %d different %s headers", errMalformed, len(found), header)
		}
	}
	return found[0], nil
}

// ows is HTTP's optional whitespace (RFC 9110, section 5.6.3), the only
// characters trimmed around a value. API Gateway's identity validation
// expression is a Java regular expression, whose '$' also matches before a
// final line terminator: "Bearer <jwt>\r" or "<jwt>\n" reaches the function,
// and a line break, vertical tab, form feed, NEL or no-break space there is
// malformed, not trimmed as strings.TrimSpace would.
const ows = " \t"

// bearer strips an optional Bearer scheme (RFC 6750: the scheme, then one or
// more spaces) from an Authorization value and checks that what is left is
// spelled as a compact JWS: three non-empty base64url segments. Go's base64
// decoder skips CR and LF, so without this check one token would have many
// spellings (and a cache keyed on the token string would see them as
// different tokens).
func bearer(v string) (string, error) {
	v = strings.Trim(v, ows)
	if v == "" {
		return "", errNoToken
	}
	scheme, rest, found := strings.Cut(v, " ")
	if !found {
		if strings.EqualFold(v, "Bearer") {
			return "", errNoToken
		}
		rest = v
	} else {
		if !strings.EqualFold(scheme, "Bearer") {
			return "", errBadScheme
		}
		rest = strings.TrimLeft(rest, " ")
		if rest == "" {
			return "", errNoToken
		}
	}
	if !compactJWS(rest) {
		return "", fmt.Errorf("%w: not three base64url segments", errMalformed)
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

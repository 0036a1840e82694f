// Package apigwtest builds what API Gateway sends: authorizer events from
// the sample files in events/ with a token filled in, and the proxy request
// an integration gets once the authorizer allowed it, with the authorizer's
// answer turned into requestContext.authorizer as API Gateway does. Allows
// evaluates an authorizer's policy for a request as API Gateway does.
// Gateway plays a whole REST API stage: routing, the authorizer with its
// cache, the proxy integrations and the gateway responses (make start-api).
//
// The functions returning an error are for the local tools (the demo,
// devtoken); those taking a testing.TB fail the test instead.
package apigwtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// TokenPlaceholder is what the sample authorizer events hold where the
// token goes.
const TokenPlaceholder = "{{token}}"

// FillToken returns event with token in place of every TokenPlaceholder.
func FillToken(event []byte, token string) []byte {
	return bytes.ReplaceAll(event, []byte(TokenPlaceholder), []byte(token))
}

// ReadEvent reads the sample event in file with token in place of every
// TokenPlaceholder.
func ReadEvent(file, token string) ([]byte, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	return FillToken(b, token), nil
}

// Event is ReadEvent for tests.
func Event(tb testing.TB, file, token string) []byte {
	tb.Helper()
	b, err := ReadEvent(file, token)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// ReadProxyRequest decodes the sample proxy request in file, refusing any
// field that events.APIGatewayProxyRequest does not have, so that a
// misspelt field cannot go unnoticed.
func ReadProxyRequest(file string) (events.APIGatewayProxyRequest, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return events.APIGatewayProxyRequest{}, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var req events.APIGatewayProxyRequest
	if err := dec.Decode(&req); err != nil {
		return events.APIGatewayProxyRequest{}, fmt.Errorf("decoding %s: %w", file, err)
	}
	return req, nil
}

// ProxyRequest is ReadProxyRequest for tests.
func ProxyRequest(tb testing.TB, file string) events.APIGatewayProxyRequest {
	tb.Helper()
	req, err := ReadProxyRequest(file)
	if err != nil {
		tb.Fatal(err)
	}
	return req
}

// AuthorizerContext returns requestContext.authorizer as API Gateway builds
// it for a REST integration from an authorizer's principalId and context:
// every context value as a string, and principalId beside them.
func AuthorizerContext(principalID string, context map[string]any) map[string]any {
	out := make(map[string]any, len(context)+1)
	for k, v := range context {
		switch v := v.(type) {
		case string:
			out[k] = v
		case float64:
			out[k] = strconv.FormatFloat(v, 'f', -1, 64)
		default:
			out[k] = fmt.Sprint(v)
		}
	}
	out["principalId"] = principalID
	return out
}

// Allows answers what API Gateway makes of an authorizer's policy for the
// request methodARN, by IAM's rules: a statement speaks to the request when
// its actions include execute-api:Invoke (or a wildcard for it) and one of
// its resources matches, '*' standing for any run of characters, '/'
// included, and '?' for one; an explicit Deny beats any Allow; nothing
// matching is a deny.
//
// It is written apart from package policy's own evaluation, so that a test
// or the demo checks the answer rather than repeating the authorizer.
func Allows(doc events.APIGatewayCustomAuthorizerPolicy, methodARN string) bool {
	allowed, _ := evaluate(doc, methodARN)
	return allowed
}

// evaluate is Allows, and says whether a Deny spoke: API Gateway's 403
// says so ("with an explicit deny").
func evaluate(doc events.APIGatewayCustomAuthorizerPolicy, methodARN string) (allowed, explicitDeny bool) {
	for _, st := range doc.Statement {
		if !slices.ContainsFunc(st.Action, invokes) ||
			!slices.ContainsFunc(st.Resource, func(p string) bool { return iamPattern(p).MatchString(methodARN) }) {
			continue
		}
		switch st.Effect {
		case "Deny":
			return false, true
		case "Allow":
			allowed = true
		}
	}
	return allowed, false
}

// invokes reports whether an IAM action covers execute-api:Invoke. Action
// names are case-insensitive.
func invokes(action string) bool {
	return iamPattern(strings.ToLower(action)).MatchString("execute-api:invoke")
}

// patterns caches compiled IAM patterns: the local API evaluates the same
// policy's resources on every request, and the property tests the same
// few thousand. It is emptied when it holds maxPatterns.
var (
	patternsMu sync.Mutex
	patterns   = map[string]*regexp.Regexp{}
)

const maxPatterns = 10000

// iamPattern compiles an IAM resource pattern into an anchored regexp.
func iamPattern(p string) *regexp.Regexp {
	patternsMu.Lock()
	defer patternsMu.Unlock()
	if re, ok := patterns[p]; ok {
		return re
	}
	quoted := regexp.QuoteMeta(p)
	quoted = strings.ReplaceAll(quoted, `\*`, `.*`)
	quoted = strings.ReplaceAll(quoted, `\?`, `.`)
	re := regexp.MustCompile(`^(?s:` + quoted + `)$`)
	if len(patterns) >= maxPatterns {
		clear(patterns)
	}
	patterns[p] = re
	return re
}

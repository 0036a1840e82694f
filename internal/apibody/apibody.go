// Package apibody reads the body of an API Gateway REST proxy request the
// way the sample endpoints do: bounded, base64 decoded where API Gateway
// encoded it, and a JSON object whose member names are compared exactly.
package apibody

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

// Rejection is why a request is refused with 400. Its Message goes to the
// caller and its Reason to the logs; neither holds anything the caller
// sent, so that no body and no token can reach the logs through them.
type Rejection struct {
	Reason  string
	Message string
}

// Reject returns a Rejection with reason and a message formatted as
// fmt.Sprintf does.
func Reject(reason, format string, args ...any) *Rejection {
	return &Rejection{Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// Read returns the body's bytes, decoding base64 where API Gateway encoded
// it. The decoder is bounded, so an oversized body costs no more than max
// bytes of memory.
func Read(req events.APIGatewayProxyRequest, max int) ([]byte, *Rejection) {
	tooLarge := Reject("body_too_large", "body is larger than %d bytes", max)
	if !req.IsBase64Encoded {
		if len(req.Body) > max {
			return nil, tooLarge
		}
		return []byte(req.Body), nil
	}
	dec := base64.NewDecoder(base64.StdEncoding, strings.NewReader(req.Body))
	body, err := io.ReadAll(io.LimitReader(dec, int64(max)+1))
	switch {
	case err != nil:
		return nil, Reject("bad_base64", "body is marked isBase64Encoded but is not valid base64")
	case len(body) > max:
		return nil, tooLarge
	}
	return body, nil
}

// Object decodes body, which must be UTF-8 holding one JSON object and
// nothing after it, whose member names are all among names. want says what
// body is expected, for the messages.
//
// It decodes into a map rather than a struct with DisallowUnknownFields
// because encoding/json matches struct fields case-insensitively and would
// take {"NOTE": ...} for {"note": ...}; here names are compared exactly. As
// in encoding/json, the last of duplicate names wins.
func Object(body []byte, want string, names ...string) (map[string]json.RawMessage, *Rejection) {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	switch {
	case len(trimmed) == 0:
		return nil, Reject("body_empty", "body is empty: %s", want)
	case !utf8.Valid(body):
		return nil, Reject("body_not_utf8", "body is not valid UTF-8")
	case trimmed[0] != '{':
		return nil, Reject("body_not_object", "body must be a JSON object: %s", want)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	var members map[string]json.RawMessage
	if err := dec.Decode(&members); err != nil {
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			return nil, Reject("body_bad_json", "body is not valid JSON: syntax error at byte %d", syntax.Offset)
		}
		return nil, Reject("body_bad_json", "body is not valid JSON: it ends before the object does")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, Reject("body_trailing_data", "body has data after the JSON object: %s", want)
	}
	for name := range members {
		if !slices.Contains(names, name) {
			if len(names) == 1 {
				return nil, Reject("body_unknown_field", "body has an unknown field: the only field is %q", names[0])
			}
			return nil, Reject("body_unknown_field", "body has an unknown field: the fields are %q", names)
		}
	}
	return members, nil
}

package notes

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

// rejection is why a request is refused with 400. Its message goes to the
// caller and its reason to the logs; neither holds anything the caller sent,
// so that no note text and no token can reach the logs through them.
type rejection struct {
	reason  string
	message string
}

func reject(reason, format string, args ...any) *rejection {
	return &rejection{reason: reason, message: fmt.Sprintf(format, args...)}
}

const wantBody = `want {"note": "..."}`

// readNote returns the note text of an add-note request, trimmed and
// checked, or the rejection that says what is wrong with it.
func readNote(req events.APIGatewayProxyRequest) (string, *rejection) {
	body, rej := readBody(req)
	if rej != nil {
		return "", rej
	}
	text, rej := decodeNote(body)
	if rej != nil {
		return "", rej
	}
	return checkNote(text)
}

// readBody returns the body's bytes, decoding base64 where API Gateway
// encoded it. The decoder is bounded, so an oversized body costs no more
// than MaxBodyBytes of memory.
func readBody(req events.APIGatewayProxyRequest) ([]byte, *rejection) {
	tooLarge := reject("body_too_large", "body is larger than %d bytes", MaxBodyBytes)
	if !req.IsBase64Encoded {
		if len(req.Body) > MaxBodyBytes {
			return nil, tooLarge
		}
		return []byte(req.Body), nil
	}
	dec := base64.NewDecoder(base64.StdEncoding, strings.NewReader(req.Body))
	body, err := io.ReadAll(io.LimitReader(dec, MaxBodyBytes+1))
	switch {
	case err != nil:
		return nil, reject("bad_base64", "body is marked isBase64Encoded but is not valid base64")
	case len(body) > MaxBodyBytes:
		return nil, tooLarge
	}
	return body, nil
}

// decodeNote returns the string under "note" of a JSON object that has no
// other member and nothing after it.
//
// It decodes into a map rather than a struct with DisallowUnknownFields
// because encoding/json matches struct fields case-insensitively and would
// take {"NOTE": ...} for a note; here the one name accepted is "note",
// exactly. As in encoding/json, the last of duplicate names wins.
func decodeNote(body []byte) (string, *rejection) {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	switch {
	case len(trimmed) == 0:
		return "", reject("body_empty", "body is empty: %s", wantBody)
	case !utf8.Valid(body):
		return "", reject("body_not_utf8", "body is not valid UTF-8")
	case trimmed[0] != '{':
		return "", reject("body_not_object", "body must be a JSON object: %s", wantBody)
	}

	dec := json.NewDecoder(bytes.NewReader(body))
	var members map[string]json.RawMessage
	if err := dec.Decode(&members); err != nil {
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			return "", reject("body_bad_json", "body is not valid JSON: syntax error at byte %d", syntax.Offset)
		}
		return "", reject("body_bad_json", "body is not valid JSON: it ends before the object does")
	}
	if _, err := dec.Token(); err != io.EOF {
		return "", reject("body_trailing_data", "body has data after the JSON object: %s", wantBody)
	}
	for name := range members {
		if name != "note" {
			return "", reject("body_unknown_field", `body has an unknown field: the only field is "note"`)
		}
	}

	raw, ok := members["note"]
	if !ok {
		return "", reject("note_missing", "note is required: %s", wantBody)
	}
	if kind := jsonKind(raw); kind != "a string" {
		return "", reject("note_not_string", "note must be a JSON string, not %s", kind)
	}
	var text string
	if err := json.Unmarshal(raw, &text); err != nil {
		// Unreachable: the decoder above already checked raw.
		return "", reject("note_not_string", "note must be a JSON string")
	}
	return text, nil
}

// jsonKind names the type of a valid JSON value by its first byte.
func jsonKind(raw json.RawMessage) string {
	switch raw[0] {
	case '"':
		return "a string"
	case 'n':
		return "null"
	case 't', 'f':
		return "a boolean"
	case '{':
		return "an object"
	case '[':
		return "an array"
	default:
		return "a number"
	}
}

// checkNote trims the note and checks its length and characters. Line breaks
// written as CRLF become LF, so that a note typed on Windows is accepted;
// every other control character (C0, DEL, C1), a lone CR included, is
// refused, since a note is text for people and a control character in it is
// a mistake or an attack on whatever displays it; so is a format character
// other than the zero-width joiner.
func checkNote(text string) (string, *rejection) {
	text = strings.TrimSpace(strings.ReplaceAll(text, "\r\n", "\n"))
	if text == "" {
		return "", reject("note_empty", "note is empty")
	}
	if n := utf8.RuneCountInString(text); n > MaxNoteChars {
		return "", reject("note_too_long", "note is longer than %d characters", MaxNoteChars)
	}
	for _, r := range text {
		if unicode.IsControl(r) && r != '\n' && r != '\t' {
			return "", reject("note_control_char", "note contains a control character: only newline and tab are allowed")
		}
		// Format characters (bidi overrides, zero-width spaces, BOM) make
		// text display other than it reads; the zero-width joiner builds
		// emoji and stays.
		if unicode.Is(unicode.Cf, r) && r != '\u200d' {
			return "", reject("note_format_char", "note contains an invisible formatting character (such as a bidi override)")
		}
	}
	return text, nil
}

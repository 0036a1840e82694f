package notes

import (
	"encoding/json"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/gatehouse-dev/cognito-authorizer/internal/apibody"
)

// rejection is why a request is refused with 400.
type rejection = apibody.Rejection

var reject = apibody.Reject

const wantBody = `want {"note": "..."}`

// readNote returns the note text of an add-note request, trimmed and
// checked, or the rejection that says what is wrong with it.
func readNote(req events.APIGatewayProxyRequest) (string, *rejection) {
	body, rej := apibody.Read(req, MaxBodyBytes)
	if rej != nil {
		return "", rej
	}
	text, rej := decodeNote(body)
	if rej != nil {
		return "", rej
	}
	return checkNote(text)
}

// decodeNote returns the string under "note" of a JSON object that has no
// other member and nothing after it.
func decodeNote(body []byte) (string, *rejection) {
	members, rej := apibody.Object(body, wantBody, "note")
	if rej != nil {
		return "", rej
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
		// Unreachable: Object's decoder already checked raw.
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

package settings

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// jsonArray splits data, one JSON array of at most MaxIssuers elements and
// nothing after it, into its elements.
func jsonArray(data []byte) ([]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err == io.EOF {
		return nil, errors.New("empty: want a JSON array of issuers")
	}
	if err != nil {
		return nil, fmt.Errorf("not JSON: %v", err)
	}
	if tok != json.Delim('[') {
		return nil, fmt.Errorf("a JSON %s, want an array of issuers", tokenKind(tok))
	}
	var raws []json.RawMessage
	for dec.More() {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, fmt.Errorf("entry %d: not JSON: %v", len(raws), err)
		}
		if raws = append(raws, raw); len(raws) > MaxIssuers {
			return nil, fmt.Errorf("more than %d entries", MaxIssuers)
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("not JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the JSON array")
	}
	return raws, nil
}

// tokenKind names the JSON type of a token's value.
func tokenKind(tok json.Token) string {
	switch tok.(type) {
	case json.Delim:
		if tok == json.Delim('{') {
			return "object"
		}
		return "array"
	case string:
		return "string"
	case bool:
		return "boolean"
	case nil:
		return "null"
	}
	return "number"
}

// jsonKind names the JSON type of a valid value.
func jsonKind(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case 'n':
		return "null"
	case '"':
		return "string"
	case '[':
		return "array"
	case '{':
		return "object"
	case 't', 'f':
		return "boolean"
	}
	return "number"
}

// member is one key and value of a JSON object.
type member struct {
	key   string
	value json.RawMessage
}

// object splits a JSON object into its members, in order; a key twice is
// an error (encoding/json would keep the last).
func object(raw json.RawMessage) ([]member, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	var ms []member
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := tok.(string)
		if seen[key] {
			return nil, fmt.Errorf("key %.64q twice in one object", key)
		}
		seen[key] = true
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		ms = append(ms, member{key, v})
	}
	return ms, nil
}

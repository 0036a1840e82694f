package authorizer_test

import (
	"encoding/json"
	"testing"

	"github.com/gatehouse-dev/cognito-authorizer/internal/decide"
)

// TestTokenWhitespace: only HTTP's optional whitespace (space, tab) around
// the value is trimmed, and only spaces separate the scheme from the token.
// Every other space or line terminator, before or after the token or after
// the scheme, is malformed: API Gateway's validation expression, a Java
// regular expression whose '$' matches before a final line terminator, lets
// "Bearer <jwt>\r" through to the function.
func TestTokenWhitespace(t *testing.T) {
	f := newFixture(t, nil)
	tok := f.idToken(t)

	refused := []struct{ name, c string }{
		{"CR", "\r"},
		{"LF", "\n"},
		{"CRLF", "\r\n"},
		{"VT", "\v"},
		{"FF", "\f"},
		{"NEL", "\u0085"},
		{"NBSP", "\u00a0"},
		{"line separator", "\u2028"},
		{"paragraph separator", "\u2029"},
		{"ideographic space", "\u3000"},
	}
	type tc struct {
		name  string
		value string
		allow bool
	}
	var tests []tc
	for _, r := range refused {
		tests = append(tests,
			tc{name: r.name + " after the token", value: "Bearer " + tok + r.c},
			tc{name: r.name + " after a bare token", value: tok + r.c},
			tc{name: r.name + " then a space after the token", value: "Bearer " + tok + r.c + " "},
			tc{name: r.name + " before the scheme", value: r.c + "Bearer " + tok},
			tc{name: r.name + " before a bare token", value: r.c + tok},
			tc{name: r.name + " between scheme and token", value: "Bearer" + r.c + tok},
			tc{name: r.name + " after the scheme's space", value: "Bearer " + r.c + tok},
		)
	}
	tests = append(tests,
		tc{name: "spaces and tabs around", value: " \t Bearer " + tok + "\t ", allow: true},
		tc{name: "tab after a bare token", value: tok + "\t", allow: true},
		tc{name: "spaces between scheme and token", value: "Bearer   " + tok, allow: true},
		tc{name: "tab between scheme and token", value: "Bearer\t" + tok},
		tc{name: "space and tab between scheme and token", value: "Bearer \t" + tok},
	)

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, ev := range []struct {
				kind  string
				event json.RawMessage
			}{
				{"TOKEN", tokenEvent(tt.value)},
				{"REQUEST", requestEvent(map[string]string{"Authorization": tt.value}, nil)},
			} {
				t.Run(ev.kind, func(t *testing.T) {
					resp, err := invoke(f, ev.event)
					if tt.allow {
						wantAllow(t, resp, err, stageARN)
						return
					}
					// Spelled wrong, before the scheme or after it.
					wantUnauthorized(t, f, err, string(decide.ReasonNotJWT), string(decide.ReasonBadScheme))
				})
			}
		})
	}
}

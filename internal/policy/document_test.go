package policy

import (
	"encoding/json"
	"testing"
)

func TestDocumentJSON(t *testing.T) {
	a, err := ParseMethodARN(testARN)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		doc  Document
		want string
	}{
		{
			name: "allow stage",
			doc:  ScopedDocument(Allow, a, ScopeStage),
			want: `{"Version":"2012-10-17","Statement":[{"Action":["execute-api:Invoke"],"Effect":"Allow",` +
				`"Resource":["arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/*/*"]}]}`,
		},
		{
			name: "deny method",
			doc:  ScopedDocument(Deny, a, ScopeMethod),
			want: `{"Version":"2012-10-17","Statement":[{"Action":["execute-api:Invoke"],"Effect":"Deny",` +
				`"Resource":["` + testARN + `"]}]}`,
		},
		{
			name: "several resources",
			doc:  NewDocument(Allow, "r1", "r2"),
			want: `{"Version":"2012-10-17","Statement":[{"Action":["execute-api:Invoke"],"Effect":"Allow",` +
				`"Resource":["r1","r2"]}]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.doc)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Errorf("json.Marshal() = %s, want %s", b, tt.want)
			}
		})
	}
}

func TestParseScope(t *testing.T) {
	for _, s := range []Scope{ScopeStage, ScopeMethod} {
		got, err := ParseScope(s.String())
		if err != nil || got != s {
			t.Errorf("ParseScope(%q) = %v, %v, want %v", s.String(), got, err, s)
		}
	}
	if _, err := ParseScope("Stage"); err == nil {
		t.Errorf("ParseScope(%q) = nil error, want one", "Stage")
	}
}

package settings_test

import (
	"strings"
	"testing"

	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
)

func TestLoadNotes(t *testing.T) {
	tests := []struct {
		name      string
		env       map[string]string
		wantTable string
		wantErr   string // a part of the error; empty: no error
	}{
		{name: "table name", env: map[string]string{"NOTES_TABLE": "notes-prod"}, wantTable: "notes-prod"},
		{name: "spaces trimmed", env: map[string]string{"NOTES_TABLE": " Notes_v2.prod \n"}, wantTable: "Notes_v2.prod"},
		{
			name:      "table ARN",
			env:       map[string]string{"NOTES_TABLE": "arn:aws:dynamodb:eu-west-1:123456789012:table/notes"},
			wantTable: "arn:aws:dynamodb:eu-west-1:123456789012:table/notes",
		},
		{
			name:      "China partition ARN",
			env:       map[string]string{"NOTES_TABLE": "arn:aws-cn:dynamodb:cn-north-1:123456789012:table/notes"},
			wantTable: "arn:aws-cn:dynamodb:cn-north-1:123456789012:table/notes",
		},
		{name: "missing", env: map[string]string{}, wantErr: "NOTES_TABLE: required"},
		{name: "blank", env: map[string]string{"NOTES_TABLE": "  "}, wantErr: "NOTES_TABLE: required"},
		{name: "too short", env: map[string]string{"NOTES_TABLE": "ab"}, wantErr: "NOTES_TABLE: \"ab\" is not a DynamoDB table name"},
		{name: "too long", env: map[string]string{"NOTES_TABLE": strings.Repeat("n", 256)}, wantErr: "NOTES_TABLE:"},
		{name: "bad character", env: map[string]string{"NOTES_TABLE": "notes/prod"}, wantErr: "NOTES_TABLE:"},
		{name: "index ARN", env: map[string]string{"NOTES_TABLE": "arn:aws:dynamodb:eu-west-1:123456789012:table/notes/index/byDate"}, wantErr: "NOTES_TABLE:"},
		{name: "other service's ARN", env: map[string]string{"NOTES_TABLE": "arn:aws:s3:::notes"}, wantErr: "NOTES_TABLE:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := settings.LoadNotes(env(tt.env))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("LoadConfig(%v) = %+v, %v, want an error containing %q", tt.env, cfg, err, tt.wantErr)
				}
				return
			}
			if err != nil || cfg.Table != tt.wantTable {
				t.Errorf("LoadConfig(%v) = %+v, %v, want table %q", tt.env, cfg, err, tt.wantTable)
			}
		})
	}
}

func TestNotesSettings(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range settings.NotesSettings {
		if seen[s.Name] {
			t.Errorf("Settings lists %s twice", s.Name)
		}
		seen[s.Name] = true
		if s.Doc == "" {
			t.Errorf("Settings: %s has no Doc", s.Name)
		}
		if s.Required && s.Default != "" {
			t.Errorf("Settings: %s is required and has a default %q", s.Name, s.Default)
		}
	}
	for _, name := range []string{settings.EnvNotesTable, settings.EnvLogLevel, settings.EnvEndpointDynamoDB} {
		if !seen[name] {
			t.Errorf("Settings does not list %s", name)
		}
	}
	if !settings.NotesSettings[0].Required || settings.NotesSettings[0].Name != "NOTES_TABLE" {
		t.Errorf("Settings[0] = %+v, want NOTES_TABLE, required", settings.NotesSettings[0])
	}
}

package main

import (
	"testing"

	"github.com/gatehouse-dev/cognito-authorizer/internal/notes"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
)

// TestSettingsMatchTheTable: the notes table's key, as the deploy templates
// create it (settings) and as the store reads it (notes).
func TestSettingsMatchTheTable(t *testing.T) {
	if settings.NotesPartitionKey != notes.AttrUserID || settings.NotesSortKey != notes.AttrNoteID {
		t.Errorf("settings' key %s/%s, the store's %s/%s", settings.NotesPartitionKey, settings.NotesSortKey, notes.AttrUserID, notes.AttrNoteID)
	}
}

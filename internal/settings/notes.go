package settings

import (
	"log/slog"
	"strings"
)

// Environment variables of the note functions.
const (
	EnvNotesTable = "NOTES_TABLE"
	// EnvEndpointDynamoDB is read by the AWS SDK, not by LoadNotes: it
	// points the DynamoDB client at a local DynamoDB or moto_server.
	EnvEndpointDynamoDB = "AWS_ENDPOINT_URL_DYNAMODB"
)

// The key of the notes table: the owner's sub (partition key) and the note's
// id (sort key), both strings. The deploy templates create the table with
// these names and the functions read and write them.
const (
	NotesPartitionKey = "userId"
	NotesSortKey      = "noteId"
)

// NotesSettings lists every variable the note functions read, in the order
// docs/sample-endpoints.md documents them. Beyond these, the AWS SDK reads its standard
// variables (AWS_REGION, which Lambda sets, the credentials Lambda provides,
// AWS_ENDPOINT_URL for every service ...) from the process environment.
var NotesSettings = []Setting{
	{
		Name:     EnvNotesTable,
		Required: true,
		Doc:      "Name or ARN of the DynamoDB table the notes are stored in. Its key is `" + NotesPartitionKey + "` (partition key, string) and `" + NotesSortKey + "` (sort key, string).",
	},
	logLevelSetting,
	{
		Name:    EnvEndpointDynamoDB,
		Default: "the regional endpoint",
		Doc:     "Read by the AWS SDK: the DynamoDB endpoint, e.g. `http://127.0.0.1:8000` for a local DynamoDB (`AWS_ENDPOINT_URL` sets it for every service). Leave it unset in AWS.",
	},
}

// Notes is the note functions' validated configuration.
type Notes struct {
	// Table is the name or ARN of the notes table.
	Table    string
	LogLevel slog.Level
}

// IsTableName reports whether s is a DynamoDB table name or table ARN.
func IsTableName(s string) bool {
	return isTableNameChars(s) || isTableARN(s)
}

// LoadNotes reads and validates the note functions' configuration, reporting
// each problem with the variable's name and what it expects.
func LoadNotes(getenv func(string) string) (Notes, error) {
	var p problems
	cfg := Notes{Table: strings.TrimSpace(getenv(EnvNotesTable))}
	switch {
	case cfg.Table == "":
		p.add(EnvNotesTable, "required: the name or ARN of the DynamoDB table of the notes")
	case !IsTableName(cfg.Table):
		p.add(EnvNotesTable, "%q is not a DynamoDB table name (3 to 255 letters, digits, _ . or -) or table ARN", cfg.Table)
	}
	level, err := ParseLogLevel(getenv(EnvLogLevel))
	if err != nil {
		p = append(p, err)
	}
	cfg.LogLevel = level
	if err := p.err(); err != nil {
		return Notes{}, err
	}
	return cfg, nil
}

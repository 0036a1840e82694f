package notes

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/gatehouse-dev/cognito-authorizer/internal/lambdainit"
)

// Environment variables of the add-note function. Deploy templates use these
// names through Settings; nothing else spells them.
const (
	EnvTable    = "NOTES_TABLE"
	EnvLogLevel = lambdainit.EnvLogLevel
	// EnvEndpointDynamoDB is read by the AWS SDK, not by LoadConfig: it
	// points the DynamoDB client at a local DynamoDB or moto_server.
	EnvEndpointDynamoDB = "AWS_ENDPOINT_URL_DYNAMODB"
)

// Settings lists every variable the function reads, in the order the README
// documents them. Beyond these, the AWS SDK reads its standard variables
// (AWS_REGION, which Lambda sets, the credentials Lambda provides,
// AWS_ENDPOINT_URL for every service ...) from the process environment.
var Settings = []lambdainit.Setting{
	{
		Name:     EnvTable,
		Required: true,
		Doc:      "Name or ARN of the DynamoDB table the notes are stored in. Its key is `" + AttrUserID + "` (partition key, string) and `" + AttrNoteID + "` (sort key, string).",
	},
	{
		Name:    EnvLogLevel,
		Default: "info",
		Doc:     "`debug`, `info`, `warn` or `error`.",
	},
	{
		Name:    EnvEndpointDynamoDB,
		Default: "the regional endpoint",
		Doc:     "Read by the AWS SDK: the DynamoDB endpoint, e.g. `http://127.0.0.1:8000` for a local DynamoDB (`AWS_ENDPOINT_URL` sets it for every service). Leave it unset in AWS.",
	},
}

// Config is the add-note function's validated configuration.
type Config struct {
	// Table is the name or ARN of the notes table.
	Table string
}

var (
	tableNamePattern = regexp.MustCompile(`^[A-Za-z0-9_.-]{3,255}$`)
	tableARNPattern  = regexp.MustCompile(`^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:[0-9]{12}:table/[A-Za-z0-9_.-]{3,255}$`)
)

// LoadConfig reads and validates the configuration, reporting each problem
// with the variable's name and what it expects.
func LoadConfig(getenv func(string) string) (Config, error) {
	var errs []error
	cfg := Config{Table: strings.TrimSpace(getenv(EnvTable))}
	switch {
	case cfg.Table == "":
		errs = append(errs, fmt.Errorf("%s: required: the name or ARN of the DynamoDB table of the notes", EnvTable))
	case !tableNamePattern.MatchString(cfg.Table) && !tableARNPattern.MatchString(cfg.Table):
		errs = append(errs, fmt.Errorf("%s: %q is not a DynamoDB table name (3 to 255 letters, digits, _ . or -) or table ARN", EnvTable, cfg.Table))
	}
	if err := errors.Join(errs...); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

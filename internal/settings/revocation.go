package settings

import (
	"strings"
	"time"
)

// Environment variables of the revocation check (issue 12). The authorizer
// reads both; the sign-out function reads EnvRevocationTable.
const (
	EnvRevocationTable    = "REVOCATION_TABLE"
	EnvRevocationCacheTTL = "REVOCATION_CACHE_TTL"
)

// DefaultRevocationCacheTTL is how long the authorizer trusts what it read
// from the revocation table when REVOCATION_CACHE_TTL is unset.
const DefaultRevocationCacheTTL = 10 * time.Second

// The revocation table's key and TTL attribute. The deploy templates create
// the table with the partition key RevocationPartitionKey (string, no sort
// key) and turn on TTL on RevocationTTLAttribute.
const (
	RevocationPartitionKey = "id"
	RevocationTTLAttribute = "expiresAt"
)

var (
	revocationTableSetting = Setting{
		Name:    EnvRevocationTable,
		Default: "unset: no revocation check",
		Doc: "Name or ARN of the DynamoDB table of revoked sessions and users (partition key `" + RevocationPartitionKey +
			"`, string; TTL on `" + RevocationTTLAttribute + "`). Unset: tokens are not checked against it and no DynamoDB client is made.",
	}
	revocationCacheTTLSetting = duration{EnvRevocationCacheTTL, DefaultRevocationCacheTTL, 0, time.Minute}
)

// RevocationSettings lists the variables of the authorizer's revocation
// check, in the order docs/configuration.md documents them. They come on top of
// AuthorizerSettings.
var RevocationSettings = []Setting{
	revocationTableSetting,
	{
		Name:    EnvRevocationCacheTTL,
		Default: "10s",
		Doc:     "How long the authorizer reuses what it read from the revocation table (both that a session is revoked and that it is not), a Go duration from 0s to 60s; 0s reads the table for every token. A sign-out takes up to this long to reach a warm authorizer, on top of API Gateway's own decision cache.",
	},
	{
		Name:    EnvEndpointDynamoDB,
		Default: "the regional endpoint",
		Doc:     "Read by the AWS SDK: the DynamoDB endpoint, e.g. `http://127.0.0.1:5000` for moto_server. Leave it unset in AWS.",
	},
}

// Revocation is the validated configuration of the revocation check.
type Revocation struct {
	// Table is the name or ARN of the revocation table; empty means no
	// check.
	Table string
	// CacheTTL is how long a lookup's answer is reused; 0 means never.
	CacheTTL time.Duration
}

// Enabled reports whether tokens are checked against a revocation table.
func (r Revocation) Enabled() bool { return r.Table != "" }

// LoadRevocation reads and validates the revocation check's configuration,
// reporting every problem at once, each starting with the variable's name.
func LoadRevocation(getenv func(string) string) (Revocation, error) {
	var p problems
	cfg := Revocation{Table: loadRevocationTable(&p, getenv, false)}
	cfg.CacheTTL = revocationCacheTTLSetting.load(&p, strings.TrimSpace(getenv(EnvRevocationCacheTTL)))
	if err := p.err(); err != nil {
		return Revocation{}, err
	}
	return cfg, nil
}

// loadRevocationTable reads REVOCATION_TABLE, which may be unset unless
// required.
func loadRevocationTable(p *problems, getenv func(string) string, required bool) string {
	table := strings.TrimSpace(getenv(EnvRevocationTable))
	switch {
	case table == "" && required:
		p.add(EnvRevocationTable, "required: the name or ARN of the DynamoDB table of revoked sessions")
	case table != "" && !IsTableName(table):
		p.add(EnvRevocationTable, "%q is not a DynamoDB table name (3 to 255 letters, digits, _ . or -) or table ARN", table)
	}
	return table
}

package settings_test

import (
	"strings"
	"testing"

	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
)

func TestLoadAuthorizerUsage(t *testing.T) {
	tests := []struct {
		name  string
		claim string
		req   string
		want  settings.Usage
	}{
		{"unset", "", "", settings.Usage{}},
		{"claim", "custom:tenant_key", "", settings.Usage{Claim: "custom:tenant_key"}},
		{"claim trimmed", " custom:tenant_key ", "false", settings.Usage{Claim: "custom:tenant_key"}},
		{"required", "custom:tenant_key", "true", settings.Usage{Claim: "custom:tenant_key", Required: true}},
		{"required trimmed", "tenant", " true\n", settings.Usage{Claim: "tenant", Required: true}},
		{"longest name", strings.Repeat("k", settings.MaxUsageIdentifierClaim), "", settings.Usage{Claim: strings.Repeat("k", settings.MaxUsageIdentifierClaim)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := settings.LoadAuthorizer(env(map[string]string{
				settings.EnvUserPoolID: poolID, settings.EnvClientIDs: clientID,
				settings.EnvUsageIdentifierClaim: tt.claim, settings.EnvUsageIdentifierRequired: tt.req,
			}))
			if err != nil {
				t.Fatalf("LoadAuthorizer() error = %v", err)
			}
			if cfg.Usage != tt.want {
				t.Errorf("Usage = %+v, want %+v", cfg.Usage, tt.want)
			}
		})
	}
}

func TestLoadAuthorizerUsageErrors(t *testing.T) {
	tests := []struct {
		name       string
		claim, req string
		variable   string
	}{
		{"required without claim", "", "true", settings.EnvUsageIdentifierRequired},
		{"not a boolean", "custom:tenant_key", "yes", settings.EnvUsageIdentifierRequired},
		{"not strictly true", "custom:tenant_key", "TRUE", settings.EnvUsageIdentifierRequired},
		{"one is not true", "custom:tenant_key", "1", settings.EnvUsageIdentifierRequired},
		{"claim too long", strings.Repeat("k", settings.MaxUsageIdentifierClaim+1), "", settings.EnvUsageIdentifierClaim},
		{"control character", "custom:tenant\x00key", "", settings.EnvUsageIdentifierClaim},
		{"line break", "custom:tenant\nkey", "", settings.EnvUsageIdentifierClaim},
		{"not UTF-8", "custom:\xff", "", settings.EnvUsageIdentifierClaim},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := settings.LoadAuthorizer(env(map[string]string{
				settings.EnvUserPoolID: poolID, settings.EnvClientIDs: clientID,
				settings.EnvUsageIdentifierClaim: tt.claim, settings.EnvUsageIdentifierRequired: tt.req,
			}))
			if err == nil || !strings.HasPrefix(err.Error(), tt.variable+": ") {
				t.Errorf("LoadAuthorizer(%q, %q) error = %v, want one naming %s", tt.claim, tt.req, err, tt.variable)
			}
		})
	}
}

// TestUsageSettingsDocumented: both variables are listed, optional, and
// say what they do.
func TestUsageSettingsDocumented(t *testing.T) {
	byName := map[string]settings.Setting{}
	for _, s := range settings.AuthorizerSettings {
		byName[s.Name] = s
	}
	for name, mention := range map[string]string{
		settings.EnvUsageIdentifierClaim:    "usageIdentifierKey",
		settings.EnvUsageIdentifierRequired: "no_usage_key",
	} {
		if s, ok := byName[name]; !ok || s.Required || !strings.Contains(s.Doc, mention) {
			t.Errorf("AuthorizerSettings has %+v for %s, want an optional setting whose Doc mentions %s", s, name, mention)
		}
	}
	if got := byName[settings.EnvUsageIdentifierRequired].Default; got != "false" {
		t.Errorf("%s's documented default = %q, want false", settings.EnvUsageIdentifierRequired, got)
	}
}

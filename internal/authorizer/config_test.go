package authorizer_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/cognito-authorizer/internal/authorizer"
	"github.com/gatehouse-dev/cognito-authorizer/internal/cognito"
)

func env(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

func TestLoadConfigDefaults(t *testing.T) {
	cfg, err := authorizer.LoadConfig(env(map[string]string{
		authorizer.EnvUserPoolID: poolID,
		authorizer.EnvClientIDs:  " a1 , b2,a1",
	}))
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"ClientIDs", strings.Join(cfg.ClientIDs, ","), "a1,b2"},
		{"TokenUses", len(cfg.TokenUses), 2},
		{"JWKSURL", cfg.JWKSURL, "https://cognito-idp.eu-west-1.amazonaws.com/" + poolID + "/.well-known/jwks.json"},
		{"TokenHeader", cfg.TokenHeader, "Authorization"},
		{"Leeway", cfg.Leeway, 5 * time.Second},
		{"JWKSTimeout", cfg.JWKSTimeout, 3 * time.Second},
		{"JWKSRefreshInterval", cfg.JWKSRefreshInterval, time.Hour},
		{"PolicyResource", cfg.PolicyResource, authorizer.PolicyStage},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestLoadConfigValues(t *testing.T) {
	cfg, err := authorizer.LoadConfig(env(map[string]string{
		authorizer.EnvUserPoolID:          poolID,
		authorizer.EnvClientIDs:           clientID,
		authorizer.EnvTokenUse:            "access",
		authorizer.EnvJWKSURL:             "http://127.0.0.1:9999/pool/.well-known/jwks.json",
		authorizer.EnvTokenHeader:         "token",
		authorizer.EnvRequiredScopes:      "notes/write, openid",
		authorizer.EnvRequiredGroups:      "admins",
		authorizer.EnvLeeway:              "0s",
		authorizer.EnvJWKSTimeout:         "500ms",
		authorizer.EnvJWKSRefreshInterval: "10m",
		authorizer.EnvPolicyResource:      "METHOD",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.TokenUses) != 1 || cfg.TokenUses[0] != cognito.AccessToken || cfg.TokenHeader != "token" ||
		strings.Join(cfg.RequiredScopes, " ") != "notes/write openid" || cfg.RequiredGroups[0] != "admins" ||
		cfg.Leeway != 0 || cfg.JWKSTimeout != 500*time.Millisecond || cfg.JWKSRefreshInterval != 10*time.Minute ||
		cfg.PolicyResource != authorizer.PolicyMethod {
		t.Errorf("LoadConfig() = %+v", cfg)
	}
}

func TestLoadConfigErrorsNameTheVariable(t *testing.T) {
	base := map[string]string{authorizer.EnvUserPoolID: poolID, authorizer.EnvClientIDs: clientID}
	tests := []struct {
		name, value string
	}{
		{authorizer.EnvUserPoolID, ""},
		{authorizer.EnvUserPoolID, "AbC123xyz"},
		{authorizer.EnvUserPoolID, "eu-west-1_abc/../../evil"},
		{authorizer.EnvClientIDs, ""},
		{authorizer.EnvClientIDs, "a,,b"},
		{authorizer.EnvClientIDs, "client id"},
		{authorizer.EnvTokenUse, "refresh"},
		{authorizer.EnvTokenUse, "id,"},
		{authorizer.EnvJWKSURL, "ftp://example.com/jwks.json"},
		{authorizer.EnvJWKSURL, "http://example.com/jwks.json"},
		{authorizer.EnvJWKSURL, "/relative"},
		{authorizer.EnvJWKSURL, "https://user:pass@example.com/jwks.json"},
		{authorizer.EnvTokenHeader, "Bad Header"},
		{authorizer.EnvLeeway, "5"},
		{authorizer.EnvLeeway, "-1s"},
		{authorizer.EnvLeeway, "1h"},
		{authorizer.EnvJWKSTimeout, "10s"},
		{authorizer.EnvJWKSTimeout, "1ms"},
		{authorizer.EnvJWKSRefreshInterval, "1s"},
		{authorizer.EnvPolicyResource, "everything"},
		{authorizer.EnvRequiredGroups, strings.Repeat("g", 200)},
	}
	for _, tt := range tests {
		t.Run(tt.name+"="+tt.value, func(t *testing.T) {
			vars := map[string]string{}
			for k, v := range base {
				vars[k] = v
			}
			vars[tt.name] = tt.value
			_, err := authorizer.LoadConfig(env(vars))
			if err == nil {
				t.Fatalf("LoadConfig(%s=%q) = nil error", tt.name, tt.value)
			}
			if !strings.HasPrefix(err.Error(), tt.name+": ") {
				t.Errorf("LoadConfig(%s=%q) = %q, want it to start with the variable's name", tt.name, tt.value, err)
			}
		})
	}
}

func TestLoadConfigReportsEveryProblem(t *testing.T) {
	_, err := authorizer.LoadConfig(env(map[string]string{authorizer.EnvLeeway: "soon"}))
	if err == nil {
		t.Fatal("LoadConfig(empty) = nil error")
	}
	for _, name := range []string{authorizer.EnvUserPoolID, authorizer.EnvClientIDs, authorizer.EnvLeeway} {
		if !strings.Contains(err.Error(), name+": ") {
			t.Errorf("error %q does not name %s", err, name)
		}
	}
}

// TestREADMEDocumentsEverySetting keeps the README's configuration table in
// step with Settings.
func TestREADMEDocumentsEverySetting(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{}
	for _, line := range strings.Split(string(readme), "\n") {
		if name, _, ok := strings.Cut(strings.TrimPrefix(line, "| `"), "` |"); ok && strings.HasPrefix(line, "| `") {
			rows[name] = line
		}
	}
	for _, s := range authorizer.Settings {
		row, ok := rows[s.Name]
		if !ok {
			t.Errorf("README.md has no configuration row for %s", s.Name)
			continue
		}
		if s.Default != "" && !strings.Contains(row, s.Default) {
			t.Errorf("README.md's row for %s does not give its default %q: %s", s.Name, s.Default, row)
		}
	}
}

package settings_test

import (
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/cognito-authorizer/internal/policy"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
)

const (
	poolID   = "eu-west-1_AbC123xyz"
	clientID = "client1"
)

// env returns a getenv that reads kv.
func env(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

func TestLoadAuthorizerDefaults(t *testing.T) {
	cfg, err := settings.LoadAuthorizer(env(map[string]string{
		settings.EnvUserPoolID: poolID,
		settings.EnvClientIDs:  " a1 , b2,a1",
	}))
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"ClientIDs", strings.Join(cfg.Issuers[0].Cognito.ClientIDs, ","), "a1,b2"},
		{"TokenUses", len(cfg.Issuers[0].Cognito.TokenUses), 2},
		{"JWKSURL", cfg.Issuers[0].Cognito.JWKSURL, "https://cognito-idp.eu-west-1.amazonaws.com/" + poolID + "/.well-known/jwks.json"},
		{"TokenHeader", cfg.TokenHeader, "Authorization"},
		{"Leeway", cfg.Leeway, 5 * time.Second},
		{"JWKSTimeout", cfg.JWKSTimeout, 3 * time.Second},
		{"JWKSRefreshInterval", cfg.JWKSRefreshInterval, time.Hour},
		{"PolicyResource", cfg.PolicyResource, policy.ScopeStage},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestLoadAuthorizerValues(t *testing.T) {
	cfg, err := settings.LoadAuthorizer(env(map[string]string{
		settings.EnvUserPoolID:          poolID,
		settings.EnvClientIDs:           clientID,
		settings.EnvTokenUse:            "access",
		settings.EnvJWKSURL:             "http://127.0.0.1:9999/pool/.well-known/jwks.json",
		settings.EnvTokenHeader:         "token",
		settings.EnvRequiredScopes:      "notes/write, openid",
		settings.EnvRequiredGroups:      "admins",
		settings.EnvLeeway:              "0s",
		settings.EnvJWKSTimeout:         "500ms",
		settings.EnvJWKSRefreshInterval: "10m",
		settings.EnvPolicyResource:      "METHOD",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Issuers[0].Cognito.TokenUses) != 1 || cfg.Issuers[0].Cognito.TokenUses[0] != settings.TokenUseAccess || cfg.TokenHeader != "token" ||
		strings.Join(cfg.RequiredScopes, " ") != "notes/write openid" || cfg.RequiredGroups[0] != "admins" ||
		cfg.Leeway != 0 || cfg.JWKSTimeout != 500*time.Millisecond || cfg.JWKSRefreshInterval != 10*time.Minute ||
		cfg.PolicyResource != policy.ScopeMethod {
		t.Errorf("LoadConfig() = %+v", cfg)
	}
}

func TestLoadAuthorizerErrorsNameTheVariable(t *testing.T) {
	base := map[string]string{settings.EnvUserPoolID: poolID, settings.EnvClientIDs: clientID}
	tests := []struct {
		name, value string
	}{
		{settings.EnvUserPoolID, ""},
		{settings.EnvUserPoolID, "AbC123xyz"},
		{settings.EnvUserPoolID, "eu-west-1_abc/../../evil"},
		{settings.EnvClientIDs, ""},
		{settings.EnvClientIDs, "a,,b"},
		{settings.EnvClientIDs, "client id"},
		{settings.EnvTokenUse, "refresh"},
		{settings.EnvTokenUse, "id,"},
		{settings.EnvJWKSURL, "ftp://example.com/jwks.json"},
		{settings.EnvJWKSURL, "http://example.com/jwks.json"},
		{settings.EnvJWKSURL, "/relative"},
		{settings.EnvJWKSURL, "https://user:pass@example.com/jwks.json"},
		{settings.EnvTokenHeader, "Bad Header"},
		{settings.EnvLeeway, "5"},
		{settings.EnvLeeway, "-1s"},
		{settings.EnvLeeway, "1h"},
		{settings.EnvJWKSTimeout, "10s"},
		{settings.EnvJWKSTimeout, "1ms"},
		{settings.EnvJWKSRefreshInterval, "1s"},
		{settings.EnvPolicyResource, "everything"},
		{settings.EnvRequiredGroups, strings.Repeat("g", 200)},
	}
	for _, tt := range tests {
		t.Run(tt.name+"="+tt.value, func(t *testing.T) {
			vars := map[string]string{}
			for k, v := range base {
				vars[k] = v
			}
			vars[tt.name] = tt.value
			_, err := settings.LoadAuthorizer(env(vars))
			if err == nil {
				t.Fatalf("LoadConfig(%s=%q) = nil error", tt.name, tt.value)
			}
			if !strings.HasPrefix(err.Error(), tt.name+": ") {
				t.Errorf("LoadConfig(%s=%q) = %q, want it to start with the variable's name", tt.name, tt.value, err)
			}
		})
	}
}

func TestLoadAuthorizerReportsEveryProblem(t *testing.T) {
	_, err := settings.LoadAuthorizer(env(map[string]string{settings.EnvLeeway: "soon"}))
	if err == nil {
		t.Fatal("LoadConfig(empty) = nil error")
	}
	for _, name := range []string{settings.EnvUserPoolID, settings.EnvClientIDs, settings.EnvLeeway} {
		if !strings.Contains(err.Error(), name+": ") {
			t.Errorf("error %q does not name %s", err, name)
		}
	}
}

// TestREADMEDocumentsEverySetting keeps the configuration tables of the
// README and docs/ in step with Settings.
func TestREADMEDocumentsEverySetting(t *testing.T) {
	pages, err := filepath.Glob("../../docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	var readme []byte
	for _, p := range append([]string{"../../README.md"}, pages...) {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		readme = append(readme, b...)
	}
	// A variable several functions read has a row in each one's table.
	rows := map[string][]string{}
	for _, line := range strings.Split(string(readme), "\n") {
		if name, _, ok := strings.Cut(strings.TrimPrefix(line, "| `"), "` |"); ok && strings.HasPrefix(line, "| `") {
			rows[name] = append(rows[name], line)
		}
	}
	var all []settings.Setting
	for _, list := range [][]settings.Setting{settings.AuthorizerSettings, settings.RevocationSettings, settings.NotesSettings, settings.SignOutSettings} {
		all = append(all, list...)
	}
	for _, s := range all {
		found, ok := rows[s.Name]
		if !ok {
			t.Errorf("README.md and docs/ have no configuration row for %s", s.Name)
			continue
		}
		if s.Default != "" && !slices.ContainsFunc(found, func(row string) bool { return strings.Contains(row, s.Default) }) {
			t.Errorf("the rows for %s do not give its default %q: %s", s.Name, s.Default, found)
		}
	}
}

func TestParseLogLevel(t *testing.T) {
	tests := []struct {
		value string
		want  slog.Level
	}{
		{"", slog.LevelInfo}, {"info", slog.LevelInfo}, {"DEBUG", slog.LevelDebug}, {"trace", slog.LevelDebug},
		{"warn", slog.LevelWarn}, {"WARNING", slog.LevelWarn}, {"error", slog.LevelError}, {"FATAL", slog.LevelError},
	}
	for _, tt := range tests {
		if got, err := settings.ParseLogLevel(tt.value); err != nil || got != tt.want {
			t.Errorf("ParseLogLevel(%q) = %v, %v, want %v", tt.value, got, err, tt.want)
		}
	}
	if _, err := settings.ParseLogLevel("verbose"); err == nil || !strings.HasPrefix(err.Error(), settings.EnvLogLevel+": ") {
		t.Errorf("ParseLogLevel(verbose) error = %v, want one naming %s", err, settings.EnvLogLevel)
	}
}

// TestDocumentedDefaults keeps each documented default equal to the typed
// default the loader uses.
func TestDocumentedDefaults(t *testing.T) {
	cfg, err := settings.LoadAuthorizer(env(map[string]string{settings.EnvUserPoolID: poolID, settings.EnvClientIDs: clientID}))
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]string{}
	var all []settings.Setting
	for _, list := range [][]settings.Setting{settings.AuthorizerSettings, settings.RevocationSettings, settings.NotesSettings, settings.SignOutSettings} {
		all = append(all, list...)
	}
	for _, s := range all {
		documented[s.Name] = s.Default
	}
	durations := map[string]time.Duration{
		settings.EnvLeeway:              cfg.Leeway,
		settings.EnvJWKSTimeout:         cfg.JWKSTimeout,
		settings.EnvJWKSRefreshInterval: cfg.JWKSRefreshInterval,
	}
	for name, got := range durations {
		d, err := time.ParseDuration(documented[name])
		if err != nil || d != got {
			t.Errorf("%s: documented default %q, loaded %v", name, documented[name], got)
		}
	}
	if documented[settings.EnvTokenHeader] != cfg.TokenHeader {
		t.Errorf("%s: documented default %q, loaded %q", settings.EnvTokenHeader, documented[settings.EnvTokenHeader], cfg.TokenHeader)
	}
	if documented[settings.EnvPolicyResource] != cfg.PolicyResource.String() {
		t.Errorf("%s: documented default %q, loaded %q", settings.EnvPolicyResource, documented[settings.EnvPolicyResource], cfg.PolicyResource)
	}
	if got := strings.Join(cfg.Issuers[0].Cognito.TokenUses, ","); documented[settings.EnvTokenUse] != got {
		t.Errorf("%s: documented default %q, loaded %q", settings.EnvTokenUse, documented[settings.EnvTokenUse], got)
	}
}

func TestUserPoolRegion(t *testing.T) {
	tests := []struct {
		id, region string
	}{
		{"eu-west-1_AbC123xyz", "eu-west-1"},
		{"us-gov-west-1_abcdefghi", "us-gov-west-1"},
		{"ap-southeast-2_0123456789abcdef0123456789abcdef", "ap-southeast-2"}, // moto's longer ids
		{"AbC123xyz", ""},
		{"eu-west-1_", ""},
		{"eu-west-1_abc/../x", ""},
		{"EU-WEST-1_abc", ""},
		{"eu-west-1_abc def", ""},
		{"_abc", ""},
	}
	for _, tt := range tests {
		region, err := settings.UserPoolRegion(tt.id)
		if tt.region == "" {
			if err == nil {
				t.Errorf("UserPoolRegion(%q) = %q, want an error", tt.id, region)
			}
			continue
		}
		if err != nil || region != tt.region {
			t.Errorf("UserPoolRegion(%q) = %q, %v, want %q", tt.id, region, err, tt.region)
		}
	}
}

func TestLoadAuthorizerRouteRules(t *testing.T) {
	dir := t.TempDir()
	good := `[{"route": "POST /add-note", "groups": ["writers"]}, {"route": "GET /notes"}]`
	file := filepath.Join(dir, "rules.json")
	if err := os.WriteFile(file, []byte(good), 0o600); err != nil {
		t.Fatal(err)
	}
	base := map[string]string{settings.EnvUserPoolID: poolID, settings.EnvClientIDs: clientID}
	tests := []struct {
		name      string
		env       map[string]string
		wantRules int
		wantErr   string // the error's start; empty: none
		wantIn    string // and a part of it
	}{
		{name: "none", env: map[string]string{}},
		{name: "inline", env: map[string]string{settings.EnvRouteRules: good}, wantRules: 2},
		{name: "file", env: map[string]string{settings.EnvRouteRulesFile: file}, wantRules: 2},
		{name: "both", env: map[string]string{settings.EnvRouteRules: good, settings.EnvRouteRulesFile: file}, wantErr: settings.EnvRouteRules + ": "},
		{name: "missing file", env: map[string]string{settings.EnvRouteRulesFile: filepath.Join(dir, "nope.json")}, wantErr: settings.EnvRouteRulesFile + ": "},
		{name: "bad method", env: map[string]string{settings.EnvRouteRules: `[{"route": "GET /a"}, {"route": "FETCH /b"}]`}, wantErr: settings.EnvRouteRules + ": ", wantIn: "rules[1]: bad method"},
		{name: "unknown field", env: map[string]string{settings.EnvRouteRules: `[{"route": "GET /a", "group": ["x"]}]`}, wantErr: settings.EnvRouteRules + ": ", wantIn: "rules[0]: unknown field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vars := maps.Clone(base)
			maps.Copy(vars, tt.env)
			cfg, err := settings.LoadAuthorizer(env(vars))
			if tt.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), tt.wantIn) {
					t.Fatalf("LoadAuthorizer(%v) error = %v, want one starting %q holding %q", tt.env, err, tt.wantErr, tt.wantIn)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := 0
			if cfg.Rules != nil {
				got = cfg.Rules.Len()
			}
			if got != tt.wantRules {
				t.Errorf("LoadAuthorizer(%v) rules = %d, want %d", tt.env, got, tt.wantRules)
			}
		})
	}
}

func TestLoadAuthorizerFunctionTimeout(t *testing.T) {
	base := map[string]string{settings.EnvUserPoolID: poolID, settings.EnvClientIDs: clientID}
	tests := []struct {
		jwksTimeout, functionTimeout string
		wantErr                      string // the error's start; empty: none
	}{
		{"", "", ""},
		{"", "5s", ""},
		{"3s", "3150ms", ""},
		{"3s", "3s", settings.EnvJWKSTimeout + ": "},
		{"9s", "5s", settings.EnvJWKSTimeout + ": "},
		{"", "soon", settings.EnvFunctionTimeout + ": "},
		{"", "16m", settings.EnvFunctionTimeout + ": "},
	}
	for _, tt := range tests {
		vars := maps.Clone(base)
		vars[settings.EnvJWKSTimeout], vars[settings.EnvFunctionTimeout] = tt.jwksTimeout, tt.functionTimeout
		_, err := settings.LoadAuthorizer(env(vars))
		if tt.wantErr == "" {
			if err != nil {
				t.Errorf("LoadAuthorizer(%s=%q, %s=%q) = %v", settings.EnvJWKSTimeout, tt.jwksTimeout, settings.EnvFunctionTimeout, tt.functionTimeout, err)
			}
			continue
		}
		if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
			t.Errorf("LoadAuthorizer(%s=%q, %s=%q) error = %v, want one starting %q", settings.EnvJWKSTimeout, tt.jwksTimeout, settings.EnvFunctionTimeout, tt.functionTimeout, err, tt.wantErr)
		}
		if tt.wantErr == settings.EnvJWKSTimeout+": " && !strings.Contains(err.Error(), settings.EnvFunctionTimeout) {
			t.Errorf("error %q does not name %s too", err, settings.EnvFunctionTimeout)
		}
	}
}

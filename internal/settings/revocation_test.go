package settings_test

import (
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
)

func TestLoadRevocation(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    settings.Revocation
		wantErr []string // parts of the error; none: no error
	}{
		{name: "unset: disabled", env: map[string]string{}, want: settings.Revocation{CacheTTL: 10 * time.Second}},
		{name: "table", env: map[string]string{"REVOCATION_TABLE": " revocations "}, want: settings.Revocation{Table: "revocations", CacheTTL: 10 * time.Second}},
		{name: "no cache", env: map[string]string{"REVOCATION_TABLE": "revocations", "REVOCATION_CACHE_TTL": "0s"}, want: settings.Revocation{Table: "revocations"}},
		{name: "a minute", env: map[string]string{"REVOCATION_TABLE": "revocations", "REVOCATION_CACHE_TTL": "1m"}, want: settings.Revocation{Table: "revocations", CacheTTL: time.Minute}},
		{name: "too long", env: map[string]string{"REVOCATION_CACHE_TTL": "61s"}, wantErr: []string{"REVOCATION_CACHE_TTL: \"61s\""}},
		{name: "negative", env: map[string]string{"REVOCATION_CACHE_TTL": "-1s"}, wantErr: []string{"REVOCATION_CACHE_TTL:"}},
		{name: "no unit", env: map[string]string{"REVOCATION_CACHE_TTL": "10"}, wantErr: []string{"REVOCATION_CACHE_TTL:"}},
		{
			name:    "both wrong",
			env:     map[string]string{"REVOCATION_TABLE": "a/b", "REVOCATION_CACHE_TTL": "soon"},
			wantErr: []string{"REVOCATION_TABLE: \"a/b\"", "REVOCATION_CACHE_TTL:"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := settings.LoadRevocation(env(tt.env))
			if len(tt.wantErr) > 0 {
				for _, part := range tt.wantErr {
					if err == nil || !strings.Contains(err.Error(), part) {
						t.Errorf("LoadRevocation(%v) = %+v, %v, want an error containing %q", tt.env, got, err, part)
					}
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("LoadRevocation(%v) = %+v, %v, want %+v", tt.env, got, err, tt.want)
			}
			if got.Enabled() != (tt.want.Table != "") {
				t.Errorf("Enabled() = %v with table %q", got.Enabled(), got.Table)
			}
		})
	}
}

func TestLoadSignOut(t *testing.T) {
	ok := map[string]string{"REVOCATION_TABLE": "revocations", "COGNITO_USER_POOL_ID": "eu-west-1_AbC123xyz"}
	got, err := settings.LoadSignOut(env(ok))
	want := settings.SignOut{Table: "revocations", UserPoolID: "eu-west-1_AbC123xyz", Region: "eu-west-1", TokenMaxValidity: 24 * time.Hour, RefreshMaxValidity: settings.DefaultRefreshMaxValidity, LogLevel: settings.DefaultLogLevel}
	if err != nil || got != want {
		t.Errorf("LoadSignOut(%v) = %+v, %v, want %+v", ok, got, err, want)
	}

	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range ok {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	got, err = settings.LoadSignOut(env(with("TOKEN_MAX_VALIDITY", "1h", "FLUSH_AUTHORIZER_CACHE_ON_SIGN_OUT", "true")))
	if err != nil || got.TokenMaxValidity != time.Hour || !got.FlushAuthorizerCache {
		t.Errorf("LoadSignOut(1h, flush) = %+v, %v", got, err)
	}

	tests := []struct {
		name    string
		env     map[string]string
		wantErr []string
	}{
		{name: "nothing", env: map[string]string{}, wantErr: []string{"REVOCATION_TABLE: required", "COGNITO_USER_POOL_ID: required"}},
		{name: "bad pool", env: with("COGNITO_USER_POOL_ID", "pool"), wantErr: []string{"COGNITO_USER_POOL_ID: \"pool\""}},
		{name: "validity too long", env: with("TOKEN_MAX_VALIDITY", "25h"), wantErr: []string{"TOKEN_MAX_VALIDITY:"}},
		{name: "flush not a boolean", env: with("FLUSH_AUTHORIZER_CACHE_ON_SIGN_OUT", "sometimes"), wantErr: []string{"FLUSH_AUTHORIZER_CACHE_ON_SIGN_OUT:"}},
		{name: "log level", env: with("LOG_LEVEL", "loud"), wantErr: []string{"LOG_LEVEL:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := settings.LoadSignOut(env(tt.env))
			for _, part := range tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), part) {
					t.Errorf("LoadSignOut(%v) = %+v, %v, want an error containing %q", tt.env, got, err, part)
				}
			}
		})
	}
}

func TestRevocationSettingLists(t *testing.T) {
	for name, list := range map[string][]settings.Setting{"RevocationSettings": settings.RevocationSettings, "SignOutSettings": settings.SignOutSettings} {
		seen := map[string]bool{}
		for _, s := range list {
			if seen[s.Name] || s.Doc == "" || (s.Required && s.Default != "") {
				t.Errorf("%s: %+v is listed twice, has no Doc, or is required with a default", name, s)
			}
			seen[s.Name] = true
		}
	}
}

package settings_test

import (
	"strings"
	"testing"

	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
)

// lookup is os.LookupEnv over vars.
func lookup(vars map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}
}

func TestMetricsNamespace(t *testing.T) {
	pool := map[string]string{settings.EnvUserPoolID: poolID, settings.EnvClientIDs: clientID}
	with := func(v string) map[string]string {
		vars := map[string]string{settings.EnvMetricsNamespace: v}
		for k, v := range pool {
			vars[k] = v
		}
		return vars
	}
	tests := []struct {
		name string
		vars map[string]string
		want string
	}{
		{"unset", pool, settings.DefaultMetricsNamespace},
		{"empty: no metrics", with(""), ""},
		{"set", with("Acme/Auth"), "Acme/Auth"},
		{"trimmed", with(" Acme/Auth \n"), "Acme/Auth"},
		{"every allowed character", with("az AZ 09 ._-/#:"), "az AZ 09 ._-/#:"},
		{"longest", with(strings.Repeat("n", settings.MaxMetricsNamespace)), strings.Repeat("n", settings.MaxMetricsNamespace)},
		{"aws/ in lower case is not reserved", with("aws/mine"), "aws/mine"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := settings.LookupAuthorizer(lookup(tt.vars))
			if err != nil {
				t.Fatalf("LookupAuthorizer() error = %v", err)
			}
			if cfg.MetricsNamespace != tt.want {
				t.Errorf("LookupAuthorizer().MetricsNamespace = %q, want %q", cfg.MetricsNamespace, tt.want)
			}
		})
	}

	// Blanks are refused, naming the variable: the empty string is the
	// way to turn the metrics off.
	if _, err := settings.LookupAuthorizer(lookup(with("  "))); err == nil || !strings.HasPrefix(err.Error(), settings.EnvMetricsNamespace+": ") {
		t.Errorf("LookupAuthorizer(METRICS_NAMESPACE=\"  \") = %v, want an error naming %s", err, settings.EnvMetricsNamespace)
	}

	// getenv cannot say "set to empty": LoadAuthorizer reads it as unset.
	cfg, err := settings.LoadAuthorizer(env(with("")))
	if err != nil || cfg.MetricsNamespace != settings.DefaultMetricsNamespace {
		t.Errorf("LoadAuthorizer(METRICS_NAMESPACE=\"\") = %q, %v, want %q", cfg.MetricsNamespace, err, settings.DefaultMetricsNamespace)
	}
}

func TestMetricsNamespaceErrors(t *testing.T) {
	for name, v := range map[string]string{
		"reserved":           "AWS/Lambda",
		"too long":           strings.Repeat("n", settings.MaxMetricsNamespace+1),
		"not allowed: comma": "a,b",
		"not allowed: utf-8": "Autorisé",
		"control character":  "a\tb",
	} {
		t.Run(name, func(t *testing.T) {
			vars := map[string]string{settings.EnvUserPoolID: poolID, settings.EnvClientIDs: clientID, settings.EnvMetricsNamespace: v}
			for _, load := range []func() (settings.Authorizer, error){
				func() (settings.Authorizer, error) { return settings.LoadAuthorizer(env(vars)) },
				func() (settings.Authorizer, error) { return settings.LookupAuthorizer(lookup(vars)) },
			} {
				_, err := load()
				if err == nil || !strings.HasPrefix(err.Error(), settings.EnvMetricsNamespace+": ") {
					t.Errorf("loading METRICS_NAMESPACE=%q: error = %v, want one naming %s", v, err, settings.EnvMetricsNamespace)
				}
			}
		})
	}
	// Other problems are reported with it, all at once.
	_, err := settings.LookupAuthorizer(lookup(map[string]string{settings.EnvMetricsNamespace: "AWS/X"}))
	if err == nil || !strings.Contains(err.Error(), settings.EnvMetricsNamespace+": ") || !strings.Contains(err.Error(), settings.EnvUserPoolID+": ") {
		t.Errorf("LookupAuthorizer() error = %v, want both %s and %s named", err, settings.EnvMetricsNamespace, settings.EnvUserPoolID)
	}
}

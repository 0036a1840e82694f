package settings_test

import (
	"strings"
	"testing"

	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
)

// TestHTTPAPIResponse: HTTP_API_RESPONSE is simple by default, simple or
// iam in any case, and anything else is an error naming the variable.
func TestHTTPAPIResponse(t *testing.T) {
	for value, want := range map[string]string{
		"":         settings.HTTPAPISimple,
		"simple":   settings.HTTPAPISimple,
		" SIMPLE ": settings.HTTPAPISimple,
		"iam":      settings.HTTPAPIIAM,
		"IAM":      settings.HTTPAPIIAM,
	} {
		cfg, err := settings.LoadAuthorizer(env(map[string]string{
			settings.EnvUserPoolID: poolID, settings.EnvClientIDs: clientID, settings.EnvHTTPAPIResponse: value,
		}))
		if err != nil || cfg.HTTPAPIResponse != want {
			t.Errorf("%s=%q: %q, %v, want %q", settings.EnvHTTPAPIResponse, value, cfg.HTTPAPIResponse, err, want)
		}
	}
	for _, value := range []string{"policy", "simple,iam", "true", "IAM policy"} {
		_, err := settings.LoadAuthorizer(env(map[string]string{
			settings.EnvUserPoolID: poolID, settings.EnvClientIDs: clientID, settings.EnvHTTPAPIResponse: value,
		}))
		if err == nil || !strings.Contains(err.Error(), settings.EnvHTTPAPIResponse+": ") || !strings.Contains(err.Error(), "want simple or iam") {
			t.Errorf("%s=%q: error %v, want one naming the variable and its values", settings.EnvHTTPAPIResponse, value, err)
		}
	}
}

// TestHTTPAPIResponseDocumented: the setting is listed, optional, with its
// default and a Doc naming both values.
func TestHTTPAPIResponseDocumented(t *testing.T) {
	for _, s := range settings.AuthorizerSettings {
		if s.Name != settings.EnvHTTPAPIResponse {
			continue
		}
		if s.Required || s.Default != settings.HTTPAPISimple || !strings.Contains(s.Doc, "`simple`") || !strings.Contains(s.Doc, "`iam`") {
			t.Errorf("AuthorizerSettings has %+v, want an optional setting, default %s, documenting both values", s, settings.HTTPAPISimple)
		}
		return
	}
	t.Errorf("AuthorizerSettings does not list %s", settings.EnvHTTPAPIResponse)
}

package main

import (
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/shellaws"
)

func TestShellAWS(t *testing.T) {
	t.Run("the shell's credentials and region", func(t *testing.T) {
		t.Setenv("HOME", t.TempDir())
		t.Setenv("AWS_ACCESS_KEY_ID", "AKIDSHELL")
		t.Setenv("AWS_SECRET_ACCESS_KEY", "shell-secret")
		t.Setenv("AWS_SESSION_TOKEN", "shell-session")
		t.Setenv("AWS_REGION", "ap-southeast-2")
		t.Setenv("AWS_PROFILE", "")
		shell, err := shellaws.Env(t.Context(), os.Getenv)
		if err != nil {
			t.Fatal(err)
		}
		env, err := readEnv("", "AuthorizerFunction", shell)
		if err != nil {
			t.Fatal(err)
		}
		for k, want := range map[string]string{"AWS_ACCESS_KEY_ID": "AKIDSHELL", "AWS_SECRET_ACCESS_KEY": "shell-secret",
			"AWS_SESSION_TOKEN": "shell-session", "AWS_REGION": "ap-southeast-2"} {
			if env[k] != want {
				t.Errorf("%s = %q, want %q (the shell's)", k, env[k], want)
			}
		}
	})
	t.Run("none: dummy credentials", func(t *testing.T) {
		t.Setenv("HOME", t.TempDir())
		for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_WEB_IDENTITY_TOKEN_FILE"} {
			t.Setenv(k, "")
		}
		shell, err := shellaws.Env(t.Context(), os.Getenv)
		if err != nil || shell != nil {
			t.Fatalf("shellAWS = %v, %v; want nothing, looked up nowhere", shell, err)
		}
		env, err := readEnv("", "AuthorizerFunction", shell)
		if err != nil {
			t.Fatal(err)
		}
		if env["AWS_ACCESS_KEY_ID"] != dummyCredentials["AWS_ACCESS_KEY_ID"] || env["AWS_REGION"] != region {
			t.Errorf("env = %v, want the dummy credentials and %s", env, region)
		}
	})
}

func TestCheckLocalJWKS(t *testing.T) {
	served := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"keys":[]}`))
	}))
	defer served.Close()
	if err := checkLocalJWKS(t.Context(), served.URL+"/pool/.well-known/jwks.json"); err != nil {
		t.Errorf("a served key set: %v, want nil", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String() + "/pool/.well-known/jwks.json"
	ln.Close()
	err = checkLocalJWKS(t.Context(), closed)
	if err == nil || !strings.Contains(err.Error(), "make devtoken") || !strings.Contains(err.Error(), closed) {
		t.Errorf("nothing serving %s: %v, want an error naming it and make devtoken", closed, err)
	}
	for _, u := range []string{"", "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_x/.well-known/jwks.json", "http://example.com/jwks.json"} {
		if err := checkLocalJWKS(t.Context(), u); err != nil {
			t.Errorf("checkLocalJWKS(%q) = %v, want nil: not this machine's", u, err)
		}
	}
}

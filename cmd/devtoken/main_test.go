package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/authorizertest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/lambdatest"
)

// TestTokensVerifyWhileServing runs devtoken as a user would and checks that
// the authorizer's own verifier, configured only with the printed settings,
// accepts the printed tokens, and that the files for sam local invoke carry
// them.
func TestTokensVerifyWhileServing(t *testing.T) {
	out := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	var stdout lambdatest.Output
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-events", "../../events", "-out", out, "-groups", "notes,staff"}, &stdout)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(stdout.String(), "Serving the JWKS") {
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("devtoken did not start serving:\n%s", stdout.String())
		}
		time.Sleep(10 * time.Millisecond)
	}

	vars := map[string]string{}
	for _, line := range strings.Split(stdout.String(), "\n") {
		if k, v, ok := strings.Cut(strings.TrimPrefix(line, "export "), "="); ok && strings.HasPrefix(line, "export ") {
			vars[k] = v
		}
	}
	v := authorizertest.NewVerifier(t, func(k string) string { return vars[k] })
	for _, name := range []string{"ID_TOKEN", "ACCESS_TOKEN"} {
		claims, err := v.Verify(context.Background(), vars[name])
		if err != nil {
			t.Errorf("Verify(%s) = %v", name, err)
			continue
		}
		if got := strings.Join(claims.Groups(), ","); got != "notes,staff" {
			t.Errorf("%s groups = %q, want notes,staff", name, got)
		}
	}

	ev, err := os.ReadFile(filepath.Join(out, "token.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(ev), "Bearer "+vars["ID_TOKEN"]) {
		t.Errorf("token.json does not carry the ID token: %s", ev)
	}
	var env map[string]map[string]string
	b, err := os.ReadFile(filepath.Join(out, "env.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &env); err != nil {
		t.Fatal(err)
	}
	if got := env["AuthorizerFunction"][settings.EnvJWKSURL]; !strings.HasPrefix(got, "http://host.docker.internal:") {
		t.Errorf("env.json JWKS URL = %q, want host.docker.internal", got)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run() = %v after interrupt", err)
		}
	case <-time.After(5 * time.Second):
		t.Error("run() did not return after interrupt")
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{{"-pool", "nopool"}, {"-addr", "127.0.0.1:99999"}, {"-nosuchflag"}} {
		var out bytes.Buffer
		if err := run(context.Background(), append(args, "-serve=false", "-out", ""), &out); err == nil {
			t.Errorf("run(%q) = nil error", args)
		}
	}
}

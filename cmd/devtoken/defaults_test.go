package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/cognito-authorizer/internal/decide"
	"github.com/gatehouse-dev/cognito-authorizer/internal/policy"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/authorizertest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/lambdatest"
)

// TestDefaultsPassTheSampleRules runs devtoken with its defaults and decides
// the token.json it wrote with the settings of the env.json it wrote (the
// sample's route rules): the default user may add a note, as make invoke
// shows; with -groups "" the same request is denied by the rule.
func TestDefaultsPassTheSampleRules(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want decide.Outcome
	}{
		{nil, decide.Allow},
		{[]string{"-groups", ""}, decide.Deny},
	} {
		out := t.TempDir()
		ctx, cancel := context.WithCancel(t.Context())
		var stdout lambdatest.Output
		done := make(chan error, 1)
		go func() {
			done <- run(ctx, append([]string{"-addr", "127.0.0.1:0", "-events", "../../events", "-out", out}, tt.args...), &stdout)
		}()
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(stdout.String(), "Serving the JWKS") {
			if time.Now().After(deadline) {
				cancel()
				t.Fatalf("devtoken %v did not start serving:\n%s", tt.args, stdout.String())
			}
			time.Sleep(10 * time.Millisecond)
		}
		var env map[string]map[string]string
		b, err := os.ReadFile(filepath.Join(out, "env.json"))
		if err == nil {
			err = json.Unmarshal(b, &env)
		}
		if err != nil {
			t.Fatal(err)
		}
		vars := env["AuthorizerFunction"]
		d := authorizertest.NewDecider(t, func(k string) string {
			return strings.Replace(vars[k], "host.docker.internal", "127.0.0.1", 1)
		})
		var ev struct{ AuthorizationToken, MethodArn string }
		if b, err = os.ReadFile(filepath.Join(out, "token.json")); err == nil {
			err = json.Unmarshal(b, &ev)
		}
		if err != nil {
			t.Fatal(err)
		}
		arn, err := policy.ParseMethodARN(ev.MethodArn)
		if err != nil {
			t.Fatal(err)
		}
		got := d.Decide(t.Context(), decide.Request{Token: ev.AuthorizationToken, ARN: arn})
		if got.Outcome != tt.want {
			t.Errorf("devtoken %v: %s %s decided %v (%s), want %v", tt.args, arn.Method, arn.Path, got.Outcome, got.Reason, tt.want)
		}
		cancel()
		if err := <-done; err != nil {
			t.Errorf("devtoken %v: %v", tt.args, err)
		}
	}
}

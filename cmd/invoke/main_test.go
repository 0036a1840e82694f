package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/cognitotest"
)

// TestInvoke runs the real authorizer on a sample event with settings in
// SAM's env-vars format, as make invoke does after make devtoken.
func TestInvoke(t *testing.T) {
	const poolID, clientID = "eu-west-1_InvokeTest1", "invoketestclient"
	pool, jwksURL := cognitotest.Start(t, poolID, clientID)
	tok, err := pool.IDToken(cognitotest.User{Sub: "invoke-sub", Username: "alice"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	env, _ := json.Marshal(map[string]map[string]string{"AuthorizerFunction": {
		settings.EnvUserPoolID: poolID, settings.EnvClientIDs: clientID,
		settings.EnvJWKSURL: strings.Replace(jwksURL, "http://127.0.0.1:", "http://host.docker.internal:", 1),
	}})
	write := func(name, body string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	var stdout, stderr bytes.Buffer
	err = run(t.Context(), []string{
		"-event", filepath.Join("..", "..", "events", "token.json"),
		"-env", write("env.json", string(env)),
		"-token", write("id-token", tok+"\n"),
	}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("run() = %v\n%s", err, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{`"principalId": "invoke-sub"`, `"Effect": "Allow"`, `"decision":"allow"`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %s:\n%s", want, out)
		}
	}
	if err := run(t.Context(), []string{"-function", "Nope"}, &stdout, &stderr); err == nil {
		t.Error("run(-function Nope) = nil error")
	}
}

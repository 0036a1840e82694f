package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// TestDemo runs make demo's whole job: it passes only if every case got the
// answer and the reason it should.
func TestDemo(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var out bytes.Buffer
	ok, err := run(ctx, &out, "../../events", true)
	if err != nil {
		t.Fatalf("run() = %v\n%s", err, out.String())
	}
	if !ok {
		t.Fatalf("run() = false: a case got the wrong answer\n%s", out.String())
	}
	for _, want := range []string{"Deny 403", "Unauthorized 401", "not_owner", "claim_mismatch", "missing_scope", "no_rule", "-> 201 ", "-> 200 ", "-> 403 ", "OIDC, ES256", "unknown_key", "wrong_issuer", "machine client", "isAuthorized", "alice, bob's notes", "Why was bob refused POST /add-note?", "Deny: 403 Forbidden, reason missing_group (rule POST /add-note)", "Every case got the answer it should"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "<--") {
		t.Errorf("output marks a wrong answer:\n%s", out.String())
	}
}

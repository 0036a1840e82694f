// Package testenv lets tests that need a tool beyond Go (moto_server, node,
// cfn-lint ...) skip with one line saying what to install, except under
// CI=true, where a missing tool fails the test so that CI always runs
// everything.
package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// InCI reports whether the tests run under CI (CI=true).
func InCI() bool { return os.Getenv("CI") == "true" }

// LookPath returns the path of the executable name. When it is missing the
// test is skipped with how to install it, or failed under CI=true.
func LookPath(t testing.TB, name, install string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	Missing(t, name+" not found: "+install)
	return ""
}

// Missing skips the test with msg, or fails it under CI=true.
func Missing(t testing.TB, msg string) {
	t.Helper()
	if InCI() {
		t.Fatalf("CI=true and %s", msg)
	}
	t.Skip(msg)
}

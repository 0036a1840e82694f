package settings_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestStandardLibraryOnly keeps the package linkable by the CDK app in
// infra/ without the functions' dependencies.
func TestStandardLibraryOnly(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if pkg != "github.com/gatehouse-dev/cognito-authorizer/internal/settings" {
			t.Errorf("settings imports %s; it may import only the standard library", pkg)
		}
	}
}

package settings_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestStandardLibraryOnly keeps the package linkable by the CDK app in
// infra/ without the functions' dependencies: it and the route rules'
// parser import the standard library only.
func TestStandardLibraryOnly(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		switch pkg {
		case "github.com/gatehouse-dev/cognito-authorizer/internal/settings",
			"github.com/gatehouse-dev/cognito-authorizer/internal/policy":
		default:
			t.Errorf("settings imports %s; it may import only the standard library", pkg)
		}
	}
}

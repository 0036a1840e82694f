package settings_test

import (
	"os/exec"
	"slices"
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

// TestOnlyWiringImportsSettings keeps the environment out of the domain
// packages: they take their own values, and only the mains, the wiring
// (cmd/authorizer/wire) and the test kit read settings.
func TestOnlyWiringImportsSettings(t *testing.T) {
	const module = "github.com/gatehouse-dev/cognito-authorizer/"
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "../../...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg := strings.TrimPrefix(fields[0], module)
		if !slices.Contains(fields[1:], module+"internal/settings") {
			continue
		}
		if !strings.HasPrefix(pkg, "cmd/") && !strings.HasPrefix(pkg, "internal/testkit/") {
			t.Errorf("%s imports internal/settings: pass it its own values from cmd/", pkg)
		}
	}
}

package main

import (
	"errors"
	"os/exec"
	"testing"

	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/testenv"
)

// cdkIgnoredChecks are the cfn-lint checks the synthesized template may
// fail. W3005: the CDK makes each function depend on its role as well as
// on the role's policy (so that the function is not created before it may
// write its logs); the role is already a GetAtt, which cfn-lint flags as
// redundant.
var cdkIgnoredChecks = []string{"W3005"}

// cfnLint runs cfn-lint on a template. Errors and warnings fail the test;
// informational findings (exit status 8) are only logged. cfn-lint runs
// SAM's translator on a template with the Serverless transform, so this
// also checks that template.yaml translates.
func cfnLint(t *testing.T, template string, ignore ...string) {
	t.Helper()
	bin := testenv.LookPath(t, "cfn-lint", "pip install cfn-lint")
	args := []string{}
	for _, check := range ignore {
		args = append(args, "--ignore-checks", check)
	}
	args = append(args, "--", template)
	out, err := exec.Command(bin, args...).CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit) && exit.ExitCode() == 8:
		t.Logf("cfn-lint %s: informational findings:\n%s", template, out)
	default:
		t.Errorf("cfn-lint %s: %v\n%s", template, err, out)
	}
}

func TestSAMTemplateCfnLint(t *testing.T) {
	cfnLint(t, samTemplatePath)
}

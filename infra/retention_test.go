package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/testenv"
)

// cloudWatchRetentions is the list CloudWatch Logs' PutRetentionPolicy
// documents for retentionInDays.
var cloudWatchRetentions = []float64{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

// TestLogRetentionDaysIsCloudWatchsList checks that logRetentionDays
// accepts exactly the retentions CloudWatch Logs offers.
func TestLogRetentionDaysIsCloudWatchsList(t *testing.T) {
	testenv.LookPath(t, "node", "install Node.js 20+ (https://nodejs.org)")
	var got []float64
	for days := range retentionByDays() {
		got = append(got, days)
	}
	slices.Sort(got)
	if diff := cmp.Diff(cloudWatchRetentions, got); diff != "" {
		t.Errorf("retentionByDays() (-CloudWatch +CDK):\n%s", diff)
	}
	for days, want := range map[string]bool{"2192": true, "3288": true, "3653": true, "31": false, "9999": false} {
		_, err := propsFromContext(func(key string) any {
			if key == ctxLogRetentionDays {
				return days
			}
			return nil
		})
		if (err == nil) != want {
			t.Errorf("logRetentionDays=%s: error %v, want accepted %v", days, err, want)
		}
	}
}

// TestRetentionMembersAreTheCDKEnum keeps retentionMembers equal to the
// members of awslogs.RetentionDays, read from the bindings' source, but
// INFINITE, which is no CloudWatch retention (no policy at all).
func TestRetentionMembersAreTheCDKEnum(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{.Dir}}", "github.com/aws/aws-cdk-go/awscdk/v2/awslogs").Output()
	if err != nil {
		t.Fatalf("go list awslogs: %v", err)
	}
	file := filepath.Join(strings.TrimSpace(string(out)), "RetentionDays.go")
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	ast.Inspect(f, func(n ast.Node) bool {
		if v, ok := n.(*ast.ValueSpec); ok {
			if id, ok := v.Type.(*ast.Ident); ok && id.Name == "RetentionDays" {
				for _, name := range v.Names {
					if name.Name != "RetentionDays_INFINITE" {
						want = append(want, strings.TrimPrefix(name.Name, "RetentionDays_"))
					}
				}
			}
		}
		return true
	})
	var got []string
	for _, m := range retentionMembers {
		got = append(got, string(m))
	}
	slices.Sort(want)
	slices.Sort(got)
	if len(want) == 0 {
		t.Fatalf("%s: no RetentionDays constants found", file)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("retentionMembers (-%s +ours):\n%s", file, diff)
	}
}

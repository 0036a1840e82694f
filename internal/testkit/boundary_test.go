// Package testkit_test checks the boundary between the test kit and what
// ships: the packages below internal/testkit are for tests and local runs
// only, so no Lambda binary may link them, no product package may import
// them, and only they may import "testing" outside test files.
package testkit_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/testenv"
)

const (
	module  = "github.com/gatehouse-dev/cognito-authorizer"
	testkit = module + "/internal/testkit"
	// lambdaStart is what makes a main package a Lambda function.
	lambdaStart = "github.com/aws/aws-lambda-go/lambda"
)

// deployed are the binaries the deploy templates ship; each must be found
// as a Lambda function below.
var deployed = []string{module + "/cmd/authorizer", module + "/cmd/add-note", module + "/cmd/list-notes", module + "/cmd/sign-out"}

// localTools are the commands that run on a developer's machine only and
// may use the test kit.
var localTools = []string{"cmd/bench-cold", "cmd/demo", "cmd/devtoken", "cmd/explain", "cmd/invoke", "cmd/start-api"}

// moduleRoot returns the directory of this module's go.mod.
func moduleRoot(tb testing.TB) string {
	tb.Helper()
	dir, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		tb.Fatalf("no go.mod at %s: %v", dir, err)
	}
	return dir
}

// TestLambdaBinariesDoNotLinkTheTestKit lists the dependencies of every
// main package under cmd/ as the Makefile builds it for Lambda, and fails if
// a Lambda function (a main package that imports aws-lambda-go/lambda)
// depends on anything in the test kit.
func TestLambdaBinariesDoNotLinkTheTestKit(t *testing.T) {
	goBin := testenv.LookPath(t, "go", "install Go (https://go.dev/dl/)")
	cmd := exec.CommandContext(t.Context(), goBin, "list", "-tags", "lambda.norpc",
		"-f", `{{if eq .Name "main"}}{{.ImportPath}} {{join .Deps " "}}{{end}}`, "./cmd/...")
	cmd.Dir = moduleRoot(t)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm64")
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("go list: %v\n%s", err, stderr)
	}

	var functions []string
	for line := range strings.Lines(string(out)) {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		pkg, deps := fields[0], fields[1:]
		if !slices.Contains(deps, lambdaStart) {
			continue
		}
		functions = append(functions, pkg)
		for _, dep := range deps {
			if dep == testkit || strings.HasPrefix(dep, testkit+"/") {
				t.Errorf("Lambda function %s depends on %s: the test kit must not ship", pkg, dep)
			}
		}
	}
	for _, pkg := range deployed {
		if !slices.Contains(functions, pkg) {
			t.Errorf("go list found the Lambda functions %v, want %s among them", functions, pkg)
		}
	}
}

// TestOnlyTheTestKitImportsTesting parses every non-test Go file of the
// repository, infra's module included, and fails where one outside the test
// kit imports "testing", or where one outside the test kit and the local
// tools imports the test kit.
func TestOnlyTheTestKitImportsTesting(t *testing.T) {
	root := moduleRoot(t)
	fset := token.NewFileSet()
	var checked int
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			name := d.Name()
			if rel == "internal/testkit" || (rel != "." && (strings.HasPrefix(name, ".") || name == "node_modules" || name == "cdk.out")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(rel, ".go") || strings.HasSuffix(rel, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		checked++
		for _, imp := range f.Imports {
			p, err := strconv.Unquote(imp.Path.Value)
			if err != nil {
				return err
			}
			switch {
			case p == "testing" || strings.HasPrefix(p, "testing/"):
				t.Errorf("%s imports %q: only the test kit and test files may", rel, p)
			case (p == testkit || strings.HasPrefix(p, testkit+"/")) && !isLocalTool(rel):
				t.Errorf("%s imports %s: only tests and the local tools %v may use the test kit", rel, p, localTools)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked == 0 {
		t.Fatalf("no Go files found under %s", root)
	}
}

func isLocalTool(rel string) bool {
	for _, dir := range localTools {
		if strings.HasPrefix(rel, dir+"/") {
			return true
		}
	}
	return false
}

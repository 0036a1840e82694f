package lambdatest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

// Build compiles the main package pkg (an import path or a directory, as go
// build takes it) into dir/bootstrap for this machine, the way the Makefile
// builds it for Lambda: CGO_ENABLED=0, -tags lambda.norpc, -trimpath. It
// returns the binary's path. It needs the go command.
func Build(ctx context.Context, pkg, dir string) (string, error) {
	out := filepath.Join(dir, "bootstrap")
	cmd := exec.CommandContext(ctx, "go", "build", "-tags", "lambda.norpc", "-trimpath", "-o", out, pkg)
	// For this machine, whatever GOOS and GOARCH the shell exports.
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+runtime.GOOS, "GOARCH="+runtime.GOARCH)
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %w\n%s", pkg, err, b)
	}
	return out, nil
}

package coldbench

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// AWSJWTVerifyVersion is the aws-jwt-verify release the Node anchor runs,
// pinned: the latest the npm registry served when the anchor was written.
const AWSJWTVerifyVersion = "5.2.1"

// anchorJS is the Node anchor's program: a Runtime API loop and a handler
// that verifies with aws-jwt-verify.
//
//go:embed anchor.js
var anchorJS []byte

// npmTimeout bounds the install; npm without a network fails well before.
const npmTimeout = 3 * time.Minute

// setupNode installs aws-jwt-verify with npm into a directory of dir
// (unless it is there already) and writes the anchor's bootstrap beside
// it: anchor.js run by this machine's node through a #! line, so that the
// process started is node itself, as in Lambda's Node runtime, with no
// shell in between. It returns the bootstrap and what ran it (Node's
// version and aws-jwt-verify's).
func setupNode(ctx context.Context, dir string, p *progress) (bootstrap, version string, err error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return "", "", fmt.Errorf("node not found: install Node.js (https://nodejs.org) for the anchor")
	}
	out, err := exec.CommandContext(ctx, node, "--version").Output()
	if err != nil {
		return "", "", fmt.Errorf("node --version: %w", err)
	}
	version = "Node " + strings.TrimSpace(string(out)) + " with aws-jwt-verify " + AWSJWTVerifyVersion

	dir, err = filepath.Abs(filepath.Join(dir, "aws-jwt-verify-"+AWSJWTVerifyVersion))
	if err != nil {
		return "", "", err
	}
	if installed(dir) != AWSJWTVerifyVersion {
		npm, err := exec.LookPath("npm")
		if err != nil {
			return "", "", fmt.Errorf("npm not found: install npm to fetch aws-jwt-verify for the anchor")
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return "", "", err
		}
		// Its own package.json, so that npm installs here and not into a
		// project above.
		if err := os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"private": true}`+"\n"), 0o644); err != nil {
			return "", "", err
		}
		p.say("installing aws-jwt-verify@%s with npm into %s", AWSJWTVerifyVersion, dir)
		ictx, cancel := context.WithTimeout(ctx, npmTimeout)
		defer cancel()
		cmd := exec.CommandContext(ictx, npm, "install", "--prefix", dir, "--save-exact", "--no-audit", "--no-fund",
			"--ignore-scripts", "aws-jwt-verify@"+AWSJWTVerifyVersion)
		stop := p.while("installing aws-jwt-verify with npm")
		b, err := cmd.CombinedOutput()
		stop()
		if err != nil {
			p.say("npm install said:\n%s", bytes.TrimSpace(b))
			return "", "", fmt.Errorf("npm install aws-jwt-verify@%s failed (%w; its output is in the progress above)", AWSJWTVerifyVersion, err)
		}
		if v := installed(dir); v != AWSJWTVerifyVersion {
			return "", "", fmt.Errorf("npm installed aws-jwt-verify %q, want %s", v, AWSJWTVerifyVersion)
		}
	}
	bootstrap = filepath.Join(dir, "bootstrap")
	script := append([]byte("#!"+node+"\n"), anchorJS...)
	if err := os.WriteFile(bootstrap, script, 0o755); err != nil {
		return "", "", err
	}
	if err := os.Chmod(bootstrap, 0o755); err != nil { // WriteFile keeps an existing file's mode
		return "", "", err
	}
	return bootstrap, version, nil
}

// installed returns the version of aws-jwt-verify in dir's node_modules,
// or "".
func installed(dir string) string {
	b, err := os.ReadFile(filepath.Join(dir, "node_modules", "aws-jwt-verify", "package.json"))
	if err != nil {
		return ""
	}
	var pkg struct {
		Version string `json:"version"`
	}
	if json.Unmarshal(b, &pkg) != nil {
		return ""
	}
	return pkg.Version
}

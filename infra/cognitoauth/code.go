package cognitoauth

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
)

// codeWithIssuers returns the directory of the function's code when the
// issuers are shipped in a file: a copy of codeDir, in the cloud assembly
// beside the assets (so that it lives as long as they do, and codeDir,
// make build's output, stays as built), with issuers written to
// IssuersFileName beside bootstrap. The directory is named by the
// construct's address and the issuers' hash: the CDK reuses, within one
// process, what it staged from one path, so that other issuers need
// another path. A synthesis removes what an earlier one wrote for the
// construct.
func codeWithIssuers(scope constructs.Construct, codeDir string, issuers []byte) (string, error) {
	stage := awscdk.Stage_Of(scope)
	if stage == nil || stage.Outdir() == nil {
		return "", fmt.Errorf("%s: not in a CDK app, so there is no cloud assembly to write it in", IssuersFileName)
	}
	prefix := filepath.Join(*stage.Outdir(), "cognitoauth-"+*scope.Node().Addr())
	old, err := filepath.Glob(prefix + "-*")
	if err != nil {
		return "", err
	}
	for _, dir := range old {
		if err := os.RemoveAll(dir); err != nil {
			return "", err
		}
	}
	sum := sha256.Sum256(issuers)
	dir := prefix + "-" + hex.EncodeToString(sum[:8])
	if err := copyDir(codeDir, dir); err != nil {
		return "", fmt.Errorf("copying CodeDir: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, IssuersFileName), issuers, 0o644); err != nil {
		return "", err
	}
	return dir, nil
}

// copyDir copies the tree src to dst: directories, regular files with
// their modes (bootstrap stays executable) and symbolic links as links,
// as the CDK stages an asset.
func copyDir(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return os.MkdirAll(target, info.Mode().Perm()|0o700)
		case d.Type()&fs.ModeSymlink != 0:
			link, err := os.Readlink(path)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		case d.Type().IsRegular():
			return copyFile(path, target, info.Mode().Perm())
		default:
			return fmt.Errorf("%s: not a regular file, a directory or a link", path)
		}
	})
}

func copyFile(src, dst string, perm fs.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

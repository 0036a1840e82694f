package main

import (
	"archive/zip"
	"bytes"
	"os"
	"os/exec"
	"testing"

	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/testenv"
)

// TestZipReproducible runs make zip twice, the binary rebuilt in between,
// and checks that both give the same bytes: bootstrap alone, at the root,
// executable.
func TestZipReproducible(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the authorizer twice")
	}
	makeBin := testenv.LookPath(t, "make", "install make")
	testenv.LookPath(t, "zip", "install zip (apt-get install zip)")
	build := func() []byte {
		t.Helper()
		if err := os.Remove("../bin/authorizer/bootstrap"); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if out, err := exec.Command(makeBin, "-C", "..", "-s", "zip").CombinedOutput(); err != nil {
			t.Fatalf("make zip: %v\n%s", err, out)
		}
		b, err := os.ReadFile("../bin/authorizer.zip")
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	first := build()
	second := build()
	if !bytes.Equal(first, second) {
		t.Errorf("make zip twice: %d and %d bytes that differ, want the same bytes", len(first), len(second))
	}
	r, err := zip.NewReader(bytes.NewReader(second), int64(len(second)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range r.File {
		names = append(names, f.Name)
		if f.Name == "bootstrap" && f.Mode().Perm() != 0o755 {
			t.Errorf("bootstrap mode = %v, want 0755", f.Mode())
		}
	}
	if len(names) != 1 || names[0] != "bootstrap" {
		t.Errorf("bin/authorizer.zip holds %v, want [bootstrap]", names)
	}
}

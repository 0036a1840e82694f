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

// TestZipRules runs make zip RULES=<file> and checks that the rules ship as
// rules.json beside bootstrap, byte for byte, and that a zip made after it
// without RULES holds bootstrap alone again.
func TestZipRules(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the authorizer")
	}
	makeBin := testenv.LookPath(t, "make", "install make")
	testenv.LookPath(t, "zip", "install zip (apt-get install zip)")
	rules := []byte(`[{"route": "ANY /{proxy+}", "groups": ["api-users"]}]` + "\n")
	path := t.TempDir() + "/my-rules.json"
	if err := os.WriteFile(path, rules, 0o600); err != nil {
		t.Fatal(err)
	}
	entries := func(args ...string) map[string][]byte {
		t.Helper()
		if out, err := exec.Command(makeBin, append([]string{"-C", "..", "-s", "zip"}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("make zip %v: %v\n%s", args, err, out)
		}
		r, err := zip.OpenReader("../bin/authorizer.zip")
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		got := map[string][]byte{}
		for _, f := range r.File {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			b := new(bytes.Buffer)
			if _, err := b.ReadFrom(rc); err != nil {
				t.Fatal(err)
			}
			rc.Close()
			got[f.Name] = b.Bytes()
		}
		return got
	}
	got := entries("RULES=" + path)
	if len(got) != 2 || got["bootstrap"] == nil || !bytes.Equal(got["rules.json"], rules) {
		names := make([]string, 0, len(got))
		for n := range got {
			names = append(names, n)
		}
		t.Errorf("make zip RULES=...: the zip holds %v (rules.json %q), want bootstrap and rules.json = the file", names, got["rules.json"])
	}
	// bin/authorizer/ is the CDK's asset: make zip leaves it alone.
	if _, err := os.Stat("../bin/authorizer/rules.json"); err == nil {
		t.Error("make zip RULES=... wrote bin/authorizer/rules.json, the CDK's asset")
	}
	if got := entries(); len(got) != 1 || got["bootstrap"] == nil {
		t.Errorf("make zip after make zip RULES=...: the zip holds %d entries, want bootstrap alone", len(got))
	}
	if out, err := exec.Command(makeBin, "-C", "..", "-s", "zip", "RULES="+path+".missing").CombinedOutput(); err == nil || !bytes.Contains(out, []byte("no such file")) {
		t.Errorf("make zip RULES=<missing file>: %v, %s; want a failure naming the file", err, out)
	}
}

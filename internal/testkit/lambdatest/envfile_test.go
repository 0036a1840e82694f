package lambdatest

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestReadEnvFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, body string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	env := write("env.json", `{
		"AuthorizerFunction": {"COGNITO_JWKS_URL": "http://host.docker.internal:8089/p/.well-known/jwks.json", "LOG_LEVEL": "debug"},
		"AddNoteFunction": {"NOTES_TABLE": "notes"}}`)
	got, err := ReadEnvFile(env, "AuthorizerFunction")
	if err != nil {
		t.Fatalf("ReadEnvFile(AuthorizerFunction) = %v", err)
	}
	want := map[string]string{"COGNITO_JWKS_URL": "http://127.0.0.1:8089/p/.well-known/jwks.json", "LOG_LEVEL": "debug"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ReadEnvFile(AuthorizerFunction) mismatch (-want +got):\n%s", diff)
	}

	for _, tt := range []struct {
		name, file, function, want string
	}{
		{"no section", env, "SignOutFunction", "has no SignOutFunction section"},
		{"not SAM's", write("list.json", `["x"]`), "AuthorizerFunction", "not SAM's env-vars format"},
		{"not JSON", write("junk.json", `{`), "AuthorizerFunction", "not SAM's env-vars format"},
	} {
		if _, err := ReadEnvFile(tt.file, tt.function); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ReadEnvFile(%s) = %v, want an error saying %q", tt.name, err, tt.want)
		}
	}
	if _, err := ReadEnvFile(filepath.Join(dir, "none.json"), "AuthorizerFunction"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadEnvFile(a missing file) = %v, want fs.ErrNotExist", err)
	}
}

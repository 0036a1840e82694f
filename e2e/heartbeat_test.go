package e2e

import (
	"bytes"
	"errors"
	"os/exec"
	"strings"
	"testing"
)

// TestHeartbeat runs scripts/heartbeat, which the Makefile wraps its long
// steps in, at a one-second beat: a silent command gets a line on stderr
// per beat, its own output passes through whole (a partial line too), its
// exit status is kept, and HEARTBEAT_UNTIL stops the beat at a server's
// ready line.
func TestHeartbeat(t *testing.T) {
	run := func(until, script string) (stdout, stderr string, code int) {
		t.Helper()
		cmd := exec.CommandContext(t.Context(), "../scripts/heartbeat", "label", "bash", "-c", script)
		cmd.Env = append(cmd.Environ(), "HEARTBEAT=1", "HEARTBEAT_UNTIL="+until)
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			code = exit.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return out.String(), errOut.String(), code
	}

	stdout, stderr, code := run("", `echo first; echo to-stderr >&2; sleep 2.5; printf partial; sleep 1.3; echo " line"; exit 3`)
	if stdout != "first\nto-stderr\npartial line\n" {
		t.Errorf("stdout = %q, want the command's output, stderr merged, the partial line whole", stdout)
	}
	if n := strings.Count(stderr, "  ... label: still working, "); n < 3 {
		t.Errorf("stderr = %q: %d heartbeats over about 3.8 s of silence at a 1 s beat, want 3 or more", stderr, n)
	}
	if code != 3 {
		t.Errorf("exit status %d, want the command's 3", code)
	}

	stdout, stderr, code = run("^ready: ", `sleep 1.5; echo "ready: http://127.0.0.1:1"; sleep 2.5; echo request`)
	if stdout != "ready: http://127.0.0.1:1\nrequest\n" || code != 0 {
		t.Errorf("stdout = %q, status %d; want both lines, 0", stdout, code)
	}
	if n := strings.Count(stderr, "still working"); n != 1 {
		t.Errorf("stderr = %q: %d heartbeats, want 1 (before the ready line only)", stderr, n)
	}
}

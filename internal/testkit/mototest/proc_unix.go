//go:build unix

package mototest

import (
	"os/exec"
	"syscall"
)

// setProcessGroup puts moto_server in a process group of its own: the
// moto_server on PATH may be a wrapper (a pyenv shim runs it as a child of
// bash), and only killing the group stops the server too.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// killProcessGroup kills the group setProcessGroup made, which has the id of
// the process started.
func killProcessGroup(cmd *exec.Cmd) {
	if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); err != nil {
		cmd.Process.Kill()
	}
}

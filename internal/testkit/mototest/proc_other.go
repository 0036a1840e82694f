//go:build !unix

package mototest

import "os/exec"

// setProcessGroup does nothing where there are no process groups.
func setProcessGroup(*exec.Cmd) {}

// killProcessGroup kills the process started.
func killProcessGroup(cmd *exec.Cmd) { cmd.Process.Kill() }

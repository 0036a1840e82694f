package lambdatest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// Defaults of the environment that StartFunction gives a function.
const (
	defaultRegion       = "us-east-1"
	defaultFunctionName = "function"
	defaultAccountID    = "123456789012"
	defaultPath         = "/usr/local/bin:/usr/bin:/bin"
)

// initExitGrace is how long a function that posted an init error has to exit
// before Invoke kills it, as Lambda would.
const initExitGrace = time.Second

// waitDelay bounds how long waiting for an exited process waits for its
// output to be copied.
const waitDelay = time.Second

func functionARN(region, name string) string {
	return "arn:aws:lambda:" + region + ":" + defaultAccountID + ":function:" + name
}

// Function is a bootstrap binary running against its own Server, the way
// Lambda runs a function on the provided.al2023 runtime. Its methods are safe
// for concurrent use.
type Function struct {
	server  *Server
	cmd     *exec.Cmd
	started time.Time // just before the process was started
	exited  chan struct{}
	waitErr error // set before exited is closed

	stopOnce sync.Once
	stopErr  error
}

// StartFunction starts binary with a Lambda-like environment and a Server of
// its own. The process sees only env plus these variables, each unless env
// sets it: AWS_LAMBDA_FUNCTION_NAME (the binary's directory name when the
// binary is called bootstrap, else its name), AWS_LAMBDA_FUNCTION_MEMORY_SIZE
// (128), AWS_LAMBDA_FUNCTION_VERSION ($LATEST), AWS_REGION and
// AWS_DEFAULT_REGION (us-east-1), _HANDLER (bootstrap), LAMBDA_TASK_ROOT (the
// binary's directory, also its working directory), TZ (:UTC) and PATH; and
// always AWS_LAMBDA_RUNTIME_API. The process's stdout and stderr go to
// output, or are discarded when output is nil. The process is killed when
// ctx ends; call Stop when done with it.
func StartFunction(ctx context.Context, binary string, env map[string]string, output io.Writer) (*Function, error) {
	path, err := filepath.Abs(binary)
	if err != nil {
		return nil, fmt.Errorf("starting function %s: %w", binary, err)
	}
	for k := range env {
		if k == "" || strings.ContainsAny(k, "=\x00") {
			return nil, fmt.Errorf("starting function %s: %q is not an environment variable name", binary, k)
		}
	}
	name := filepath.Base(path)
	if name == "bootstrap" {
		name = filepath.Base(filepath.Dir(path))
	}
	region := defaultRegion
	if r := env["AWS_REGION"]; r != "" {
		region = r
	}
	defaults := []string{
		"AWS_LAMBDA_FUNCTION_NAME=" + name,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128",
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_REGION=" + region,
		"AWS_DEFAULT_REGION=" + region,
		"_HANDLER=bootstrap",
		"LAMBDA_TASK_ROOT=" + filepath.Dir(path),
		"TZ=:UTC",
		"PATH=" + defaultPath,
	}
	var vars []string
	for _, kv := range defaults {
		if k, _, _ := strings.Cut(kv, "="); !hasKey(env, k) {
			vars = append(vars, kv)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(env)) {
		vars = append(vars, k+"="+env[k])
	}
	if n := env["AWS_LAMBDA_FUNCTION_NAME"]; n != "" {
		name = n
	}

	srv, err := newServer(functionARN(region, name))
	if err != nil {
		return nil, fmt.Errorf("starting function %s: %w", binary, err)
	}
	cmd := exec.CommandContext(ctx, path)
	cmd.Env = append(vars, "AWS_LAMBDA_RUNTIME_API="+srv.Addr())
	cmd.Dir = filepath.Dir(path)
	if output != nil {
		cmd.Stdout = output
		cmd.Stderr = output
	}
	cmd.WaitDelay = waitDelay
	started := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, errors.Join(fmt.Errorf("starting function %s: %w", binary, err), srv.Close())
	}
	f := &Function{server: srv, cmd: cmd, started: started, exited: make(chan struct{})}
	go func() {
		f.waitErr = cmd.Wait()
		close(f.exited)
	}()
	return f, nil
}

// Started returns when the process was started: the beginning of its init
// phase, as Lambda's Init Duration counts it.
func (f *Function) Started() time.Time { return f.started }

// FirstPoll is Server.FirstPoll for this function's server: when the
// process first asked for an event, the end of its init phase.
func (f *Function) FirstPoll() time.Time { return f.server.FirstPoll() }

// PID returns the process id, e.g. to read /proc/<pid>/status.
func (f *Function) PID() int { return f.cmd.Process.Pid }

func hasKey(m map[string]string, k string) bool {
	_, ok := m[k]
	return ok
}

// Invoke is Server.Invoke for this function's server, except that it also
// returns, promptly, when the process exits or posts an init error. That
// error matches ErrExited, and ErrInitFailed with the *FunctionError posted
// if there was one, and gives the exit status. A function that posted an
// init error and does not exit within a second is killed, as Lambda would.
func (f *Function) Invoke(ctx context.Context, payload []byte) (Result, error) {
	res, err := f.server.invoke(ctx, payload, f.exited)
	if !errors.Is(err, errAborted) && !errors.Is(err, ErrInitFailed) {
		return res, err
	}
	t := time.NewTimer(initExitGrace)
	defer t.Stop()
	select {
	case <-f.exited:
	case <-t.C:
		f.kill()
		<-f.exited // bounded by waitDelay
	case <-ctx.Done():
		// Say what is known: the init error, without an exit status.
	}
	return Result{}, fmt.Errorf("invoke: %w", f.exitError())
}

// Wait waits until the process exits and returns why, an error that matches
// ErrExited (a Lambda function never exits on its own accord) and, if the
// function posted an init error, ErrInitFailed. It returns ctx.Err() if ctx
// ends first.
func (f *Function) Wait(ctx context.Context) error {
	select {
	case <-f.exited:
		return f.exitError()
	case <-ctx.Done():
		return ctx.Err()
	}
}

// exitError describes how the function stopped: its init error, if any, and
// its exit status, if it has exited.
func (f *Function) exitError() error {
	var status error
	select {
	case <-f.exited:
		status = f.waitErr
		if status == nil {
			status = errors.New("exit status 0")
		}
	default:
	}
	initErr := f.server.InitError()
	switch {
	case initErr != nil && status != nil:
		return fmt.Errorf("%w: %w (%w: %w)", ErrInitFailed, initErr, ErrExited, status)
	case initErr != nil:
		return fmt.Errorf("%w: %w", ErrInitFailed, initErr)
	default:
		return fmt.Errorf("%w: %w", ErrExited, status)
	}
}

func (f *Function) kill() error {
	if err := f.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("killing function: %w", err)
	}
	return nil
}

// Stop kills the process if it is still running, waits for it to exit and
// closes the server. It is safe to call more than once.
func (f *Function) Stop() error {
	f.stopOnce.Do(func() {
		err := f.kill()
		<-f.exited
		f.stopErr = errors.Join(err, f.server.Close())
	})
	return f.stopErr
}

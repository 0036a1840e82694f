package lambdatest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// buildEcho builds testdata/echo the way the Makefile builds a function, as
// dir/echo/bootstrap so that its function name is echo.
func buildEcho(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	binary, err := Build(ctx, "./testdata/echo", filepath.Join(t.TempDir(), "echo"))
	if err != nil {
		t.Fatal(err)
	}
	return binary
}

// echoReply mirrors testdata/echo's reply.
type echoReply struct {
	Message      string   `json:"message"`
	RequestID    string   `json:"requestId"`
	FunctionARN  string   `json:"functionArn"`
	DeadlineMS   int64    `json:"deadlineMs"`
	FunctionName string   `json:"functionName"`
	MemoryMB     int      `json:"memoryMb"`
	Version      string   `json:"version"`
	Env          []string `json:"env"`
}

func invokeEcho(ctx context.Context, t testing.TB, f *Function, message string) echoReply {
	t.Helper()
	res, err := f.Invoke(ctx, []byte(fmt.Sprintf(`{"message":%q}`, message)))
	if err != nil || res.Error != nil {
		t.Fatalf("Invoke(echo %q) = %s, %v", message, fmtResult(res), err)
	}
	var r echoReply
	if err := json.Unmarshal(res.Payload, &r); err != nil {
		t.Fatalf("Invoke(echo %q).Payload = %s: %v", message, res.Payload, err)
	}
	if r.RequestID != res.RequestID {
		t.Errorf("function saw request id %q, Result.RequestID = %q", r.RequestID, res.RequestID)
	}
	return r
}

// assertStopped checks that err says the function stopped with exit code
// code and, if initMessage is not empty, with that init error.
func assertStopped(t testing.TB, err error, code int, initMessage string) {
	t.Helper()
	if !errors.Is(err, ErrExited) {
		t.Errorf("error %v does not match ErrExited", err)
	}
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) || exitErr.ExitCode() != code {
		t.Errorf("error %v does not give exit code %d", err, code)
	}
	var fe *FunctionError
	switch {
	case initMessage == "" && (errors.Is(err, ErrInitFailed) || errors.As(err, &fe)):
		t.Errorf("error %v reports an init error, want none", err)
	case initMessage != "" && (!errors.Is(err, ErrInitFailed) || !errors.As(err, &fe) || fe.Message != initMessage):
		t.Errorf("error %v does not report init error %q", err, initMessage)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v is a timeout, want the function's exit", err)
	}
}

// TestFunction runs a real aws-lambda-go runtime loop against the server.
func TestFunction(t *testing.T) {
	t.Parallel()
	binary := buildEcho(t)

	t.Run("echo", func(t *testing.T) {
		t.Parallel()
		f, out := Start(t, binary, map[string]string{"GREETING": "hi", "AWS_REGION": "eu-west-1"})
		ctx, cancel := context.WithTimeout(t.Context(), waitLimit)
		defer cancel()
		deadline, _ := ctx.Deadline()

		got := invokeEcho(ctx, t, f, "hello")
		// What make bench-cold reads: the init phase, from the process's
		// start to its first /next, and the process.
		if start, poll := f.Started(), f.FirstPoll(); start.IsZero() || !poll.After(start) {
			t.Errorf("Started() = %v, FirstPoll() = %v, want a start and a later first poll", start, poll)
		}
		if f.PID() <= 0 {
			t.Errorf("PID() = %d, want a process id", f.PID())
		}
		want := echoReply{
			Message:      "hello",
			RequestID:    got.RequestID,
			FunctionARN:  "arn:aws:lambda:eu-west-1:123456789012:function:echo",
			DeadlineMS:   deadline.UnixMilli(),
			FunctionName: "echo",
			MemoryMB:     128,
			Version:      "$LATEST",
			Env:          got.Env,
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("echo = %+v, want %+v", got, want)
		}

		// Nothing of this process's environment may leak into the function.
		var keys []string
		env := make(map[string]string)
		for _, kv := range got.Env {
			k, v, _ := strings.Cut(kv, "=")
			keys = append(keys, k)
			env[k] = v
		}
		slices.Sort(keys)
		wantKeys := []string{
			"AWS_DEFAULT_REGION", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_NAME",
			"AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_RUNTIME_API", "AWS_REGION", "GREETING",
			"LAMBDA_TASK_ROOT", "PATH", "TZ", "_HANDLER", "_X_AMZN_TRACE_ID",
		}
		if !slices.Equal(keys, wantKeys) {
			t.Errorf("function environment has %v, want %v", keys, wantKeys)
		}
		if env["GREETING"] != "hi" || env["AWS_DEFAULT_REGION"] != "eu-west-1" || env["LAMBDA_TASK_ROOT"] != filepath.Dir(binary) {
			t.Errorf("function environment = %v", got.Env)
		}

		if err := f.Stop(); err != nil {
			t.Fatalf("Stop() = %v", err)
		}
		if wantOut := "echo: handled " + got.RequestID; !strings.Contains(out.String(), wantOut) {
			t.Errorf("output = %q, want it to contain %q", out.String(), wantOut)
		}
	})

	t.Run("concurrent invokes", func(t *testing.T) {
		t.Parallel()
		f, _ := Start(t, binary, nil)
		ctx, cancel := context.WithTimeout(t.Context(), waitLimit)
		defer cancel()

		const n = 8
		var chans []<-chan invokeReturn
		for i := range n {
			chans = append(chans, invokeAsync(ctx, f.Invoke, fmt.Sprintf(`{"message":"m%d"}`, i)))
		}
		ids := make(map[string]bool)
		for i, ch := range chans {
			got := receive(t, ch, "Invoke")
			var r echoReply
			if got.err != nil || json.Unmarshal(got.res.Payload, &r) != nil || r.Message != fmt.Sprintf("m%d", i) {
				t.Errorf("Invoke(m%d) = %s, %v", i, fmtResult(got.res), got.err)
			}
			if ids[got.res.RequestID] {
				t.Errorf("request id %s used twice", got.res.RequestID)
			}
			ids[got.res.RequestID] = true
		}
	})

	// Errors reported for an event leave the function running.
	for _, tt := range []struct {
		name, event string
		want        FunctionError
	}{
		{"handler error", `{"action":"fail","message":"no name"}`, FunctionError{Message: "invalid event: no name", Type: "validationError"}},
		{"broken response stream", `{"action":"broken-reader"}`, FunctionError{Message: "stream broke", Type: "errorString"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, _ := Start(t, binary, nil)
			ctx, cancel := context.WithTimeout(t.Context(), waitLimit)
			defer cancel()

			res, err := f.Invoke(ctx, []byte(tt.event))
			if err != nil || res.Payload != nil || !reflect.DeepEqual(res.Error, &tt.want) {
				t.Fatalf("Invoke(%s) = %s, %v, want error %+v", tt.event, fmtResult(res), err, tt.want)
			}
			invokeEcho(ctx, t, f, "still there")
		})
	}

	t.Run("panic", func(t *testing.T) {
		t.Parallel()
		f, _ := Start(t, binary, nil)
		ctx, cancel := context.WithTimeout(t.Context(), waitLimit)
		defer cancel()

		res, err := f.Invoke(ctx, []byte(`{"action":"panic","message":"boom"}`))
		if err != nil || res.Error == nil {
			t.Fatalf("Invoke(panic) = %s, %v, want an error result", fmtResult(res), err)
		}
		if res.Error.Type != "string" || res.Error.Message != "boom" || len(res.Error.StackTrace) < 3 {
			t.Errorf("Invoke(panic).Error = %+v, want type string, message boom and a stack trace", *res.Error)
		}
		// aws-lambda-go exits after reporting a panic.
		assertStopped(t, f.Wait(ctx), 1, "")
		_, err = f.Invoke(ctx, []byte(`{}`))
		assertStopped(t, err, 1, "")
	})

	t.Run("crash while handling", func(t *testing.T) {
		t.Parallel()
		f, _ := Start(t, binary, nil)
		ctx, cancel := context.WithTimeout(t.Context(), waitLimit)
		defer cancel()

		_, err := f.Invoke(ctx, []byte(`{"action":"exit"}`))
		assertStopped(t, err, 4, "")
	})

	t.Run("init error", func(t *testing.T) {
		t.Parallel()
		const msg = "USER_POOL_ID is required"
		f, out := Start(t, binary, map[string]string{"ECHO_INIT_ERROR": msg})
		ctx, cancel := context.WithTimeout(t.Context(), waitLimit)
		defer cancel()

		_, err := f.Invoke(ctx, []byte(`{}`))
		assertStopped(t, err, 3, msg)
		assertStopped(t, f.Wait(ctx), 3, msg)
		if got := f.server.InitError(); got == nil || got.Type != "Runtime.ConfigurationError" {
			t.Errorf("InitError() = %v, want a Runtime.ConfigurationError", got)
		}
		if err := f.Stop(); err != nil {
			t.Fatalf("Stop() = %v", err)
		}
		if !strings.Contains(out.String(), "echo: init failed: "+msg) {
			t.Errorf("output = %q, want the init failure", out.String())
		}
	})

	t.Run("init error without exiting", func(t *testing.T) {
		t.Parallel()
		const msg = "stuck"
		f, _ := Start(t, binary, map[string]string{"ECHO_INIT_ERROR": msg, "ECHO_INIT_ERROR_STAY": "1"})
		ctx, cancel := context.WithTimeout(t.Context(), waitLimit)
		defer cancel()

		// Like Lambda, Invoke kills a function that stays after its init
		// error; -1 is the exit code of a killed process.
		_, err := f.Invoke(ctx, []byte(`{}`))
		assertStopped(t, err, -1, msg)
	})

	t.Run("exit at init", func(t *testing.T) {
		t.Parallel()
		f, _ := Start(t, binary, map[string]string{"ECHO_EXIT_AT_INIT": "1"})
		ctx, cancel := context.WithTimeout(t.Context(), waitLimit)
		defer cancel()

		_, err := f.Invoke(ctx, []byte(`{}`))
		assertStopped(t, err, 2, "")
	})

	t.Run("stop", func(t *testing.T) {
		t.Parallel()
		f, _ := Start(t, binary, nil)
		ctx, cancel := context.WithTimeout(t.Context(), waitLimit)
		defer cancel()
		invokeEcho(ctx, t, f, "before stop")

		for i := range 2 {
			if err := f.Stop(); err != nil {
				t.Fatalf("Stop() #%d = %v", i+1, err)
			}
		}
		if err := f.Wait(ctx); !errors.Is(err, ErrExited) {
			t.Errorf("Wait() after Stop = %v, want ErrExited", err)
		}
		_, err := f.Invoke(ctx, []byte(`{}`))
		if !errors.Is(err, ErrClosed) && !errors.Is(err, ErrExited) {
			t.Errorf("Invoke() after Stop = %v, want ErrClosed or ErrExited", err)
		}
		if errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Invoke() after Stop timed out: %v", err)
		}
	})
}

func TestStartFunctionErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		binary string
		env    map[string]string
	}{
		{name: "missing binary", binary: filepath.Join(t.TempDir(), "nothing", "bootstrap")},
		{name: "variable name with =", binary: "/bin/true", env: map[string]string{"A=B": "c"}},
		{name: "empty variable name", binary: "/bin/true", env: map[string]string{"": "c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, err := StartFunction(t.Context(), tt.binary, tt.env, nil)
			if err == nil {
				f.Stop()
				t.Fatalf("StartFunction(%q, %q) = nil error, want one", tt.binary, tt.env)
			}
		})
	}
}

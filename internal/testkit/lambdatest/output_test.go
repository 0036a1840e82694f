package lambdatest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestOutputLine(t *testing.T) {
	t.Parallel()
	var out Output
	out.Write([]byte("not JSON\n" + `{"request_id":"other","msg":"a"}` + "\n"))

	got := make(chan map[string]any, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		defer cancel()
		line, err := out.Line(ctx, "wanted")
		if err != nil {
			line = map[string]any{"error": err.Error()}
		}
		got <- line
	}()
	assertBlocked(t, got, "Line before the line is written")
	// Written in two pieces, as a pipe may deliver it: half a line is not
	// yet a line.
	out.Write([]byte(`{"request_id":"wanted",`))
	assertBlocked(t, got, "Line with half the line written")
	out.Write([]byte(`"msg":"b"}` + "\n"))
	line := receive(t, got, "Line")
	if line["msg"] != "b" {
		t.Errorf("Line(wanted) = %v, want the line with msg b", line)
	}
	if want := "not JSON\n"; out.String()[:len(want)] != want {
		t.Errorf("String() = %q, want everything written", out.String())
	}
}

func TestOutputLineContext(t *testing.T) {
	t.Parallel()
	var out Output
	fmt.Fprintln(&out, `{"request_id":"other"}`)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if _, err := out.Line(ctx, "missing"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Line(missing) = %v, want %v", err, context.DeadlineExceeded)
	}
}

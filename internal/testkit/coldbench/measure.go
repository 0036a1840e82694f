package coldbench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/lambdatest"
)

// invokeTimeout is each invocation's deadline: the templates' 5 s
// function timeout, and some.
const invokeTimeout = 10 * time.Second

// Result is what was measured of one subject.
type Result struct {
	// Name is a configuration, or "node" for the anchor.
	Name string
	// Cold is each cold start: from starting the process to the Runtime
	// API receiving its answer to the first event.
	Cold []time.Duration
	// Init is each cold start's init phase: from starting the process to
	// its first GET /next, where Lambda's Init Duration ends.
	Init []time.Duration
	// Warm is each warm invocation's round trip at the Runtime API.
	Warm []time.Duration
	// PeakRSS is the process's VmHWM after the warm invocations, in bytes.
	PeakRSS int64
}

// invoke has fn, which runs s, answer f's event, and checks that the answer
// is the Allow (the floor's, that it is an answer).
// It returns when the answer came, read before the answer is checked: the
// check is the harness's work, not the function's.
func (f *fixture) invoke(ctx context.Context, s subject, fn *lambdatest.Function) (time.Time, error) {
	ctx, cancel := context.WithTimeout(ctx, invokeTimeout)
	defer cancel()
	res, err := fn.Invoke(ctx, f.event)
	answered := time.Now()
	switch {
	case err != nil:
		return answered, err
	case res.Error != nil:
		return answered, fmt.Errorf("%w: %w", errNoAnswer, res.Error)
	case s.name == floorName:
		return answered, nil
	}
	return answered, f.checkAllow(res.Payload)
}

// start starts s with its output collected.
func start(ctx context.Context, s subject) (*lambdatest.Function, *lambdatest.Output, error) {
	out := &lambdatest.Output{}
	fn, err := lambdatest.StartFunction(ctx, s.binary, s.env, out)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", s.name, err)
	}
	return fn, out, nil
}

// failed describes s's failure err with the end of what it wrote.
func failed(s subject, err error, out *lambdatest.Output) error {
	text := out.String()
	if len(text) > 4096 {
		text = "..." + text[len(text)-4096:]
	}
	return fmt.Errorf("%s: %w; its output:\n%s", s.name, err, text)
}

// coldStart starts s, has it answer one event, and stops it.
func (f *fixture) coldStart(ctx context.Context, s subject) (cold, init time.Duration, err error) {
	fn, out, err := start(ctx, s)
	if err != nil {
		return 0, 0, err
	}
	defer fn.Stop()
	answered, err := f.invoke(ctx, s, fn)
	if err != nil {
		return 0, 0, failed(s, err, out)
	}
	return answered.Sub(fn.Started()), fn.FirstPoll().Sub(fn.Started()), nil
}

// smoke runs one cold start of s, not counted: the binary's pages are read
// from disk once before anything is timed, and a subject that cannot
// answer stops the run before it starts.
func (f *fixture) smoke(ctx context.Context, s subject) error {
	_, _, err := f.coldStart(ctx, s)
	return err
}

// measure runs the cold starts, then the warm invocations, of f's subjects.
func measure(ctx context.Context, f *fixture, opts Options, p *progress) ([]Result, error) {
	results := make([]Result, len(f.subjects))
	var ours []int
	node, floor := -1, -1
	for i, s := range f.subjects {
		results[i].Name = s.name
		switch s.name {
		case nodeName:
			node = i
		case floorName:
			floor = i
		default:
			ours = append(ours, i)
		}
	}
	cold := func(i int) error {
		c, in, err := f.coldStart(ctx, f.subjects[i])
		if err != nil {
			return err
		}
		results[i].Cold = append(results[i].Cold, c)
		results[i].Init = append(results[i].Init, in)
		return nil
	}

	p.say("cold starts: %d rounds of %d configuration(s)%s, and the floor", opts.ColdStarts, len(ours), map[bool]string{true: ", each followed by the Node anchor"}[node >= 0])
	for round := range opts.ColdStarts {
		for _, i := range ours {
			if err := cold(i); err != nil {
				return nil, err
			}
			if node >= 0 {
				if err := cold(node); err != nil {
					return nil, err
				}
			}
		}
		if floor >= 0 {
			if err := cold(floor); err != nil {
				return nil, err
			}
		}
		p.tick("cold starts: round %d of %d done", round+1, opts.ColdStarts)
	}

	p.say("warm invocations: %d of each, in turn", opts.Warm)
	fns := make([]*lambdatest.Function, len(f.subjects))
	outs := make([]*lambdatest.Output, len(f.subjects))
	defer func() {
		for _, fn := range fns {
			if fn != nil {
				fn.Stop()
			}
		}
	}()
	for i, s := range f.subjects {
		var err error
		if fns[i], outs[i], err = start(ctx, s); err != nil {
			return nil, err
		}
		results[i].Warm = make([]time.Duration, 0, opts.Warm)
	}
	// The first invocation of each is its cold one, not counted.
	for n := range opts.Warm + 1 {
		for i, fn := range fns {
			t := time.Now()
			answered, err := f.invoke(ctx, f.subjects[i], fn)
			d := answered.Sub(t)
			if err != nil {
				return nil, failed(f.subjects[i], err, outs[i])
			}
			if n > 0 {
				results[i].Warm = append(results[i].Warm, d)
			}
		}
		p.tick("warm invocations: %d of %d", n, opts.Warm)
	}
	for i, fn := range fns {
		var err error
		if results[i].PeakRSS, err = peakRSS(fn.PID()); err != nil {
			return nil, fmt.Errorf("%s: %w", f.subjects[i].name, err)
		}
	}
	return results, nil
}

// peakRSS reads the process's VmHWM, its peak resident set, in bytes.
func peakRSS(pid int) (int64, error) {
	file, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	defer file.Close()
	sc := bufio.NewScanner(file)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:")
		if !ok {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("reading VmHWM of process %d: %q: %w", pid, rest, err)
		}
		return kb << 10, nil
	}
	return 0, errors.Join(fmt.Errorf("no VmHWM in /proc/%d/status", pid), sc.Err())
}

// percentile returns the q-th quantile (0 < q <= 1) of ds, nearest rank.
func percentile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(ds))
	i := int(math.Ceil(q*float64(len(s)))) - 1
	return s[max(i, 0)]
}

// Package coldbench measures the authorizer the way Lambda runs it (make
// bench-cold): the bootstrap built by the Makefile's recipe, started fresh
// under the test kit's local Runtime API for each cold start, then invoked
// warm, in four configurations, beside an anchor: a minimal Node authorizer
// using aws-jwt-verify, under the same Runtime API. For each it gives the
// cold start (process start to the first answer) and its init phase
// (process start to the first GET /next, where Lambda's Init Duration
// ends), the warm invocations' p50 and p99, and the peak RSS (VmHWM); and
// for the plain configuration the package init time Go reports with
// GODEBUG=inittrace=1.
//
// Runs are interleaved (ours, Node, ours, Node, ...; the warm invocations
// one of each configuration in turn) so that the machine's noise falls on
// all of them alike. It runs on Linux only: it reads /proc.
package coldbench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sync"
	"time"
)

// The configurations of the authorizer, as Options.Configurations and
// make bench-cold's -configs name them.
const (
	// Plain is the authorizer with one pool and nothing else.
	Plain = "plain"
	// WithRules adds RuleCount route rules in ROUTE_RULES_FILE.
	WithRules = "rules"
	// WithRevocation adds the revocation table (REVOCATION_TABLE), with the
	// default cache TTL.
	WithRevocation = "revocation"
	// Both is WithRules and WithRevocation together.
	Both = "both"
)

// Configurations are every configuration, in the table's order.
var Configurations = []string{Plain, WithRules, WithRevocation, Both}

// Where the revocation table is served, as Options.DynamoDB takes it.
const (
	// DynamoDBAuto is moto_server when it is installed and starts, else
	// memory.
	DynamoDBAuto = "auto"
	// DynamoDBMoto is moto_server (mototest).
	DynamoDBMoto = "moto"
	// DynamoDBMemory is the test kit's in-memory DynamoDB (dynamotest).
	DynamoDBMemory = "memory"
)

// Options say what Run measures, and how often.
type Options struct {
	// Root is the repository, where make build-AuthorizerFunction runs.
	Root string
	// Dir receives the build: authorizer/bootstrap and its rules.json.
	Dir string
	// NodeDir is where the Node anchor is installed (aws-jwt-verify with
	// npm, and its bootstrap); empty: no anchor.
	NodeDir string
	// ColdStarts is how many cold starts each configuration gets; the
	// anchor gets one after each of ours.
	ColdStarts int
	// Warm is how many warm invocations each configuration gets, after its
	// first (cold) one.
	Warm int
	// Configurations are the ones measured, of Configurations; empty: all.
	Configurations []string
	// DynamoDB is DynamoDBAuto, DynamoDBMoto or DynamoDBMemory; empty: auto.
	DynamoDB string
	// InitTraces is how many runs of the plain configuration with
	// GODEBUG=inittrace=1 give the package init time; 0: none.
	InitTraces int
	// Progress receives a line at least every few seconds; nil: none.
	Progress io.Writer
}

// Run builds the authorizer, sets up the pool, the table and the anchor,
// and measures. A Node anchor that cannot be installed or started is left
// out, with the reason in the report, and is not an error.
func Run(ctx context.Context, opts Options) (*Report, error) {
	if runtime.GOOS != "linux" {
		return nil, fmt.Errorf("make bench-cold runs on Linux only (it reads /proc/<pid>/status), not %s", runtime.GOOS)
	}
	if opts.ColdStarts < 1 || opts.Warm < 1 {
		return nil, fmt.Errorf("cold starts (%d) and warm invocations (%d): want at least 1 of each", opts.ColdStarts, opts.Warm)
	}
	configs := opts.Configurations
	if len(configs) == 0 {
		configs = Configurations
	}
	for _, c := range configs {
		if !slices.Contains(Configurations, c) {
			return nil, fmt.Errorf("configuration %q: want one of %v", c, Configurations)
		}
	}
	p := newProgress(opts.Progress)
	rep := &Report{ColdStarts: opts.ColdStarts, Warm: opts.Warm, Started: time.Now().UTC(), LoadBefore: loadAverage()}
	rep.Machine = machine(ctx, opts.Root)

	f, err := newFixture(ctx, opts, configs, p)
	if err != nil {
		return nil, err
	}
	defer f.close()
	rep.DynamoDB, rep.RuleCount, rep.AnyRoutes = f.dynamoDB, RuleCount, anyRoutes
	if opts.NodeDir != "" {
		node, version, err := setupNode(ctx, opts.NodeDir, p)
		if err != nil {
			rep.NodeMissing = err.Error()
			p.say("the Node anchor is left out: %v", err)
		} else {
			rep.NodeVersion = version
			f.subjects = append(f.subjects, f.nodeSubject(node))
		}
	} else {
		rep.NodeMissing = "not asked for"
	}
	p.say("one cold start of each, not counted (the binaries read from disk once; a failure stops here)")
	for i := 0; i < len(f.subjects); i++ {
		s := f.subjects[i]
		err := f.smoke(ctx, s)
		switch {
		case err != nil && s.name == nodeName:
			rep.NodeVersion, rep.NodeMissing = "", "it did not answer: "+err.Error()
			p.say("the Node anchor is left out: %v", err)
			f.subjects = slices.Delete(f.subjects, i, i+1)
			i--
		case err != nil:
			return nil, err
		}
	}

	results, err := measure(ctx, f, opts, p)
	if err != nil {
		return nil, err
	}
	rep.Results = results
	if opts.InitTraces > 0 && slices.Contains(configs, Plain) {
		p.say("package init: %d runs of ours plain with GODEBUG=inittrace=1", opts.InitTraces)
		if rep.Init, err = initTrace(ctx, f, f.subject(Plain), opts.InitTraces); err != nil {
			return nil, err
		}
	}
	rep.LoadAfter = loadAverage()
	rep.Took = time.Since(rep.Started).Round(time.Second)
	return rep, nil
}

// progress writes lines to w, if any. Its methods are safe for concurrent
// use.
type progress struct {
	w     io.Writer
	start time.Time

	mu   sync.Mutex
	last time.Time
}

func newProgress(w io.Writer) *progress { return &progress{w: w, start: time.Now()} }

// say writes a line now.
func (p *progress) say(format string, args ...any) {
	if p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.last = time.Now()
	fmt.Fprintf(p.w, "[%5.1fs] %s\n", time.Since(p.start).Seconds(), fmt.Sprintf(format, args...))
}

// tick writes a line if none was written in the last progressEvery.
func (p *progress) tick(format string, args ...any) {
	p.mu.Lock()
	quiet := time.Since(p.last) >= progressEvery
	p.mu.Unlock()
	if quiet {
		p.say(format, args...)
	}
}

// while says "still <what>" whenever progressEvery passes in silence,
// until the returned stop is called: for steps that say nothing for long
// (a build on a cold cache, npm).
func (p *progress) while(what string) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(progressEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				p.tick("still %s", what)
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

// progressEvery is how often a long step says where it is, at most.
const progressEvery = 3 * time.Second

// errNoAnswer wraps a function's unexpected answer.
var errNoAnswer = errors.New("unexpected answer")

package coldbench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// Report is a run's figures and what they were taken on.
type Report struct {
	Machine    Machine
	Started    time.Time
	Took       time.Duration
	LoadBefore string // /proc/loadavg's 1, 5 and 15 minute figures
	LoadAfter  string
	ColdStarts int
	Warm       int
	// DynamoDB says where the revocation table was; empty without one.
	DynamoDB  string
	RuleCount int
	AnyRoutes int
	// NodeVersion says what ran the anchor; NodeMissing why there was none.
	NodeVersion string
	NodeMissing string
	// Results are ours in the order of Configurations, then the anchor's.
	Results []Result
	// Init is the plain configuration's package init; nil if not taken.
	Init *InitTrace
}

// Machine is what the figures were taken on.
type Machine struct {
	OS, Arch string
	CPUs     int
	CPUModel string
	// Go is the toolchain that built the authorizer.
	Go string
}

// machine describes this machine and the go command in root.
func machine(ctx context.Context, root string) Machine {
	m := Machine{OS: runtime.GOOS, Arch: runtime.GOARCH, CPUs: runtime.NumCPU(), CPUModel: "unknown CPU", Go: runtime.Version()}
	cmd := exec.CommandContext(ctx, "go", "env", "GOVERSION")
	cmd.Dir = root
	if out, err := cmd.Output(); err == nil {
		m.Go = strings.TrimSpace(string(out))
	}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	return m
}

// loadAverage returns the 1, 5 and 15 minute load averages, or "unknown".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if fields := strings.Fields(string(b)); err == nil && len(fields) >= 3 {
		return strings.Join(fields[:3], " ")
	}
	return "unknown"
}

// labels name the subjects in the table.
var labels = map[string]string{
	nodeName:       "Node, aws-jwt-verify (verifies only)",
	floorName:      "floor: a Go function that answers at once (aws-lambda-go)",
	Plain:          "ours plain (no rules, no revocation table)",
	WithRules:      "ours, %d route rules (ROUTE_RULES_FILE)",
	WithRevocation: "ours, revocation table (DynamoDB, default cache)",
	Both:           "ours, %d route rules and revocation table",
}

func (r *Report) label(name string) string {
	if name == WithRules || name == Both {
		return fmt.Sprintf(labels[name], r.RuleCount)
	}
	return labels[name]
}

// WriteMarkdown writes the report as Markdown: what it ran on, the table,
// what the columns mean, and the package init.
func (r *Report) WriteMarkdown(w io.Writer) error {
	bw := bufio.NewWriter(w)
	m := r.Machine
	node := r.NodeVersion
	if node == "" {
		node = "no Node anchor (" + r.NodeMissing + "): ratios left out"
	}
	fmt.Fprintf(bw, "**make bench-cold, %s**\n\n", r.Started.Format("2006-01-02 15:04 MST")) // no heading: it goes under any
	fmt.Fprintf(bw, "- Machine: %s/%s, %d CPUs (%s); %s; %s.\n", m.OS, m.Arch, m.CPUs, m.CPUModel, m.Go, node)
	fmt.Fprintf(bw, "- Load average (1, 5, 15 min): %s at the start, %s at the end (the run itself keeps about one CPU busy); the run took %v.\n", r.LoadBefore, r.LoadAfter, r.Took)
	anchor := ""
	if r.NodeVersion != "" {
		anchor = ", each followed by one of the Node anchor"
	}
	fmt.Fprintf(bw, "- Runs: %d cold starts of each configuration%s; then %d warm invocations of each, one of each in turn. "+
		"Every invocation is the same TOKEN event with the same ID token (API Gateway with its cache off), answered Allow.\n",
		r.ColdStarts, anchor, r.Warm)
	if r.hasAny(WithRules, Both) {
		fmt.Fprintf(bw, "- Route rules: %d, %d of them ANY, in %s beside bootstrap (as in the earlier figures; "+
			"100 with 25 ANY, as issue 21 names, load since the policy cap is 128 KiB).\n", r.RuleCount, r.AnyRoutes, rulesFile)
	}
	if r.DynamoDB != "" {
		fmt.Fprintf(bw, "- Revocation table: %s; REVOCATION_CACHE_TTL unset (10 s): each cold start's first invocation reads the table, the warm ones hit the cache.\n", r.DynamoDB)
	}

	var anchorResult *Result
	for i := range r.Results {
		if r.Results[i].Name == nodeName {
			anchorResult = &r.Results[i]
		}
	}
	fmt.Fprintf(bw, "\n| configuration | cold start | init | warm p50 | warm p99 | peak RSS |\n|---|---:|---:|---:|---:|---:|\n")
	row := func(res *Result) {
		cold, init := percentile(res.Cold, 0.5), percentile(res.Init, 0.5)
		p50, p99 := percentile(res.Warm, 0.5), percentile(res.Warm, 0.99)
		ratio := func(ours, node float64) string {
			if anchorResult == nil || res == anchorResult || res.Name == floorName || node == 0 {
				return ""
			}
			return fmt.Sprintf(" (%.2fx)", ours/node)
		}
		var n Result
		if anchorResult != nil {
			n = *anchorResult
		}
		ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
		us := func(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
		mib := func(b int64) float64 { return float64(b) / (1 << 20) }
		fmt.Fprintf(bw, "| %s | %.1f ms%s | %.1f ms%s | %.0f µs%s | %.0f µs%s | %.1f MiB%s |\n", r.label(res.Name),
			ms(cold), ratio(ms(cold), ms(percentile(n.Cold, 0.5))),
			ms(init), ratio(ms(init), ms(percentile(n.Init, 0.5))),
			us(p50), ratio(us(p50), us(percentile(n.Warm, 0.5))),
			us(p99), ratio(us(p99), us(percentile(n.Warm, 0.99))),
			mib(res.PeakRSS), ratio(mib(res.PeakRSS), mib(n.PeakRSS)))
	}
	// The anchor and the floor first, then ours.
	var order []*Result
	for i := range r.Results {
		if r.Results[i].Name == nodeName {
			order = append(order, &r.Results[i])
		}
	}
	for i := range r.Results {
		if r.Results[i].Name == floorName {
			order = append(order, &r.Results[i])
		}
	}
	for i := range r.Results {
		if n := r.Results[i].Name; n != nodeName && n != floorName {
			order = append(order, &r.Results[i])
		}
	}
	for _, res := range order {
		row(res)
	}
	nodeCount, ratioNote := "", ""
	if anchorResult != nil {
		nodeCount = fmt.Sprintf(" (the anchor's of %d)", len(anchorResult.Cold))
		ratioNote = " In brackets: ours as a multiple of the Node anchor's figure (0.50x: half)."
	}
	fmt.Fprintf(bw, "\nCold start: from starting the process to the Runtime API receiving its answer to the first event, median of %d%s. "+
		"Init: from starting the process to its first GET /next, where Lambda's Init Duration ends, median. "+
		"Warm: one invocation's round trip at the Runtime API (the event queued, handed out, the answer received), "+
		"p50 and p99 of %d after the first. Peak RSS: the process's VmHWM after them.%s "+
		"The floor is lambdatest's echo, built as ours: what the Go runtime, aws-lambda-go "+
		"and this local Runtime API cost by themselves.\n", r.ColdStarts, nodeCount, r.Warm, ratioNote)

	if tr := r.Init; tr != nil {
		fmt.Fprintf(bw, "\nPackage init of ours plain (GODEBUG=inittrace=1, median of %d runs): %.2f ms in %d packages. The slowest:\n\n",
			tr.Runs, float64(tr.Total)/float64(time.Millisecond), tr.Packages)
		fmt.Fprintf(bw, "| package | init | bytes | allocs |\n|---|---:|---:|---:|\n")
		for _, p := range tr.Top {
			fmt.Fprintf(bw, "| %s | %.3f ms | %d | %d |\n", p.Package, float64(p.Clock)/float64(time.Millisecond), p.Bytes, p.Allocs)
		}
	}
	return bw.Flush()
}

// hasAny reports whether one of names was measured.
func (r *Report) hasAny(names ...string) bool {
	for _, res := range r.Results {
		for _, n := range names {
			if res.Name == n {
				return true
			}
		}
	}
	return false
}

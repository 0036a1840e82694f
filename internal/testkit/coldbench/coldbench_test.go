package coldbench

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/cognito-authorizer/internal/policy"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/testenv"
)

// TestRules checks that the rules the "rules" configurations load are
// accepted at init, are RuleCount with anyRoutes ANY routes, and hold the
// route of the event every invocation carries.
func TestRules(t *testing.T) {
	rules, err := policy.ParseRules(Rules())
	if err != nil {
		t.Fatalf("ParseRules(Rules()) error = %v, want the set to load as the authorizer's init checks it", err)
	}
	if rules.Len() != RuleCount {
		t.Errorf("Rules() has %d rules, want %d", rules.Len(), RuleCount)
	}
	var raw []struct {
		Route string `json:"route"`
	}
	if err := json.Unmarshal(Rules(), &raw); err != nil {
		t.Fatal(err)
	}
	anyCount, hasEvent := 0, false
	for _, r := range raw {
		anyCount += strings.Count(r.Route, "ANY ")
		hasEvent = hasEvent || r.Route == "POST /projects"
	}
	if anyCount != anyRoutes || !hasEvent {
		t.Errorf("Rules() has %d ANY routes and POST /projects %t, want %d and true", anyCount, hasEvent, anyRoutes)
	}
}

func TestParseInitTrace(t *testing.T) {
	out := `{"level":"INFO","msg":"authorizer started"}
init internal/bytealg @0.010 ms, 0.003 ms clock, 0 bytes, 0 allocs
init runtime @0.046 ms, 0.080 ms clock, 0 bytes, 0 allocs
init crypto/tls @1.2 ms, 0.031 ms clock, 4848 bytes, 60 allocs
`
	got := parseInitTrace(out)
	want := []PackageInit{
		{Package: "internal/bytealg", Clock: 3 * time.Microsecond},
		{Package: "runtime", Clock: 80 * time.Microsecond},
		{Package: "crypto/tls", Clock: 31 * time.Microsecond, Bytes: 4848, Allocs: 60},
	}
	if len(got) != len(want) {
		t.Fatalf("parseInitTrace() = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("parseInitTrace()[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestPercentile(t *testing.T) {
	ds := []time.Duration{5, 1, 4, 2, 3, 10, 9, 8, 7, 6}
	for _, tc := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 5}, {0.99, 10}, {0.1, 1}, {1, 10}} {
		if got := percentile(ds, tc.q); got != tc.want {
			t.Errorf("percentile(1..10, %v) = %v, want %v", tc.q, got, tc.want)
		}
	}
}

// TestAnchorParses checks the Node anchor's syntax, without its package.
func TestAnchorParses(t *testing.T) {
	node := testenv.LookPath(t, "node", "install Node.js (https://nodejs.org)")
	if out, err := exec.CommandContext(t.Context(), node, "--check", "anchor.js").CombinedOutput(); err != nil {
		t.Errorf("node --check anchor.js: %v\n%s", err, out)
	}
}

// TestRun runs the tool itself, small: two cold starts and twenty warm
// invocations of the plain configuration and the floor, no Node anchor,
// one init trace.
func TestRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the authorizer with make: not with -short")
	}
	testenv.LookPath(t, "make", "install GNU make")
	testenv.LookPath(t, "go", "install Go (https://go.dev/dl/)")
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute) // a cold build cache compiles for a minute
	defer cancel()
	rep, err := Run(ctx, Options{
		Root:           filepath.Join("..", "..", ".."),
		Dir:            t.TempDir(),
		ColdStarts:     2,
		Warm:           20,
		Configurations: []string{Plain},
		InitTraces:     1,
	})
	if err != nil {
		t.Fatalf("Run() error = %v", err)
	}
	if len(rep.Results) != 2 || rep.Results[0].Name != Plain || rep.Results[1].Name != floorName {
		t.Fatalf("Run() results = %+v, want ours plain and the floor", rep.Results)
	}
	for _, res := range rep.Results {
		if len(res.Cold) != 2 || len(res.Init) != 2 || len(res.Warm) != 20 || res.PeakRSS < 1<<20 {
			t.Errorf("Run() result of %s: %d cold, %d init, %d warm, peak RSS %d, want 2, 2, 20 and at least 1 MiB",
				res.Name, len(res.Cold), len(res.Init), len(res.Warm), res.PeakRSS)
		}
		for i := range res.Cold {
			if res.Init[i] <= 0 || res.Cold[i] <= res.Init[i] {
				t.Errorf("%s cold start %d: %v, init %v, want 0 < init < cold start", res.Name, i, res.Cold[i], res.Init[i])
			}
		}
	}
	if rep.Init == nil || rep.Init.Total <= 0 || len(rep.Init.Top) != topPackages {
		t.Errorf("Run() init trace = %+v, want a total and the top %d packages", rep.Init, topPackages)
	}

	var out strings.Builder
	if err := rep.WriteMarkdown(&out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"| configuration | cold start | init | warm p50 | warm p99 | peak RSS |",
		"| ours plain (no rules, no revocation table) | ",
		"| floor: a Go function that answers at once (aws-lambda-go) | ",
		"no Node anchor (not asked for)",
		"Package init of ours plain (GODEBUG=inittrace=1, median of 1 runs)",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("WriteMarkdown() =\n%s\nwant it to contain %q", out.String(), want)
		}
	}
	if strings.Contains(out.String(), "x)") {
		t.Errorf("WriteMarkdown() =\n%s\nwant no ratios without the anchor", out.String())
	}
}

// TestWriteDoc: the table replaces what lies between the markers, and
// nothing else; a page without them is refused.
func TestWriteDoc(t *testing.T) {
	path := filepath.Join(t.TempDir(), "performance.md")
	page := "# Performance\n\nintro\n" + DocBegin + "\nold table\n" + DocEnd + "\n\nafter\n"
	if err := os.WriteFile(path, []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	for range 2 { // twice: the markers stay
		if err := WriteDoc(path, "| new | table |\n"); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := os.ReadFile(path)
	want := "# Performance\n\nintro\n" + DocBegin + "\n| new | table |\n" + DocEnd + "\n\nafter\n"
	if string(got) != want {
		t.Errorf("page = %q, want %q", got, want)
	}
	if err := os.WriteFile(path, []byte("no markers"), 0o644); err == nil {
		if err := WriteDoc(path, "x"); err == nil {
			t.Error("WriteDoc on a page without markers = nil, want an error")
		}
	}
}

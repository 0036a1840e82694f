package coldbench

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"time"
)

// InitTrace is the package initialization of a binary as the Go runtime
// reports it with GODEBUG=inittrace=1: the init functions and package
// variables of every package, before main runs.
type InitTrace struct {
	// Runs is how many runs the figures are the median of.
	Runs int
	// Total is the median over the runs of the sum of every package's
	// init clock time.
	Total time.Duration
	// Packages is how many packages have an init step.
	Packages int
	// Top are the slowest packages by median clock time, slowest first.
	Top []PackageInit
}

// PackageInit is one package's init, the median over the runs.
type PackageInit struct {
	Package string
	Clock   time.Duration
	Bytes   int64
	Allocs  int64
}

// topPackages is how many packages InitTrace.Top lists.
const topPackages = 5

// initLine is one line of GODEBUG=inittrace=1's output, e.g.
// "init crypto/tls @0.52 ms, 0.031 ms clock, 4848 bytes, 60 allocs".
var initLine = regexp.MustCompile(`(?m)^init (\S+) @[0-9.]+ ms, ([0-9.]+) ms clock, ([0-9]+) bytes, ([0-9]+) allocs$`)

// parseInitTrace reads the packages' init steps from a process's output.
func parseInitTrace(out string) []PackageInit {
	var pkgs []PackageInit
	for _, m := range initLine.FindAllStringSubmatch(out, -1) {
		ms, _ := strconv.ParseFloat(m[2], 64) // the pattern admits only numbers
		b, _ := strconv.ParseInt(m[3], 10, 64)
		a, _ := strconv.ParseInt(m[4], 10, 64)
		pkgs = append(pkgs, PackageInit{Package: m[1], Clock: time.Duration(ms * float64(time.Millisecond)), Bytes: b, Allocs: a})
	}
	return pkgs
}

// initTrace starts s runs times with GODEBUG=inittrace=1 and sums up what
// the runtime reports.
func initTrace(ctx context.Context, f *fixture, s subject, runs int) (*InitTrace, error) {
	s.env = maps.Clone(s.env)
	s.env["GODEBUG"] = "inittrace=1"
	var totals []time.Duration
	byPkg := map[string][]PackageInit{}
	for range runs {
		fn, out, err := start(ctx, s)
		if err != nil {
			return nil, err
		}
		// Once it has answered, init is long over and its lines written.
		_, err = f.invoke(ctx, s, fn)
		fn.Stop()
		if err != nil {
			return nil, failed(s, err, out)
		}
		pkgs := parseInitTrace(out.String())
		if len(pkgs) == 0 {
			return nil, failed(s, fmt.Errorf("no init lines with GODEBUG=inittrace=1"), out)
		}
		var total time.Duration
		for _, p := range pkgs {
			total += p.Clock
			byPkg[p.Package] = append(byPkg[p.Package], p)
		}
		totals = append(totals, total)
	}
	tr := &InitTrace{Runs: runs, Total: percentile(totals, 0.5), Packages: len(byPkg)}
	var all []PackageInit
	for name, ps := range byPkg {
		med := func(get func(PackageInit) int64) int64 {
			vs := make([]time.Duration, len(ps))
			for i, p := range ps {
				vs[i] = time.Duration(get(p))
			}
			return int64(percentile(vs, 0.5))
		}
		all = append(all, PackageInit{
			Package: name,
			Clock:   time.Duration(med(func(p PackageInit) int64 { return int64(p.Clock) })),
			Bytes:   med(func(p PackageInit) int64 { return p.Bytes }),
			Allocs:  med(func(p PackageInit) int64 { return p.Allocs }),
		})
	}
	slices.SortFunc(all, func(a, b PackageInit) int {
		return cmp.Or(cmp.Compare(b.Clock, a.Clock), cmp.Compare(a.Package, b.Package))
	})
	tr.Top = all[:min(topPackages, len(all))]
	return tr, nil
}

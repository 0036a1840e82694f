// Command bench-cold measures the authorizer as Lambda runs it (make
// bench-cold, issue 21): the bootstrap built by make build-AuthorizerFunction
// for this machine, under the test kit's local Lambda Runtime API, plain,
// with 100 route rules, with the revocation table (moto_server, or the
// in-memory DynamoDB) and with both, beside a minimal Node authorizer using
// aws-jwt-verify under the same Runtime API. It prints a Markdown table of
// the cold start, its init phase, the warm p50 and p99 and the peak RSS of
// each, as ratios to Node, and the package init time of the plain binary
// (GODEBUG=inittrace=1). Progress goes to stderr, the table to stdout and,
// with -o, to a file; with -doc, between the markers of a Markdown page
// (docs/performance.md, the one place the figures are stated).
//
//	go run ./cmd/bench-cold -o bench-cold.txt   # make bench-cold
//	go run ./cmd/bench-cold -cold 5 -warm 200 -configs plain,both
//
// The anchor needs node, and npm once to install aws-jwt-verify (pinned)
// into the user's cache directory; without them the table has our figures
// alone and says why. Run it from the repository's root, on Linux.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/coldbench"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return // -h: the usage is the answer
		}
		fmt.Fprintln(os.Stderr, "bench-cold:", err)
		os.Exit(2)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cache, err := os.UserCacheDir() // $XDG_CACHE_HOME, or ~/.cache
	if err != nil {
		cache = os.TempDir()
	}
	fs := flag.NewFlagSet("bench-cold", flag.ContinueOnError)
	fs.SetOutput(stderr)
	opts := coldbench.Options{Root: "."}
	fs.IntVar(&opts.ColdStarts, "cold", 20, "cold starts of each configuration (the Node anchor: one after each)")
	fs.IntVar(&opts.Warm, "warm", 1000, "warm invocations of each configuration, after its first")
	configs := fs.String("configs", strings.Join(coldbench.Configurations, ","), "the configurations, comma-separated: "+strings.Join(coldbench.Configurations, ", "))
	node := fs.Bool("node", true, "measure the Node anchor (aws-jwt-verify) beside ours")
	fs.StringVar(&opts.NodeDir, "node-dir", filepath.Join(cache, "cognito-authorizer", "bench-cold"), "where the Node anchor and its npm packages are installed")
	fs.StringVar(&opts.Dir, "dir", filepath.Join("bin", "bench-cold"), "where the authorizer is built")
	fs.StringVar(&opts.DynamoDB, "dynamodb", coldbench.DynamoDBAuto, "the revocation table's DynamoDB: auto (moto_server if installed), moto or memory")
	fs.IntVar(&opts.InitTraces, "inittrace", 5, "runs of the plain binary with GODEBUG=inittrace=1 (0: none)")
	output := fs.String("o", "", "also write the table to this file (make bench-cold: bench-cold.txt)")
	doc := fs.String("doc", "", "also put the table in this Markdown file, between its "+coldbench.DocBegin+" and "+coldbench.DocEnd+" lines (make bench-cold: docs/performance.md)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	opts.Configurations = strings.Split(*configs, ",")
	if !*node {
		opts.NodeDir = ""
	}
	if _, err := os.Stat("go.mod"); err != nil {
		return errors.New("run it from the repository's root (make bench-cold): it builds the authorizer from there")
	}
	opts.Progress = stderr
	rep, err := coldbench.Run(ctx, opts)
	if err != nil {
		return err
	}
	var table strings.Builder
	if err := rep.WriteMarkdown(&table); err != nil {
		return err
	}
	if *output != "" {
		if err := os.WriteFile(*output, []byte(table.String()), 0o644); err != nil {
			return err
		}
	}
	if *doc != "" {
		if err := coldbench.WriteDoc(*doc, table.String()); err != nil {
			return err
		}
	}
	_, err = io.WriteString(stdout, table.String())
	return err
}

// Command synth-summary prints the monitoring of synthesized templates:
// each dashboard with its grid drawn, each alarm and each metric filter
// (package synthsummary). make synth runs it on infra/cdk.out, so that
// what a deploy would add to CloudWatch shows without reading the JSON.
//
// Usage:
//
//	go run ./cmd/synth-summary cdk.out/*.template.json
package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/gatehouse-dev/cognito-authorizer/infra/synthsummary"
)

func main() {
	if err := run(os.Stdout, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "synth-summary:", err)
		os.Exit(1)
	}
}

// run writes the summary of each template file to w.
func run(w io.Writer, files []string) error {
	if len(files) == 0 {
		return fmt.Errorf("no template files given (usage: synth-summary <template.json>...)")
	}
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		t, err := synthsummary.Parse(raw)
		if err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		s, err := t.Summary()
		if err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		name := strings.TrimSuffix(filepath.Base(file), ".template.json")
		if s == "" {
			fmt.Fprintf(w, "%s: no dashboards, alarms or metric filters\n", name)
			continue
		}
		fmt.Fprintf(w, "%s: monitoring\n%s", name, s)
	}
	return nil
}

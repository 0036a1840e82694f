package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-dev/cognito-authorizer/internal/decide"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
)

// maxREADMELines keeps the README a page a newcomer reads in ten minutes;
// the rest is in docs/.
const maxREADMELines = 400

var (
	mdLink    = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	mdHeading = regexp.MustCompile(`(?m)^#{1,6} (.*)$`)
)

// anchor is GitHub's anchor of a heading.
func anchor(heading string) string {
	h := strings.ToLower(strings.TrimSpace(heading))
	h = regexp.MustCompile(`[^\p{L}\p{N}_\- ]`).ReplaceAllString(h, "")
	return strings.ReplaceAll(h, " ", "-")
}

// withoutCode drops fenced code blocks, where '#' starts no heading and
// "](...)" is no link.
func withoutCode(s string) string {
	var out []string
	code := false
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(line, "```") {
			code = !code
			continue
		}
		if !code {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}

// TestDocumentationLinks checks every relative link of README.md and
// docs/: the file exists and, with a #fragment, the page has that heading.
func TestDocumentationLinks(t *testing.T) {
	pages, err := filepath.Glob("../docs/*.md")
	if err != nil || len(pages) == 0 {
		t.Fatalf("docs/: %v, %d pages", err, len(pages))
	}
	pages = append([]string{"../README.md"}, pages...)
	anchors := map[string]map[string]bool{}
	text := map[string]string{}
	for _, p := range pages {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		text[p] = withoutCode(string(b))
		anchors[p] = map[string]bool{}
		for _, m := range mdHeading.FindAllStringSubmatch(text[p], -1) {
			anchors[p][anchor(m[1])] = true
		}
	}
	for _, p := range pages {
		for _, m := range mdLink.FindAllStringSubmatch(text[p], -1) {
			target := m[1]
			if strings.HasPrefix(target, "http://") || strings.HasPrefix(target, "https://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			path, frag, _ := strings.Cut(target, "#")
			file := p
			if path != "" {
				file = filepath.Clean(filepath.Join(filepath.Dir(p), path))
				if _, err := os.Stat(file); err != nil {
					t.Errorf("%s links to %s: no such file", p, target)
					continue
				}
			}
			if frag == "" {
				continue
			}
			if _, ok := anchors[file]; !ok {
				t.Errorf("%s links to %s: a fragment of a page that is not Markdown", p, target)
			} else if !anchors[file][frag] {
				t.Errorf("%s links to %s: %s has no such heading", p, target, file)
			}
		}
	}
	// Every line counts, code blocks included.
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(readme), "\n"); n > maxREADMELines {
		t.Errorf("README.md has %d lines, want at most %d: move the depth to docs/", n, maxREADMELines)
	}
}

// TestEventsAndAnswersTable: the README's table of reasons is the
// registry's (decide.Reasons), row for row: every reason the log line can
// give, its answer, what happened and what to check.
func TestEventsAndAnswersTable(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n## Events and answers\n")
	if !ok {
		t.Fatal("README.md has no Events and answers section")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	var rows []string
	for _, line := range strings.Split(section, "\n") {
		if strings.HasPrefix(line, "| `") {
			rows = append(rows, line)
		}
	}
	status := map[decide.Outcome]string{decide.Unauthorized: "401", decide.Deny: "403", decide.Unavailable: "503"}
	var want []string
	for _, r := range decide.Reasons {
		want = append(want, fmt.Sprintf("| `%s` | %s | %s | %s |", r.Reason, status[r.Outcome], r.Meaning, r.Check))
	}
	if !slices.Equal(rows, want) {
		t.Errorf("the README's Events and answers table is not decide.Reasons; want these rows:\n%s", strings.Join(want, "\n"))
	}
}

// TestSeveralIssuersExample: the README's ISSUERS example is a list the
// authorizer accepts, with the kinds the section's table describes.
func TestSeveralIssuersExample(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n## Several issuers\n")
	if !ok {
		t.Fatal("README.md has no Several issuers section")
	}
	_, block, ok := strings.Cut(section, "```json\n")
	block, _, ok2 := strings.Cut(block, "```")
	if !ok || !ok2 {
		t.Fatal("the Several issuers section has no json block")
	}
	list, err := settings.ParseIssuers([]byte(block))
	if err != nil {
		t.Fatalf("the README's ISSUERS example is refused: %v", err)
	}
	if len(list) != 3 || list[0].Cognito == nil || list[1].Cognito == nil || list[2].OIDC == nil {
		t.Errorf("the example parses to %+v, want two pools and one OIDC issuer", list)
	}
}

// TestMakeFuzzRunsEveryTarget: make fuzz (and so CI) fuzzes every fuzz
// target of the module.
func TestMakeFuzzRunsEveryTarget(t *testing.T) {
	mk, err := os.ReadFile("../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	_, targets, ok := strings.Cut(string(mk), "\nFUZZ_TARGETS := ")
	if !ok {
		t.Fatal("the Makefile has no FUZZ_TARGETS")
	}
	targets, _, _ = strings.Cut(targets, "\n")
	listed := strings.Fields(targets)
	fuzzFunc := regexp.MustCompile(`(?m)^func (Fuzz\w+)\(f \*testing\.F\)`)
	err = filepath.WalkDir("..", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "infra" || d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".")) && path != ".." {
			return filepath.SkipDir
		}
		if !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range fuzzFunc.FindAllStringSubmatch(string(b), -1) {
			want := "./" + filepath.ToSlash(filepath.Dir(strings.TrimPrefix(path, "../"))) + ":" + m[1]
			if !slices.Contains(listed, want) {
				t.Errorf("make fuzz does not run %s: add it to FUZZ_TARGETS", want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestREADMEStatesNoMeasurements: measured figures live in one place,
// docs/performance.md (its tables written by make bench-cold), so that the
// README cannot contradict them; it links there instead.
func TestREADMEStatesNoMeasurements(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	figure := regexp.MustCompile(`\d+(\.\d+)? ?(µs|ms|MiB|MB)\b|\d+(\.\d+)?x\b`)
	for _, line := range strings.Split(withoutCode(string(b)), "\n") {
		if m := figure.FindString(line); m != "" {
			t.Errorf("README.md states a measurement (%q in %.80q): link docs/performance.md instead", m, line)
		}
	}
}

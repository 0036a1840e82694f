package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/testenv"
)

// shBlock is one ```sh block of the documentation.
type shBlock struct {
	page string
	line int // of the opening fence
	text string
}

// shBlocks returns every ```sh block of README.md and docs/*.md.
func shBlocks(tb testing.TB) []shBlock {
	tb.Helper()
	pages, err := filepath.Glob("../docs/*.md")
	if err != nil {
		tb.Fatal(err)
	}
	var blocks []shBlock
	for _, p := range append([]string{"../README.md"}, pages...) {
		b, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		var cur *shBlock
		for i, line := range strings.Split(string(b), "\n") {
			switch {
			case cur == nil && line == "```sh":
				cur = &shBlock{page: strings.TrimPrefix(p, "../"), line: i + 1}
			case cur != nil && strings.HasPrefix(line, "```"):
				blocks = append(blocks, *cur)
				cur = nil
			case cur != nil:
				cur.text += line + "\n"
			}
		}
	}
	return blocks
}

// commands splits a block into its simple commands, each as words: line
// continuations joined, comments dropped, split at ; && || | and $( ...
// and leading VAR=value assignments removed. It is a reader of this
// documentation's shell, not of every shell.
func commands(text string) [][]string {
	text = strings.ReplaceAll(text, "\\\n", " ")
	var out [][]string
	for _, line := range strings.Split(text, "\n") {
		line = stripComment(line)
		for _, part := range cmdSep.Split(line, -1) {
			words := shellWords(part)
			for len(words) > 0 && assignment.MatchString(words[0]) {
				words = words[1:]
			}
			if len(words) > 0 {
				out = append(out, words)
			}
		}
	}
	return out
}

var (
	cmdSep     = regexp.MustCompile(`\$\(|&&|\|\||[;|&()]`)
	assignment = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`)
)

// shellWords splits s at blanks outside quotes, the quotes removed (no
// expansions: "$X" stays $X).
func shellWords(s string) []string {
	var (
		words []string
		cur   strings.Builder
		quote rune
		in    bool
	)
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '\'' || r == '"':
			quote, in = r, true
		case r == ' ' || r == '\t':
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if in {
		words = append(words, cur.String())
	}
	return words
}

// stripComment drops a # comment that starts a word outside quotes.
func stripComment(line string) string {
	var quote rune
	for i, r := range line {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '\'' || r == '"':
			quote = r
		case r == '#' && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t'):
			return line[:i]
		}
	}
	return line
}

// makeTargets returns the Makefile's targets.
func makeTargets(tb testing.TB) []string {
	tb.Helper()
	b, err := os.ReadFile("../Makefile")
	if err != nil {
		tb.Fatal(err)
	}
	var targets []string
	for _, m := range regexp.MustCompile(`(?m)^([a-zA-Z0-9_.-]+(?: [a-zA-Z0-9_.-]+)*):(?:[^=]|$)`).FindAllStringSubmatch(string(b), -1) {
		targets = append(targets, strings.Fields(m[1])...)
	}
	return targets
}

// TestCommandBlocks checks every ```sh block of README.md and docs/: bash
// parses it; each make command names targets the Makefile has; each go run
// and script names a path of this repository; each aws command names an
// operation of the CLI and only options that operation takes (checked
// against the CLI's own service models, offline). Some blocks are also run
// by their own tests (the README's Try it and CLI steps, the docs' user,
// token and usage plan steps); the rest are checked only so far: the
// explain and devtoken blocks, which could run here, and those that need an
// AWS account.
func TestCommandBlocks(t *testing.T) {
	blocks := shBlocks(t)
	if len(blocks) < 10 {
		t.Fatalf("%d sh blocks in README.md and docs/, want the documentation's (10 or more)", len(blocks))
	}
	targets := makeTargets(t)
	type awsCall struct {
		Where   string   `json:"where"`
		Service string   `json:"service"`
		Op      string   `json:"op"`
		Options []string `json:"options"`
	}
	var calls []awsCall
	for _, b := range blocks {
		where := b.page + ":" + strconv.Itoa(b.line)
		if out, err := exec.Command("bash", "-n", "-c", b.text).CombinedOutput(); err != nil {
			t.Errorf("%s: bash -n: %v\n%s", where, err, out)
		}
		for _, words := range commands(b.text) {
			switch words[0] {
			case "make":
				for _, w := range words[1:] {
					if strings.HasPrefix(w, "-") || strings.Contains(w, "=") {
						continue
					}
					if !slices.Contains(targets, w) {
						t.Errorf("%s: make %s: the Makefile has no target %q", where, strings.Join(words[1:], " "), w)
					}
				}
			case "go":
				if len(words) > 2 && words[1] == "run" {
					for _, w := range words[2:] {
						if strings.HasPrefix(w, "./") {
							if _, err := os.Stat(filepath.Join("..", w)); err != nil {
								t.Errorf("%s: go run %s: %v", where, w, err)
							}
							break
						}
					}
				}
			case "aws":
				c := awsCall{Where: where}
				for _, w := range words[1:] {
					switch {
					case strings.HasPrefix(w, "--"):
						c.Options = append(c.Options, strings.TrimPrefix(strings.SplitN(w, "=", 2)[0], "--"))
					case c.Service == "":
						c.Service = w
					case c.Op == "":
						c.Op = w
					}
				}
				calls = append(calls, c)
			default:
				if strings.HasPrefix(words[0], "scripts/") || strings.HasPrefix(words[0], "./scripts/") {
					if _, err := os.Stat(filepath.Join("..", words[0])); err != nil {
						t.Errorf("%s: %s: %v", where, words[0], err)
					}
				}
			}
		}
	}
	if len(calls) == 0 {
		t.Fatal("no aws command in the documentation: the reader of blocks is broken")
	}

	python := testenv.LookPath(t, "python3", "install Python 3 with the AWS CLI (pip install awscli)")
	in, err := json.Marshal(calls)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), python, "-c", checkAWSCalls)
	cmd.Stdin = strings.NewReader(string(in))
	out, err := cmd.CombinedOutput()
	if strings.Contains(string(out), "NO_BOTOCORE") {
		testenv.Missing(t, "botocore (the AWS CLI's models) not found: pip install awscli")
	}
	if err != nil {
		t.Fatalf("checking the aws commands: %v\n%s", err, out)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if line != "" {
			t.Error(line)
		}
	}
}

// checkAWSCalls reads the aws commands as JSON and prints one line per
// command the CLI would refuse: an unknown service or operation, or an
// option the operation does not take. The models are botocore's, the ones
// the installed CLI uses; the CLI's own commands (s3, logs tail, ...) and
// global options are allowed by name.
const checkAWSCalls = `
import json, sys
try:
    import botocore.session
    from botocore import xform_name
except ImportError:
    print("NO_BOTOCORE"); sys.exit(0)
GLOBAL = {"output", "query", "region", "profile", "endpoint-url", "no-cli-pager", "debug", "no-paginate", "cli-input-json", "generate-cli-skeleton", "page-size", "max-items", "starting-token", "no-verify-ssl", "cli-binary-format"}
# Options the CLI adds to an operation's model (customizations).
CUSTOM_OPTIONS = {("lambda", "create-function"): {"zip-file"}, ("lambda", "update-function-code"): {"zip-file"}}
CUSTOM = {("logs", "tail"), ("cloudformation", "deploy"), ("cloudformation", "package"), ("s3", "cp"), ("s3", "ls"), ("s3", "sync")}
def kebab(name): return xform_name(name, "-")
session = botocore.session.get_session()
services = set(session.get_available_services())
for c in json.load(sys.stdin):
    svc, op = c["service"], c["op"]
    if (svc, op) in CUSTOM:
        continue
    if svc not in services:
        print(f'{c["where"]}: aws {svc} {op}: no such service'); continue
    model = session.get_service_model(svc)
    ops = {kebab(o): o for o in model.operation_names}
    if op not in ops:
        print(f'{c["where"]}: aws {svc} {op}: no such operation'); continue
    shape = model.operation_model(ops[op]).input_shape
    params = set()
    if shape is not None:
        for name, member in shape.members.items():
            params.add(kebab(name))
            params.add("no-" + kebab(name))
    for o in c["options"]:
        if o not in params and o not in GLOBAL and o not in CUSTOM_OPTIONS.get((svc, op), ()):
            print(f'{c["where"]}: aws {svc} {op} --{o}: the operation takes no such option')
`

// TestCommandBlocksReader: the block reader finds the commands of this
// documentation's shell, and the aws checker refuses what the CLI would.
func TestCommandBlocksReader(t *testing.T) {
	got := commands("X=1 make zip RULES=\"$WORK/r.json\" # build\nID=$(aws iam create-role --role-name 'a b' \\\n  --query Role.Arn) && echo '# not a comment'\n")
	want := [][]string{{"make", "zip", "RULES=$WORK/r.json"}, {"aws", "iam", "create-role", "--role-name", "a b", "--query", "Role.Arn"}, {"echo", "# not a comment"}}
	if !slices.EqualFunc(got, want, slices.Equal[[]string]) {
		t.Errorf("commands = %q, want %q", got, want)
	}
	python := testenv.LookPath(t, "python3", "install Python 3 with the AWS CLI (pip install awscli)")
	cmd := exec.CommandContext(t.Context(), python, "-c", checkAWSCalls)
	cmd.Stdin = strings.NewReader(`[{"where":"a","service":"lambda","op":"create-function","options":["zip-file","function-name"]},
		{"where":"b","service":"lambda","op":"create-function","options":["zip-fil"]},
		{"where":"c","service":"apigateway","op":"create-authorizerz","options":[]},
		{"where":"d","service":"nosuch","op":"x","options":[]}]`)
	out, err := cmd.CombinedOutput()
	if strings.Contains(string(out), "NO_BOTOCORE") {
		testenv.Missing(t, "botocore (the AWS CLI's models) not found: pip install awscli")
	}
	if err != nil {
		t.Fatal(err, string(out))
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "b:") || !strings.HasPrefix(lines[1], "c:") || !strings.HasPrefix(lines[2], "d:") {
		t.Errorf("checker printed %q, want one refusal each for b, c and d", lines)
	}
}

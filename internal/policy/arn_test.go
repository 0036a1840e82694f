package policy

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const testARN = "arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/POST/add-note"

func TestParseMethodARN(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want MethodARN
	}{
		{
			name: "simple",
			in:   testARN,
			want: MethodARN{Partition: "aws", Region: "eu-west-1", Account: "123456789012",
				APIID: "abcdef1234", Stage: "prod", Method: "POST", Path: "add-note"},
		},
		{
			name: "root resource",
			in:   "arn:aws:execute-api:us-east-1:123456789012:abc123/dev/GET/",
			want: MethodARN{Partition: "aws", Region: "us-east-1", Account: "123456789012",
				APIID: "abc123", Stage: "dev", Method: "GET"},
		},
		{
			name: "nested path",
			in:   "arn:aws:execute-api:us-east-1:123456789012:abc123/dev/GET/users/u-1/notes",
			want: MethodARN{Partition: "aws", Region: "us-east-1", Account: "123456789012",
				APIID: "abc123", Stage: "dev", Method: "GET", Path: "users/u-1/notes"},
		},
		{
			name: "china partition",
			in:   "arn:aws-cn:execute-api:cn-north-1:123456789012:abc123/v1/DELETE/x",
			want: MethodARN{Partition: "aws-cn", Region: "cn-north-1", Account: "123456789012",
				APIID: "abc123", Stage: "v1", Method: "DELETE", Path: "x"},
		},
		{
			name: "govcloud",
			in:   "arn:aws-us-gov:execute-api:us-gov-west-1:123456789012:abc123/Prod_2-b/OPTIONS/x",
			want: MethodARN{Partition: "aws-us-gov", Region: "us-gov-west-1", Account: "123456789012",
				APIID: "abc123", Stage: "Prod_2-b", Method: "OPTIONS", Path: "x"},
		},
		{
			name: "iso-b",
			in:   "arn:aws-iso-b:execute-api:us-isob-east-1:123456789012:abc123/s/HEAD/x",
			want: MethodARN{Partition: "aws-iso-b", Region: "us-isob-east-1", Account: "123456789012",
				APIID: "abc123", Stage: "s", Method: "HEAD", Path: "x"},
		},
		{
			name: "percent-encoded path kept as sent",
			in:   "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/users/a%40b%20c",
			want: MethodARN{Partition: "aws", Region: "eu-west-1", Account: "123456789012",
				APIID: "abc123", Stage: "prod", Method: "GET", Path: "users/a%40b%20c"},
		},
		{
			name: "raw space, quotes and utf-8",
			in:   `arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/PATCH/it's "x" y/é:ÿ/`,
			want: MethodARN{Partition: "aws", Region: "eu-west-1", Account: "123456789012",
				APIID: "abc123", Stage: "prod", Method: "PATCH", Path: `it's "x" y/é:ÿ/`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseMethodARN(tt.in)
			if err != nil {
				t.Fatalf("ParseMethodARN(%q) error = %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseMethodARN(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
			if s := got.String(); s != tt.in {
				t.Errorf("String() = %q, want %q", s, tt.in)
			}
		})
	}
}

func TestParseMethodARNErrors(t *testing.T) {
	const secret = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"
	tests := []struct {
		name, in, what string
	}{
		{"empty", "", "not an execute-api arn"},
		{"not arn", "urn:aws:execute-api:eu-west-1:123456789012:a/s/GET/" + secret, "not an execute-api arn"},
		{"other service", "arn:aws:lambda:eu-west-1:123456789012:a/s/GET/" + secret, "not an execute-api arn"},
		{"too few fields", "arn:aws:execute-api:eu-west-1", "not an execute-api arn"},
		{"empty partition", "arn::execute-api:eu-west-1:123456789012:a/s/GET/" + secret, "bad partition"},
		{"foreign partition", "arn:gcp:execute-api:eu-west-1:123456789012:a/s/GET/x", "bad partition"},
		{"wildcard partition", "arn:*:execute-api:eu-west-1:123456789012:a/s/GET/x", "bad partition"},
		{"upper partition", "arn:AWS:execute-api:eu-west-1:123456789012:a/s/GET/x", "bad partition"},
		{"region", "arn:aws:execute-api:r:123456789012:a/s/GET/", "bad region"},
		{"region wildcard", "arn:aws:execute-api:*:123456789012:a/s/GET/x", "bad region"},
		{"region no number", "arn:aws:execute-api:eu-west:123456789012:a/s/GET/x", "bad region"},
		{"region long number", "arn:aws:execute-api:eu-west-123:123456789012:a/s/GET/x", "bad region"},
		{"region double dash", "arn:aws:execute-api:eu--west-1:123456789012:a/s/GET/x", "bad region"},
		{"short account", "arn:aws:execute-api:eu-west-1:12345:abcdef1234/prod/POST/x", "bad account"},
		{"account wildcard", "arn:aws:execute-api:eu-west-1:*:abcdef1234/prod/POST/x", "bad account"},
		{"account letters", "arn:aws:execute-api:eu-west-1:12345678901a:abcdef1234/prod/POST/x", "bad account"},
		{"no path", "arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/POST", "resource is not"},
		{"api only", "arn:aws:execute-api:eu-west-1:123456789012:abcdef1234", "resource is not"},
		{"empty api", "arn:aws:execute-api:eu-west-1:123456789012:/prod/POST/x", "bad api id"},
		{"api wildcard", "arn:aws:execute-api:eu-west-1:123456789012:*/prod/POST/x", "bad api id"},
		{"api upper", "arn:aws:execute-api:eu-west-1:123456789012:ABC/prod/POST/x", "bad api id"},
		{"api colon", "arn:aws:execute-api:eu-west-1:123456789012:a:b/prod/POST/x", "bad api id"},
		{"empty stage", "arn:aws:execute-api:eu-west-1:123456789012:abc//POST/x", "bad stage"},
		{"stage wildcard", "arn:aws:execute-api:eu-west-1:123456789012:abc/*/POST/x", "bad stage"},
		{"stage dot", "arn:aws:execute-api:eu-west-1:123456789012:abc/v1.0/POST/x", "bad stage"},
		{"stage too long", "arn:aws:execute-api:eu-west-1:123456789012:abc/" + strings.Repeat("s", 129) + "/POST/x", "bad stage"},
		{"method wildcard", "arn:aws:execute-api:eu-west-1:123456789012:abc/prod/*/x", "bad method"},
		{"method ANY", "arn:aws:execute-api:eu-west-1:123456789012:abc/prod/ANY/x", "bad method"},
		{"method lower", "arn:aws:execute-api:eu-west-1:123456789012:abc/prod/get/x", "bad method"},
		{"method other", "arn:aws:execute-api:eu-west-1:123456789012:abc/prod/TRACE/x", "bad method"},
		{"path star", "arn:aws:execute-api:eu-west-1:123456789012:abc/prod/GET/users/*", "bad path"},
		{"path question", "arn:aws:execute-api:eu-west-1:123456789012:abc/prod/GET/a?b", "bad path"},
		{"path newline", "arn:aws:execute-api:eu-west-1:123456789012:abc/prod/GET/a\nb", "bad path"},
		{"path nul", "arn:aws:execute-api:eu-west-1:123456789012:abc/prod/GET/a\x00" + secret, "bad path"},
		{"path tab", "arn:aws:execute-api:eu-west-1:123456789012:abc/prod/GET/a\tb", "bad path"},
		{"path del", "arn:aws:execute-api:eu-west-1:123456789012:abc/prod/GET/a\x7fb", "bad path"},
		{"path bad utf-8", "arn:aws:execute-api:eu-west-1:123456789012:abc/prod/GET/a\xffb", "bad path"},
		{"path beyond latin-1", "arn:aws:execute-api:eu-west-1:123456789012:abc/prod/GET/a\u20acb", "bad path"},
		{"path c1 control", "arn:aws:execute-api:eu-west-1:123456789012:abc/prod/GET/a\u0085b", "bad path"},
		{"too long", "arn:aws:execute-api:eu-west-1:123456789012:abc/prod/GET/" + strings.Repeat(secret, 13), "longer than 512"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseMethodARN(tt.in)
			if !errors.Is(err, ErrBadMethodARN) {
				t.Fatalf("ParseMethodARN(%q) = %v, %v, want ErrBadMethodARN", tt.in, got, err)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.what) {
				t.Errorf("ParseMethodARN(%q) error = %q, want it to say %q", tt.in, msg, tt.what)
			}
			if strings.Contains(msg, "eyJ") || strings.Contains(msg, "users") || strings.Contains(msg, "abc") {
				t.Errorf("ParseMethodARN(%q) error = %q quotes its input", tt.in, msg)
			}
			if got != (MethodARN{}) {
				t.Errorf("ParseMethodARN(%q) = %+v with an error, want the zero value", tt.in, got)
			}
		})
	}
}

func TestMaxLength(t *testing.T) {
	prefix := "arn:aws:execute-api:eu-west-1:123456789012:abc/prod/GET/"
	in := prefix + strings.Repeat("p", MaxResourceLen-len(prefix))
	if _, err := ParseMethodARN(in); err != nil {
		t.Errorf("ParseMethodARN(%d bytes) = %v, want nil", len(in), err)
	}
	if _, err := ParseMethodARN(in + "p"); !errors.Is(err, ErrBadMethodARN) {
		t.Errorf("ParseMethodARN(%d bytes) = %v, want ErrBadMethodARN", len(in)+1, err)
	}
}

func TestResources(t *testing.T) {
	a, err := ParseMethodARN(testARN)
	if err != nil {
		t.Fatal(err)
	}
	const base = "arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/"
	if got, want := a.StageResource(), base+"*/*"; got != want {
		t.Errorf("StageResource() = %q, want %q", got, want)
	}
	if got, want := a.Resource("*", "users/*/notes"), base+"*/users/*/notes"; got != want {
		t.Errorf("Resource() = %q, want %q", got, want)
	}
	if got, want := a.Resource("GET", ""), base+"GET/"; got != want {
		t.Errorf("Resource(GET, root) = %q, want %q", got, want)
	}
	if got := a.ScopedResource(ScopeMethod); got != testARN {
		t.Errorf("ScopedResource(ScopeMethod) = %q, want %q", got, testARN)
	}
	if got, want := a.ScopedResource(ScopeStage), base+"*/*"; got != want {
		t.Errorf("ScopedResource(ScopeStage) = %q, want %q", got, want)
	}
}

// TestParseRouteARN: an HTTP API's routeArn may name the $default stage,
// which a REST methodArn never does; everything else is checked alike.
func TestParseRouteARN(t *testing.T) {
	const routeARN = "arn:aws:execute-api:us-east-1:123456789012:abcdef123/$default/GET/my/path"
	got, err := ParseRouteARN(routeARN)
	if err != nil {
		t.Fatalf("ParseRouteARN(%q) error = %v", routeARN, err)
	}
	want := MethodARN{Partition: "aws", Region: "us-east-1", Account: "123456789012",
		APIID: "abcdef123", Stage: DefaultStage, Method: "GET", Path: "my/path"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ParseRouteARN(%q) mismatch (-want +got):\n%s", routeARN, diff)
	}
	if s := got.String(); s != routeARN {
		t.Errorf("String() = %q, want %q", s, routeARN)
	}
	if got, want := got.StageResource(), "arn:aws:execute-api:us-east-1:123456789012:abcdef123/$default/*/*"; got != want {
		t.Errorf("StageResource() = %q, want %q", got, want)
	}
	if _, err := ParseMethodARN(routeARN); !errors.Is(err, ErrBadMethodARN) || !strings.Contains(err.Error(), "bad stage") {
		t.Errorf("ParseMethodARN(%q) = %v, want bad stage: REST stages have no $", routeARN, err)
	}
	for _, stage := range []string{"$Default", "$DEFAULT", "$default2", "$", "x$default", "$default$default", "*"} {
		in := strings.Replace(routeARN, "$default", stage, 1)
		if _, err := ParseRouteARN(in); !errors.Is(err, ErrBadMethodARN) || !strings.Contains(err.Error(), "bad stage") {
			t.Errorf("ParseRouteARN(%q) = %v, want bad stage", in, err)
		}
	}
	// A methodArn is a routeArn.
	for _, in := range []string{testARN, "arn:aws:execute-api:us-east-1:123456789012:abc123/dev/GET/", `arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/PATCH/it's "x" y/é:ÿ/`} {
		r, rerr := ParseRouteARN(in)
		m, merr := ParseMethodARN(in)
		if rerr != nil || merr != nil || r != m {
			t.Errorf("ParseRouteARN(%q) = %+v, %v; ParseMethodARN = %+v, %v", in, r, rerr, m, merr)
		}
	}
	// What ParseMethodARN refuses for another reason than the stage,
	// ParseRouteARN refuses too.
	for _, in := range []string{
		"arn:aws:execute-api:eu-west-1:123456789012:abc/$default/ANY/x",
		"arn:aws:execute-api:eu-west-1:123456789012:abc/$default/GET/users/*",
		"arn:aws:execute-api:eu-west-1:123456789012:abc/$default/GET",
		"arn:aws:execute-api:eu-west-1:*:abc/$default/GET/x",
		"arn:aws:execute-api:eu-west-1:123456789012:abc/$default/GET/" + strings.Repeat("x", MaxResourceLen),
	} {
		if _, err := ParseRouteARN(in); !errors.Is(err, ErrBadMethodARN) || strings.Contains(err.Error(), "abc") {
			t.Errorf("ParseRouteARN(%q) = %v, want ErrBadMethodARN without the input", in, err)
		}
	}
}

package policy

import (
	"errors"
	"testing"
)

func FuzzParseMethodARN(f *testing.F) {
	for _, s := range []string{
		testARN,
		"arn:aws:execute-api:us-east-1:123456789012:abc123/dev/GET/",
		"arn:aws-us-gov:execute-api:us-gov-west-1:123456789012:abc/Prod_2/OPTIONS/a/b/c",
		`arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/it's "x"`,
		"arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/a*b",
		"arn:aws:execute-api:eu-west-1:*:abc123/*/*/*",
		"arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET",
		"arn:aws:execute-api:eu-west-1:123456789012:abc123/$default/GET/x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		// ParseRouteARN is ParseMethodARN with $default as a stage.
		r, rerr := ParseRouteARN(s)
		if rerr != nil && !errors.Is(rerr, ErrBadMethodARN) {
			t.Fatalf("ParseRouteARN(%q) error %v does not match ErrBadMethodARN", s, rerr)
		}
		if rerr == nil && r.String() != s {
			t.Fatalf("ParseRouteARN(%q).String() = %q", s, r.String())
		}
		a, err := ParseMethodARN(s)
		if (err == nil) != (rerr == nil && r.Stage != DefaultStage) || err == nil && a != r {
			t.Fatalf("ParseMethodARN(%q) = %+v, %v; ParseRouteARN = %+v, %v", s, a, err, r, rerr)
		}
		if err != nil {
			if !errors.Is(err, ErrBadMethodARN) {
				t.Fatalf("ParseMethodARN(%q) error %v does not match ErrBadMethodARN", s, err)
			}
			return
		}
		if got := a.String(); got != s {
			t.Fatalf("ParseMethodARN(%q).String() = %q", s, got)
		}
		b, err := ParseMethodARN(a.String())
		if err != nil || b != a {
			t.Fatalf("reparse of %q = %+v, %v, want %+v", s, b, err, a)
		}
		if len(a.StageResource()) > MaxResourceLen {
			t.Fatalf("StageResource() of %q is %d bytes", s, len(a.StageResource()))
		}
	})
}

func BenchmarkParseMethodARN(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseMethodARN(testARN); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStageResource(b *testing.B) {
	a, err := ParseMethodARN(testARN)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = a.StageResource()
	}
}

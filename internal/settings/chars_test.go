package settings

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// The regular expressions the checks of chars.go replace: the independent
// evaluators of the property test below.
var (
	userPoolIDRE = regexp.MustCompile(`^([a-z]{2}(?:-[a-z]+)+-[0-9]{1,2})_([0-9A-Za-z]{1,40})$`)
	clientIDRE   = regexp.MustCompile(`^[\w+]{1,128}$`)
	headerRE     = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$")
	tableNameRE  = regexp.MustCompile(`^[A-Za-z0-9_.-]{3,255}$`)
	tableARNRE   = regexp.MustCompile(`^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:[0-9]{12}:table/[A-Za-z0-9_.-]{3,255}$`)
)

// TestCharsAgreeWithTheirRegexps generates strings near each syntax (valid
// ones, cut, grown and mutated with characters from its class and beyond)
// and checks that each check answers as its regular expression does.
func TestCharsAgreeWithTheirRegexps(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+.:/!#$%&'*^`|~ \t\"é\x00"
	mutate := func(s string) string {
		b := []byte(s)
		for n := r.IntN(4); n > 0; n-- {
			switch op := r.IntN(4); {
			case op == 0 && len(b) > 0:
				i := r.IntN(len(b))
				b = append(b[:i], b[i+1:]...)
			case op == 1:
				i := r.IntN(len(b) + 1)
				b = append(b[:i], append([]byte{alphabet[r.IntN(len(alphabet))]}, b[i:]...)...)
			case op == 2 && len(b) > 0:
				b[r.IntN(len(b))] = alphabet[r.IntN(len(alphabet))]
			case op == 3:
				b = append(b, b...)
			}
		}
		return string(b)
	}
	seeds := map[string][]string{
		"pool":   {"eu-west-1_AbC123xyz", "us-gov-west-1_x", "ap-southeast-22_" + strings.Repeat("a", 40), "eu-west-1_" + strings.Repeat("a", 41), "e-west-1_a", "eu-west-100_a", "eu--west-1_a", "eu-1_a"},
		"client": {"1example23456789", "a+b_c", strings.Repeat("z", 128), strings.Repeat("z", 129), ""},
		"header": {"Authorization", "x-token", "a!#$%&'*+.^_`|~-", strings.Repeat("h", 128), strings.Repeat("h", 129)},
		"table":  {"notes", "ab", "a.b-c_d", strings.Repeat("t", 255), strings.Repeat("t", 256)},
		"arn":    {"arn:aws:dynamodb:eu-west-1:123456789012:table/notes", "arn:aws-us-gov:dynamodb:us-gov-west-1:123456789012:table/a.b", "arn:aws:dynamodb:eu-west-1:12345678901:table/notes", "arn:aws:dynamodb::123456789012:table/notes"},
	}
	checks := map[string]struct {
		got  func(string) bool
		want *regexp.Regexp
	}{
		"pool":   {func(s string) bool { _, ok := userPoolParts(s); return ok }, userPoolIDRE},
		"client": {isClientID, clientIDRE},
		"header": {isHeaderToken, headerRE},
		"table":  {isTableNameChars, tableNameRE},
		"arn":    {isTableARN, tableARNRE},
	}
	for name, c := range checks {
		n, valid := 0, 0
		for _, seed := range seeds[name] {
			for i := 0; i < 4000; i++ {
				s := seed
				if i > 0 {
					s = mutate(seed)
				}
				want := c.want.MatchString(s)
				if got := c.got(s); got != want {
					t.Errorf("%s %q: check says %v, the regexp %v", name, s, got, want)
				}
				if name == "pool" && want {
					if region, _ := userPoolParts(s); region != c.want.FindStringSubmatch(s)[1] {
						t.Errorf("pool %q: region %q, the regexp's %q", s, region, c.want.FindStringSubmatch(s)[1])
					}
				}
				n++
				if want {
					valid++
				}
			}
		}
		// Both answers must have been searched.
		if valid == 0 || valid == n {
			t.Errorf("%s: %d of %d generated strings valid: the generator searches one side only", name, valid, n)
		}
	}
}

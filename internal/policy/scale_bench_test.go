package policy

import (
	"strconv"
	"strings"
	"testing"
)

// BenchmarkParseRulesScale measures what ROUTE_RULES cost at init as the
// rule set grows to 10, 100 and 500 rules, groups only (manyRules) and
// every other rule a user's own notes through bind (manyBindRules): the
// whole of ParseRules where the set fits MaxPolicySize, and the overlap
// check alone at every size (500 rules exceed MaxPolicySize, so their set
// is parsed in parts of 100 and joined for the check).
func BenchmarkParseRulesScale(b *testing.B) {
	for _, n := range []int{10, 100, 500} {
		for _, set := range []struct {
			name string
			data string
		}{{"groups", manyRules(n)}, {"bind", manyBindRules(n)}} {
			name := set.name + "/" + strconv.Itoa(n)
			if n <= 100 {
				data := []byte(set.data)
				b.Run(name+"/parse", func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						if _, err := ParseRules(data); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
			rs := parseInParts(b, set.data, 100)
			if rs.Len() != n {
				b.Fatalf("%s: %d rules parsed, want %d", name, rs.Len(), n)
			}
			b.Run(name+"/overlaps", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if err := rs.checkOverlaps(); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// parseInParts parses the rules of a many*Rules set (one rule a line) in
// parts of size and joins them, unchecked for overlaps.
func parseInParts(b *testing.B, data string, size int) *Rules {
	b.Helper()
	lines := strings.Split(strings.TrimSuffix(strings.TrimPrefix(data, "["), "]"), ",\n")
	all := &Rules{}
	for i := 0; i < len(lines); i += size {
		part, err := parseRules([]byte("["+strings.Join(lines[i:min(i+size, len(lines))], ",\n")+"]"), false)
		if err != nil {
			b.Fatal(err)
		}
		all.rules = append(all.rules, part.rules...)
	}
	return all
}

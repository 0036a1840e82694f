package policy

import (
	"slices"
	"strings"
)

// resourceSuffixes returns the parts of r's resources after <stage>/:
// <METHOD>/<path>, each variable as value(segment index) when value is
// non-nil and returns non-empty, else as IAM's '*'. ANY is written out as
// one resource per method rather than '*': IAM's '*' matches across '/', so
// */notes would also cover GET/internal/secret/notes. The root is
// <METHOD>/, as in the root's methodArn.
func (r *rule) resourceSuffixes(value func(seg int) string) []string {
	var b strings.Builder
	for i, s := range r.segs {
		b.WriteByte('/')
		if s.kind == segLiteral {
			b.WriteString(s.text)
			continue
		}
		if value != nil {
			if v := value(i); v != "" {
				b.WriteString(v)
				continue
			}
		}
		b.WriteByte('*')
	}
	path := b.String()
	if path == "" {
		path = "/"
	}
	if r.method != "ANY" {
		return []string{r.method + path}
	}
	out := make([]string, len(methods))
	for i, m := range methods {
		out[i] = m + path
	}
	return out
}

// matchRoute reports whether r is an API Gateway method that serves method
// and the request path's segments, and how specifically: of two matching
// rules, the one whose score is greater as a string wins, as API Gateway
// prefers, segment by segment, a literal to {name} and {name} to {name+},
// and then a method to ANY. Segments with greedy variables differ in length,
// but a greedy variable scores lowest at its position, so comparison is
// decided there.
func (r *rule) matchRoute(method string, segs []string, score []byte) ([]byte, bool) {
	if r.method != method && r.method != "ANY" {
		return nil, false
	}
	score = score[:0]
	for i, s := range r.segs {
		if s.kind == segGreedy {
			if i >= len(segs) || !slices.ContainsFunc(segs[i:], func(s string) bool { return s != "" }) {
				return nil, false
			}
			score = append(score, '0')
			segs = segs[:i+1] // consumed
			break
		}
		if i >= len(segs) || segs[i] == "" {
			return nil, false
		}
		if s.kind == segLiteral {
			if segs[i] != s.text {
				return nil, false
			}
			score = append(score, '2')
		} else {
			score = append(score, '1')
		}
	}
	if len(segs) != len(r.segs) {
		return nil, false
	}
	if r.method == "ANY" {
		return append(score, '0'), true
	}
	return append(score, '1'), true
}

// splitPath splits a request path (without its leading slash) into
// segments; the root has none. API Gateway routes a path with a trailing
// slash as the path without it (GET /users/bob/notes/ to GET
// /users/{userId}/notes), so one trailing slash is dropped.
func splitPath(path string) []string {
	path = strings.TrimSuffix(path, "/")
	if path == "" {
		return nil
	}
	return strings.Split(path, "/")
}

// globMatch reports whether s matches IAM's pattern p: '*' matches any run
// of characters, '/' included, '?' any one character; the rest is literal
// and case-sensitive.
func globMatch(p, s string) bool {
	// The literal part before the first wildcard, compared at once: every
	// resource of a policy starts with the same long stage prefix.
	switch i := firstWildcard(p); {
	case i < 0:
		return p == s
	case i > 0:
		if !strings.HasPrefix(s, p[:i]) {
			return false
		}
		p, s = p[i:], s[i:]
	}
	// The classic linear-space backtracking over the last '*'.
	pi, si := 0, 0
	star, mark := -1, 0
	for si < len(s) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == s[si]) && p[pi] != '*':
			pi++
			si++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, si
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// firstWildcard is the index of p's first '*' or '?', or -1.
func firstWildcard(p string) int {
	i, j := strings.IndexByte(p, '*'), strings.IndexByte(p, '?')
	if i < 0 || (j >= 0 && j < i) {
		return j
	}
	return i
}

// evaluate answers like IAM whether d allows resource: an explicit Deny
// wins, then any Allow; nothing matching is a deny.
func evaluate(d Document, resource string) bool {
	allowed := false
	for _, st := range d.Statement {
		for _, p := range st.Resource {
			if !globMatch(p, resource) {
				continue
			}
			if st.Effect == string(Deny) {
				return false
			}
			allowed = true
		}
	}
	return allowed
}

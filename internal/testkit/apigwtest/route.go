package apigwtest

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// methods are the HTTP methods a REST API's methods take; ANY stands for
// all of them.
var methods = []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}

// segKind is what a segment of a resource path is.
type segKind byte

const (
	segLiteral segKind = iota
	segVar             // {name}: one segment
	segGreedy          // {name+}: one or more, last only
)

// segment is one part of a resource path.
type segment struct {
	kind segKind
	text string // the literal, or the variable's name
}

// parseResource reads a resource path such as /users/{userId}/notes or
// /files/{proxy+}.
func parseResource(path string) ([]segment, error) {
	if !strings.HasPrefix(path, "/") {
		return nil, fmt.Errorf("resource path %q does not start with /", path)
	}
	if path == "/" {
		return nil, nil
	}
	parts := strings.Split(path[1:], "/")
	segs := make([]segment, len(parts))
	for i, p := range parts {
		switch {
		case p == "":
			return nil, fmt.Errorf("resource path %q has an empty segment", path)
		case strings.HasPrefix(p, "{") && strings.HasSuffix(p, "+}"):
			if i != len(parts)-1 {
				return nil, fmt.Errorf("resource path %q: %s is not the last segment", path, p)
			}
			segs[i] = segment{segGreedy, p[1 : len(p)-2]}
		case strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}"):
			segs[i] = segment{segVar, p[1 : len(p)-1]}
		default:
			segs[i] = segment{segLiteral, p}
		}
	}
	return segs, nil
}

// match reports whether segs, a resource path, serves the request path's
// (escaped) parts, with the path parameters, and how specifically: a
// greater score (compared as a string) wins, as API Gateway prefers,
// segment by segment, a literal to {name} and {name} to {name+}.
func match(segs []segment, parts []string) (score string, params map[string]string, ok bool) {
	var b strings.Builder
	for i, s := range segs {
		if i >= len(parts) {
			return "", nil, false
		}
		switch s.kind {
		case segLiteral:
			if unescape(parts[i]) != s.text {
				return "", nil, false
			}
			b.WriteByte('2')
		case segVar:
			if params == nil {
				params = map[string]string{}
			}
			params[s.text] = unescape(parts[i])
			b.WriteByte('1')
		case segGreedy:
			if params == nil {
				params = map[string]string{}
			}
			rest := make([]string, len(parts)-i)
			for j, p := range parts[i:] {
				rest[j] = unescape(p)
			}
			params[s.text] = strings.Join(rest, "/")
			b.WriteByte('0')
			return b.String(), params, true
		}
	}
	if len(parts) != len(segs) {
		return "", nil, false
	}
	return b.String(), params, true
}

func unescape(s string) string {
	if u, err := url.PathUnescape(s); err == nil {
		return u
	}
	return s
}

// requestParts splits an escaped request path into its segments for
// routing. API Gateway routes /notes/ as /notes; a path with an empty
// segment elsewhere matches no resource.
func requestParts(escapedPath string) ([]string, bool) {
	p := strings.TrimPrefix(escapedPath, "/")
	p = strings.TrimSuffix(p, "/")
	if p == "" {
		return nil, true
	}
	parts := strings.Split(p, "/")
	if slices.Contains(parts, "") {
		return nil, false
	}
	return parts, true
}

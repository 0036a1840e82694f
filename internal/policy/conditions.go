package policy

import (
	"fmt"
	"slices"
)

// condition checks one condition set of r.
func (r *rule) condition(j conditionJSON) (condition, error) {
	var c condition
	var err error
	if c.groups, err = nonEmpty("groups", j.Groups); err != nil {
		return c, err
	}
	if c.scopes, err = nonEmpty("scopes", j.Scopes); err != nil {
		return c, err
	}
	if j.Claims != nil && len(j.Claims) == 0 {
		return c, fmt.Errorf("%w: claims is an empty object", ErrEmptyCondition)
	}
	for _, name := range sortedKeys(j.Claims) {
		if name == "" {
			return c, fmt.Errorf("%w: claims has an empty claim name", ErrEmptyCondition)
		}
		vs, err := nonEmpty("claims."+name, j.Claims[name])
		if err != nil {
			return c, err
		}
		if vs == nil {
			return c, fmt.Errorf("%w: claims.%s lists no value", ErrEmptyCondition, name)
		}
		c.claims = append(c.claims, claimCond{name, vs})
	}
	if j.Bind != nil && len(j.Bind) == 0 {
		return c, fmt.Errorf("%w: bind is an empty object", ErrEmptyCondition)
	}
	for _, v := range sortedKeys(j.Bind) {
		seg := slices.IndexFunc(r.segs, func(s segment) bool { return s.kind != segLiteral && s.text == v })
		if seg < 0 {
			return c, fmt.Errorf("%w: bind %q: the path has no variable {%s}", ErrUnboundVar, v, v)
		}
		if j.Bind[v] == "" {
			return c, fmt.Errorf("%w: bind %q names no claim", ErrEmptyCondition, v)
		}
		c.binds = append(c.binds, bindCond{seg, j.Bind[v]})
	}
	return c, nil
}

// nonEmpty refuses an empty list or an empty string in one; a missing list
// stays nil.
func nonEmpty(field string, vs []string) ([]string, error) {
	if vs == nil {
		return nil, nil
	}
	if len(vs) == 0 {
		return nil, fmt.Errorf("%w: %s is an empty list", ErrEmptyCondition, field)
	}
	if slices.Contains(vs, "") {
		return nil, fmt.Errorf("%w: %s holds an empty string", ErrEmptyCondition, field)
	}
	return vs, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

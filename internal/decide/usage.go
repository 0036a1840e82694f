package decide

import (
	"fmt"

	"github.com/gatehouse-dev/cognito-authorizer/internal/identity"
	"github.com/gatehouse-dev/cognito-authorizer/internal/verify"
)

// The bounds of a usage identifier key: an API Gateway API key's value is
// 20 to 128 characters; the characters are those of base64 (standard and
// URL-safe) and of URL-unreserved text, which every key API Gateway
// generates and every key a tenant table is likely to hold fit in.
const (
	MinUsageKey = 20
	MaxUsageKey = 128
)

// WithUsageIdentifier reads the caller's API key (for API Gateway's usage
// plans, the API key source AUTHORIZER) from the verified claim named
// claim, into Decision.UsageKey. A token whose claim is not a string of
// MinUsageKey to MaxUsageKey characters of [A-Za-z0-9._~+/=-] is denied
// over the stage with ReasonNoUsageKey; so is a token without it when
// required, and one without it is decided without a key otherwise. The
// claim is left out of the context, unless it is one of the identity keys
// the endpoints read. An empty claim (the default) reads no key; New
// panics if required is set without a claim.
func WithUsageIdentifier(claim string, required bool) Option {
	return func(d *Decider) {
		if claim == "" && required {
			panic("decide.WithUsageIdentifier: required without a claim")
		}
		d.usageClaim, d.usageRequired = claim, required
	}
}

// usageKey reads the usage identifier claim. The errors it returns never
// hold the claim's value, which is an API key.
func (d *Decider) usageKey(c *verify.Claims) (string, error) {
	v, ok := c.Claim(d.usageClaim)
	if !ok || v == nil {
		if d.usageRequired {
			return "", fmt.Errorf("usage identifier claim %q is missing", d.usageClaim)
		}
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("usage identifier claim %q is a %s, want a string", d.usageClaim, jsonType(v))
	}
	if len(s) < MinUsageKey || len(s) > MaxUsageKey {
		return "", fmt.Errorf("usage identifier claim %q has %d bytes, want %d to %d characters", d.usageClaim, len(s), MinUsageKey, MaxUsageKey)
	}
	if i := badUsageKeyByte(s); i >= 0 {
		return "", fmt.Errorf("usage identifier claim %q has a character outside A-Za-z0-9._~+/=- at byte %d", d.usageClaim, i)
	}
	return s, nil
}

// IsUsageKey reports whether s can be a usage identifier key: MinUsageKey
// to MaxUsageKey characters of [A-Za-z0-9._~+/=-].
func IsUsageKey(s string) bool {
	return len(s) >= MinUsageKey && len(s) <= MaxUsageKey && badUsageKeyByte(s) < 0
}

// badUsageKeyByte returns the index of the first byte of s outside
// [A-Za-z0-9._~+/=-], or -1.
func badUsageKeyByte(s string) int {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '.', c == '_', c == '~', c == '+', c == '/', c == '=', c == '-':
		default:
			return i
		}
	}
	return -1
}

// identityKey reports whether a claim's name is one of the context keys
// the endpoints read (package identity): those stay in the context even
// when they hold the usage key, as a user's sub may.
func identityKey(name string) bool {
	switch name {
	case identity.KeySub, identity.KeyUsername, identity.KeyEmail, identity.KeyGroups,
		identity.KeyTokenUse, identity.KeyClientID, identity.KeyScope, identity.KeyIssuer:
		return true
	}
	return false
}

// jsonType names a decoded JSON value's type, for errors that must not
// show the value.
func jsonType(v any) string {
	switch v.(type) {
	case float64:
		return "number"
	case bool:
		return "boolean"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

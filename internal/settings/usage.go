package settings

import (
	"unicode"
	"unicode/utf8"
)

// MaxUsageIdentifierClaim bounds USAGE_IDENTIFIER_CLAIM, as an oidc
// entry's groupsClaim is bounded.
const MaxUsageIdentifierClaim = 256

var (
	usageIdentifierClaimSetting = Setting{
		Name: EnvUsageIdentifierClaim,
		Doc: "REST APIs: the claim whose value becomes the answer's `usageIdentifierKey`, the API key of the caller's usage plan (the API's key source `AUTHORIZER`), e.g. `custom:tenant_key`. " +
			"The value must be a string of 20 to 128 characters of `A-Z a-z 0-9 . _ ~ + / = -`; any other value is refused (Deny, reason `no_usage_key`). " +
			"The claim is left out of the context. Only a claim users cannot write (see Usage plans). Unset: no key.",
	}
	usageIdentifierRequiredSetting = Setting{
		Name:    EnvUsageIdentifierRequired,
		Default: "false",
		Doc:     "`true`: a token without the usage identifier claim is refused (Deny, reason `no_usage_key`); `false`: it is answered without a key. `true` needs `USAGE_IDENTIFIER_CLAIM`.",
	}
)

// Usage is the usage identifier's validated configuration.
type Usage struct {
	// Claim names the claim holding the caller's API key; empty: none.
	Claim string
	// Required refuses a token without the claim.
	Required bool
}

// loadUsage reads USAGE_IDENTIFIER_CLAIM and USAGE_IDENTIFIER_REQUIRED.
func loadUsage(p *problems, get func(string) string) Usage {
	u := Usage{Claim: get(EnvUsageIdentifierClaim)}
	if u.Claim != "" && !isClaimName(u.Claim) {
		p.add(EnvUsageIdentifierClaim, "%.40q is not a claim name: at most %d bytes of UTF-8 text without control characters, e.g. custom:tenant_key",
			u.Claim, MaxUsageIdentifierClaim)
	}
	switch v := get(EnvUsageIdentifierRequired); v {
	case "", "false":
	case "true":
		u.Required = true
		if u.Claim == "" {
			p.add(EnvUsageIdentifierRequired, "true needs %s, the claim holding the key", EnvUsageIdentifierClaim)
		}
	default:
		p.add(EnvUsageIdentifierRequired, "%q is not a boolean: want true or false", v)
	}
	return u
}

// isClaimName reports whether s can name a claim in the settings: a short
// line of text, so that a mistyped value (a JSON object, a pasted key)
// stops the function at init.
func isClaimName(s string) bool {
	if s == "" || len(s) > MaxUsageIdentifierClaim || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

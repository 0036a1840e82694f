package verify

import "slices"

// Identity is who a verified token says the caller is, as the issuer's Check
// read it from the claims. Only what the issuer vouches for is here: an email
// address, for one, only when the issuer marks it verified.
type Identity struct {
	// Issuer is the token's iss.
	Issuer string
	// Subject is the caller's immutable id (sub).
	Subject string
	// Username is the caller's name at the issuer, if it has one.
	Username string
	// ClientID is the application the token was issued to.
	ClientID string
	// TokenUse is the kind of token, e.g. Cognito's "id" or "access".
	TokenUse string
	// Email is the caller's verified email address, else empty.
	Email string
	// Groups are the caller's groups.
	Groups []string
	// Scopes are the OAuth scopes the token grants.
	Scopes []string
	// Unverified names claims the token carries but the issuer does not
	// vouch for (Cognito's email while email_verified is not true): Claim
	// and the authorizer's context leave them out.
	Unverified []string
}

// Claims are the claims of a verified token. Verify returns them only once
// the token's signature and every rule of its issuer hold.
//
// Claims keep every claim in one map rather than in a struct embedding
// jwt.RegisteredClaims: the authorizer passes all of them (custom attributes
// included) to API Gateway, and jwt decodes a map in one pass.
type Claims struct {
	raw map[string]any
	id  Identity
}

// Identity returns who the token says the caller is.
func (c *Claims) Identity() *Identity { return &c.id }

// Subject returns sub, the caller's immutable id.
func (c *Claims) Subject() string { return c.id.Subject }

// Groups returns the caller's groups.
func (c *Claims) Groups() []string { return c.id.Groups }

// Scopes returns the OAuth scopes the token grants.
func (c *Claims) Scopes() []string { return c.id.Scopes }

// Claim returns one claim as decoded from JSON (numbers are float64), or
// false if the token has none or the issuer does not vouch for it.
func (c *Claims) Claim(name string) (any, bool) {
	if slices.Contains(c.id.Unverified, name) {
		return nil, false
	}
	v, ok := c.raw[name]
	return v, ok
}

// Map returns every claim as decoded from JSON (numbers are float64),
// unverified ones included: check Identity().Unverified. The map belongs to
// the Claims: callers must not change it.
func (c *Claims) Map() map[string]any { return c.raw }

// Package identity is the one place where the authorizer and the endpoints it
// protects agree on the keys of API Gateway's authorizer context.
//
// The authorizer writes these keys into the policy's context; API Gateway
// passes them, as strings, in requestContext.authorizer of every request it
// let through. An endpoint reads them with FromAuthorizer and never looks at
// the token itself.
package identity

import (
	"errors"
	"fmt"
	"strings"
)

// Context keys written by the authorizer. Each but Username is the name of
// the claim it carries (Scope only in access tokens); every other claim the
// issuer vouches for is passed under its own name too.
const (
	// KeySub is the user's immutable id (the token's sub; also principalId).
	KeySub = "sub"
	// KeyUsername is the user's name at the issuer: a Cognito access
	// token's username or ID token's cognito:username, an OpenID provider's
	// preferred_username; empty for machine clients. Not unique across
	// issuers: sub (with iss) is the caller's id.
	KeyUsername = "username"
	// KeyEmail is the user's email address, present in ID tokens whose pool
	// shares it.
	KeyEmail = "email"
	// KeyGroups is the caller's groups, as route rules read them (Cognito's
	// cognito:groups, or an OpenID provider's groups claim), joined with
	// commas. Cognito
	// allows commas in group names; a pool that uses them cannot have its
	// groups told apart here (the authorizer's own REQUIRED_GROUPS check
	// reads the token, not this list).
	KeyGroups = "cognito:groups"
	// KeyTokenUse is "id" or "access".
	KeyTokenUse = "token_use"
	// KeyClientID is the app client the token was issued to (a Cognito ID
	// token's aud, an access token's client_id; an OpenID provider's azp,
	// client_id or matched audience).
	KeyClientID = "client_id"
	// KeyScope is the access token's space-separated OAuth scopes.
	KeyScope = "scope"
	// KeyIssuer is the issuer that verified the token (its iss).
	KeyIssuer = "iss"
)

// ErrNoPrincipal reports a request that carries no authenticated user: the
// method was deployed without the authorizer, or the context lost its sub.
var ErrNoPrincipal = errors.New("no authenticated principal in the authorizer context")

// Principal is the signed-in user as the authorizer described them.
type Principal struct {
	Sub      string
	Username string
	Email    string
	Groups   []string
}

// FromAuthorizer reads the principal from requestContext.authorizer. API
// Gateway passes context values as strings; anything else under these keys is
// treated as absent, and a missing or empty sub is ErrNoPrincipal.
func FromAuthorizer(authorizer map[string]any) (Principal, error) {
	sub := stringValue(authorizer, KeySub)
	if sub == "" {
		return Principal{}, ErrNoPrincipal
	}
	if len(sub) > 128 {
		return Principal{}, fmt.Errorf("%w: sub is %d bytes long", ErrNoPrincipal, len(sub))
	}
	p := Principal{
		Sub:      sub,
		Username: stringValue(authorizer, KeyUsername),
		Email:    stringValue(authorizer, KeyEmail),
	}
	if g := stringValue(authorizer, KeyGroups); g != "" {
		p.Groups = strings.Split(g, ",")
	}
	return p, nil
}

func stringValue(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

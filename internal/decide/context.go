package decide

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/gatehouse-dev/cognito-authorizer/internal/identity"
	"github.com/gatehouse-dev/cognito-authorizer/internal/verify"
)

// Context flattens a token's claims into what API Gateway accepts in an
// authorizer context: strings, numbers and booleans. Arrays of strings, such
// as cognito:groups, become their elements joined with commas; objects and
// other arrays become JSON text.
//
// Keys the authorizer sets itself come from the verified identity and no
// claim can override them: identity.KeyUsername (the user's name, whichever
// the kind of token), identity.KeyClientID (the app client) and
// identity.KeyEmail (only an address the issuer marks verified),
// identity.KeyIssuer (the issuer that verified the token) and
// identity.KeyGroups (the groups route rules read: Cognito's
// cognito:groups, or an OpenID provider's groups claim). A claim
// named principalId, which API Gateway also fills in, or with an empty name
// is dropped, and so is any claim the issuer does not vouch for (an
// unverified phone_number).
func Context(c *verify.Claims) map[string]any {
	claims := c.Map()
	id := c.Identity()
	ctx := make(map[string]any, len(claims)+3)
	for k, v := range claims {
		if reserved(k) || slices.Contains(id.Unverified, k) {
			continue
		}
		switch v := v.(type) {
		case string, float64, bool:
			ctx[k] = v
		case nil:
		case []any:
			ctx[k] = joinStrings(v)
		default:
			b, _ := json.Marshal(v)
			ctx[k] = string(b)
		}
	}
	ctx[identity.KeyUsername] = id.Username
	ctx[identity.KeyClientID] = id.ClientID
	ctx[identity.KeyIssuer] = id.Issuer
	if len(id.Groups) > 0 {
		// The groups route rules read, whichever the issuer's claim.
		ctx[identity.KeyGroups] = strings.Join(id.Groups, ",")
	}
	if id.Email != "" {
		ctx[identity.KeyEmail] = id.Email
	}
	return ctx
}

// reserved reports whether a claim's name is one of the keys the authorizer
// or API Gateway writes.
func reserved(name string) bool {
	switch name {
	case "", identity.KeyUsername, identity.KeyClientID, identity.KeyEmail, identity.KeyIssuer, identity.KeyGroups, "principalId":
		return true
	}
	return false
}

// joinStrings joins an array of strings with commas, as API Gateway users
// expect cognito:groups. An array holding anything else is kept whole as
// JSON text (Cognito's identities claim is an array of objects).
func joinStrings(v []any) string {
	parts := make([]string, 0, len(v))
	for _, e := range v {
		s, ok := e.(string)
		if !ok {
			b, _ := json.Marshal(v)
			return string(b)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ",")
}

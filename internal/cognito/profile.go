package cognito

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"

	"github.com/gatehouse-dev/cognito-authorizer/internal/verify"
)

// TokenUse is a Cognito token's token_use claim.
type TokenUse string

// The two kinds of token a user pool issues to a signed-in user.
const (
	IDToken     TokenUse = "id"
	AccessToken TokenUse = "access"
)

// Pool says which of a user pool's tokens are accepted.
type Pool struct {
	// ID is the pool, e.g. eu-west-1_AbC123xyz. Its issuers are the only
	// ones accepted.
	ID string
	// ClientIDs are the app clients whose tokens are accepted.
	ClientIDs []string
	// TokenUses are the kinds of token accepted.
	TokenUses []TokenUse
}

// Issuer returns the pool as an issuer of package verify whose keys are read
// from keys.
func (p Pool) Issuer(keys jwkset.Storage) (verify.Issuer, error) {
	names, err := Issuers(p.ID)
	if err != nil {
		return verify.Issuer{}, err
	}
	if len(p.ClientIDs) == 0 {
		return verify.Issuer{}, errors.New("no app client ids")
	}
	if len(p.TokenUses) == 0 {
		return verify.Issuer{}, errors.New("no token uses")
	}
	for _, u := range p.TokenUses {
		if u != IDToken && u != AccessToken {
			return verify.Issuer{}, fmt.Errorf("unknown token use %q", u)
		}
	}
	if keys == nil {
		return verify.Issuer{}, errors.New("no key source")
	}
	r := &rules{clients: slices.Clone(p.ClientIDs), uses: slices.Clone(p.TokenUses)}
	return verify.Issuer{Names: names, Keys: keys, Check: r.check}, nil
}

// rules are the Cognito checks that jwt's validator does not make.
type rules struct {
	clients []string
	uses    []TokenUse
}

// check applies a user pool's rules: sub is present, token_use is accepted,
// and the token was issued to one of the app clients (aud of an ID token,
// client_id of an access token, which has no aud). It reads the caller's
// identity the way Cognito writes it for each kind of token.
func (r *rules) check(claims map[string]any) (verify.Identity, error) {
	var id verify.Identity
	sub, ok := claims["sub"].(string)
	if !ok || sub == "" || len(sub) > 128 {
		return id, fmt.Errorf("%w: sub missing, empty or longer than 128 bytes", verify.ErrInvalidClaims)
	}
	id.Subject = sub
	use, _ := claims["token_use"].(string)
	if !slices.Contains(r.uses, TokenUse(use)) {
		return id, fmt.Errorf("%w: token_use %.20q", verify.ErrWrongTokenUse, use)
	}
	id.TokenUse = use
	switch TokenUse(use) {
	case IDToken:
		aud, err := jwt.MapClaims(claims).GetAudience()
		if err != nil {
			return id, fmt.Errorf("%w: aud: %w", verify.ErrInvalidClaims, err)
		}
		if len(aud) != 1 {
			return id, fmt.Errorf("%w: an ID token has one aud, this one has %d", verify.ErrWrongClient, len(aud))
		}
		id.ClientID = aud[0]
		if _, ok := claims["client_id"]; ok {
			return id, fmt.Errorf("%w: an ID token carries no client_id", verify.ErrInvalidClaims)
		}
		id.Username = str(claims, "cognito:username")
	case AccessToken:
		id.ClientID = str(claims, "client_id")
		id.Username = str(claims, "username")
	}
	// Cognito's access tokens carry no email or phone_number, but a
	// pre-token-generation trigger can add them, with or without their
	// *_verified claims: either kind of token vouches for them only
	// together with a *_verified claim that is true in the same token.
	if verified(claims, "email_verified") {
		id.Email = str(claims, "email")
	} else if _, ok := claims["email"]; ok {
		id.Unverified = append(id.Unverified, "email")
	}
	if _, ok := claims["phone_number"]; ok && !verified(claims, "phone_number_verified") {
		id.Unverified = append(id.Unverified, "phone_number")
	}
	if !slices.Contains(r.clients, id.ClientID) {
		return id, fmt.Errorf("%w: %.80q", verify.ErrWrongClient, id.ClientID)
	}
	if g, ok := claims["cognito:groups"]; ok {
		groups, err := stringList(g)
		if err != nil {
			return id, fmt.Errorf("%w: cognito:groups: %w", verify.ErrInvalidClaims, err)
		}
		id.Groups = groups
	}
	if s, ok := claims["scope"]; ok {
		scope, isString := s.(string)
		if !isString {
			return id, fmt.Errorf("%w: scope is not a string", verify.ErrInvalidClaims)
		}
		id.Scopes = strings.Fields(scope)
	}
	return id, nil
}

// verified reads a Cognito *_verified claim: a boolean, or the string
// "true" in some pools' ID tokens.
func verified(claims map[string]any, name string) bool {
	return claims[name] == true || claims[name] == "true"
}

func str(claims map[string]any, name string) string {
	s, _ := claims[name].(string)
	return s
}

func stringList(v any) ([]string, error) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("element of type %T, want string", e)
			}
			out = append(out, s)
		}
		return out, nil
	default:
		return nil, fmt.Errorf("type %T, want an array of strings", v)
	}
}

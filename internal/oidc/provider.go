// Package oidc is the OpenID Connect issuer profile of package verify: the
// rules for the tokens of any OpenID provider (Auth0, Okta, Entra ID,
// Keycloak, Google, ...) beside package cognito's for user pools, and the
// provider's key set found by OpenID Connect Discovery.
//
// A Provider says which of an issuer's tokens are accepted: its exact iss,
// the audiences (an API's identifier or a client id), the signing
// algorithms, and the claims that carry groups and scopes, which providers
// name differently. Keys finds the provider's jwks_uri in its discovery
// document on first use, in the calling invocation, and from then on reads
// the keys through a jwks.Cache.
package oidc

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/MicahParks/jwkset"

	"github.com/gatehouse-dev/cognito-authorizer/internal/jwks"
	"github.com/gatehouse-dev/cognito-authorizer/internal/verify"
)

// Defaults of a Provider's fields left empty.
const (
	DefaultAlgorithm   = "RS256"
	DefaultGroupsClaim = "groups"
	DefaultScopeClaim  = "scope"
)

// Bounds on the claims Check reads. A token is at most verify.MaxTokenSize
// bytes; these keep one value, or a list of many short ones, from becoming
// an identity that is costly to match rules against or to log.
const (
	// MaxSubjectSize is the longest sub accepted, in bytes: the endpoints
	// behind the authorizer refuse a longer one (identity.FromAuthorizer).
	MaxSubjectSize = 128
	// MaxListLength is the most groups, scopes or audiences accepted.
	MaxListLength = 1000
	// MaxNameSize is the longest group, scope or client id (azp,
	// client_id) accepted, in bytes.
	MaxNameSize = 256
)

// Provider says which of an OpenID provider's tokens are accepted.
type Provider struct {
	// IssuerURL is the provider's iss, exactly as its tokens and its
	// discovery document carry it: a trailing slash is part of it. (The
	// field is not named Issuer: that is the method, as cognito.Pool's.)
	IssuerURL string
	// Audiences are the aud values accepted; a token must carry one.
	Audiences []string
	// Algorithms are the JWS algorithms accepted; nil means RS256.
	Algorithms []string
	// GroupsClaim names the claim that lists the caller's groups, e.g.
	// "roles" or "https://example.com/groups"; empty means "groups".
	GroupsClaim string
	// ScopeClaim names the claim of the granted scopes: "scope" (RFC 9068,
	// a space-separated string) or "scp" (Okta and Entra ID, an array or
	// a space-separated string); empty means "scope".
	ScopeClaim string
}

// Issuer returns the provider as an issuer of package verify whose keys are
// read from keys (a *Keys, or a *jwks.Cache when the JWKS URL is known).
//
// Its Check requires sub, and an aud of the provider's Audiences. It reads
// the identity as OpenID Connect Core §5.1 writes it: ClientID is azp, else
// client_id (RFC 9068), else the audience matched; Username is
// preferred_username; Email only when email_verified is true. TokenUse
// stays empty: OpenID Connect has no token_use, and a token_use claim of
// a provider's own is left to the rules that read claims.
func (p Provider) Issuer(keys jwkset.Storage) (verify.Issuer, error) {
	if p.IssuerURL == "" {
		return verify.Issuer{}, errors.New("oidc: no issuer")
	}
	if len(p.Audiences) == 0 || slices.Contains(p.Audiences, "") {
		return verify.Issuer{}, errors.New("oidc: no audiences, or an empty one")
	}
	algs := slices.Clone(p.Algorithms)
	if len(algs) == 0 {
		algs = []string{DefaultAlgorithm}
	}
	// The key caches keep keys for these only: asymmetric ones, never
	// none nor HMAC (RFC 8725 §3.1, §3.2).
	for _, a := range algs {
		if !slices.Contains(jwks.Algorithms(), a) {
			return verify.Issuer{}, fmt.Errorf("oidc: algorithm %q is not one of %v", a, jwks.Algorithms())
		}
	}
	r := &rules{audiences: slices.Clone(p.Audiences), groups: p.GroupsClaim, scope: p.ScopeClaim}
	if r.groups == "" {
		r.groups = DefaultGroupsClaim
	}
	switch r.scope {
	case "":
		r.scope = DefaultScopeClaim
	case "scope", "scp":
	default:
		return verify.Issuer{}, fmt.Errorf(`oidc: scope claim %q, want "scope" or "scp"`, r.scope)
	}
	if keys == nil {
		return verify.Issuer{}, errors.New("oidc: no key source")
	}
	return verify.Issuer{Names: []string{p.IssuerURL}, Keys: keys, Algorithms: algs, Check: r.check}, nil
}

// rules are a Provider's checks that jwt's validator does not make.
type rules struct {
	audiences []string
	groups    string // the groups claim's name
	scope     string // "scope" or "scp"
}

// check applies the provider's rules: sub is present and the token is for
// one of the audiences. It reads who the caller is from the claims.
func (r *rules) check(claims map[string]any) (verify.Identity, error) {
	var id verify.Identity
	sub, ok := claims["sub"].(string)
	if !ok || sub == "" || len(sub) > MaxSubjectSize {
		return id, fmt.Errorf("%w: sub missing, empty or longer than %d bytes", verify.ErrInvalidClaims, MaxSubjectSize)
	}
	id.Subject = sub
	// RFC 7519 §4.1.3: one string, or an array of strings. jwt's
	// GetAudience reads any other type as no audience; here it is an
	// error, as a sub of the wrong type is.
	var aud []string
	if v, ok := claims["aud"]; ok {
		var err error
		switch v.(type) {
		case string, []any:
			aud, err = stringList(v)
		default:
			err = fmt.Errorf("type %T, want a string or an array of strings", v)
		}
		if err != nil {
			return id, fmt.Errorf("%w: aud: %w", verify.ErrInvalidClaims, err)
		}
	}
	i := slices.IndexFunc(aud, func(a string) bool { return slices.Contains(r.audiences, a) })
	if i < 0 {
		return id, fmt.Errorf("%w: aud %.80q", verify.ErrWrongClient, aud)
	}
	// azp is the party the token was issued to (Core §2); access tokens of
	// RFC 9068 name it client_id; a token with neither was issued to its
	// audience.
	id.ClientID = aud[i]
	if c := str(claims, "client_id"); c != "" {
		id.ClientID = c
	}
	if c := str(claims, "azp"); c != "" {
		id.ClientID = c
	}
	if len(id.ClientID) > MaxNameSize {
		return id, fmt.Errorf("%w: azp or client_id longer than %d bytes", verify.ErrInvalidClaims, MaxNameSize)
	}
	id.Username = str(claims, "preferred_username")
	// Core §5.1: an address is the caller's only if the provider says it
	// verified it, in the same token.
	if claims["email_verified"] == true {
		id.Email = str(claims, "email")
	}
	if _, ok := claims["email"]; ok && id.Email == "" {
		id.Unverified = append(id.Unverified, "email")
	}
	if _, ok := claims["phone_number"]; ok && claims["phone_number_verified"] != true {
		id.Unverified = append(id.Unverified, "phone_number")
	}
	// Claims under Cognito's names mean what Cognito says only in a
	// Cognito token: a provider's cognito:groups, token_use or origin_jti
	// would reach route rules, the revocation check and the endpoints
	// (which read cognito:groups from the context) unchecked. Hidden; the
	// context's cognito:groups is written from the groups claim instead.
	for name := range claims {
		if strings.HasPrefix(name, "cognito:") || name == "token_use" || name == "origin_jti" {
			id.Unverified = append(id.Unverified, name)
		}
	}
	if v, ok := claims[r.groups]; ok {
		groups, err := stringList(v)
		if err == nil {
			err = bounded(groups)
		}
		if err != nil {
			return id, fmt.Errorf("%w: %.80s: %w", verify.ErrInvalidClaims, r.groups, err)
		}
		id.Groups = groups
	}
	if v, ok := claims[r.scope]; ok {
		var scopes []string
		var err error
		switch s, isString := v.(string); {
		case isString:
			// RFC 6749 §3.3: scopes are separated by spaces.
			scopes = strings.Fields(s)
		case r.scope == "scp":
			scopes, err = stringList(v)
		default:
			err = fmt.Errorf("type %T, want a string", v)
		}
		if err == nil {
			err = bounded(scopes)
		}
		if err != nil {
			return id, fmt.Errorf("%w: %s: %w", verify.ErrInvalidClaims, r.scope, err)
		}
		id.Scopes = scopes
	}
	return id, nil
}

// stringList reads a list of names: an array of strings, or one string
// naming one. Null is no names.
func stringList(v any) ([]string, error) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case string:
		return []string{v}, nil
	case []any:
		if len(v) > MaxListLength {
			return nil, fmt.Errorf("%d names, the limit is %d", len(v), MaxListLength)
		}
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
		return nil, fmt.Errorf("type %T, want an array of strings or a string", v)
	}
}

// bounded refuses more than MaxListLength names, and a name that is empty
// (it could only match a rule written by mistake) or longer than
// MaxNameSize bytes.
func bounded(names []string) error {
	if len(names) > MaxListLength {
		return fmt.Errorf("%d names, the limit is %d", len(names), MaxListLength)
	}
	for _, s := range names {
		if s == "" || len(s) > MaxNameSize {
			return fmt.Errorf("a name empty or longer than %d bytes", MaxNameSize)
		}
	}
	return nil
}

func str(claims map[string]any, name string) string {
	s, _ := claims[name].(string)
	return s
}

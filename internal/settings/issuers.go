package settings

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// Limits of ISSUERS and ISSUERS_FILE.
const (
	// MaxIssuers bounds the entries of the list.
	MaxIssuers = 32
	// MaxIssuersSize bounds the list's JSON, in bytes; ISSUERS_FILE is
	// read up to that.
	MaxIssuersSize = 64 << 10
	// maxIssuerString bounds an OIDC audience and a claim's name, in
	// bytes.
	maxIssuerString = 256
)

// Defaults of an OIDC issuer's optional fields, filled in by ParseIssuers.
const (
	DefaultOIDCAlgorithm = "RS256"
	DefaultGroupsClaim   = "groups"
	DefaultScopeClaim    = ScopeClaimScope
)

// The claims an OIDC issuer's scopes may be read from.
const (
	// ScopeClaimScope is a space-separated string (RFC 8693, RFC 9068).
	ScopeClaimScope = "scope"
	// ScopeClaimScp is an array of strings or a space-separated string
	// (Okta, Entra ID).
	ScopeClaimScp = "scp"
)

// OIDCAlgorithms are the signing algorithms an OIDC issuer may list (the
// verifier's own: cmd/authorizer's test keeps the two lists equal): RSA
// (PKCS #1 v1.5 and PSS) and ECDSA on P-256 and P-384. Never none, nor
// HMAC, whose key would be a shared secret.
var OIDCAlgorithms = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384"}

// The kinds of an entry of ISSUERS, as its single key spells them.
const (
	kindCognito = "cognito"
	kindOIDC    = "oidc"
)

// ParseIssuers reads and checks the JSON of ISSUERS (the same as the
// content of the file ISSUERS_FILE names): an array of 1 to MaxIssuers
// entries, each an object with exactly one key, "cognito" or "oidc", in at
// most MaxIssuersSize bytes. It is strict: a key the format does not spell
// exactly (case included), a key twice in one object, a null anywhere
// (null is not absent: leave an optional key out), data after the array and
// an issuer listed twice are errors. The result has every default filled
// in: a pool's token uses and JWKS URL, an OIDC issuer's algorithms,
// groups claim and scope claim.
//
// On failure the error joins one error per problem (its Unwrap() []error
// lists them), each naming the entry's index (from 0) and kind, e.g.
// `entry 2 (oidc): audiences: required, a non-empty array of strings`,
// but not the variable: the caller adds the name of the variable or file,
// as LoadAuthorizer does.
func ParseIssuers(data []byte) ([]Issuer, error) {
	list, errs := parseIssuers(data)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return list, nil
}

// loadIssuers reads the issuers of ISSUERS or of the file ISSUERS_FILE
// names or, with neither set, the one pool of COGNITO_USER_POOL_ID and its
// companions.
func loadIssuers(p *problems, get func(string) string) []Issuer {
	inline, file := get(EnvIssuers), get(EnvIssuersFile)
	if inline == "" && file == "" {
		return []Issuer{{Cognito: loadCognito(p, get)}}
	}
	name := EnvIssuers
	if inline == "" {
		name = EnvIssuersFile
	}
	var set []string
	for _, v := range []string{EnvUserPoolID, EnvClientIDs, EnvTokenUse, EnvJWKSURL} {
		if get(v) != "" {
			set = append(set, v)
		}
	}
	if len(set) > 0 {
		p.add(name, "set %s or %s (with %s, %s and %s), not both; %s set too",
			name, EnvUserPoolID, EnvClientIDs, EnvTokenUse, EnvJWKSURL, strings.Join(set, ", "))
	}
	if inline != "" && file != "" {
		p.add(EnvIssuers, "set %s or %s, not both", EnvIssuers, EnvIssuersFile)
		return nil
	}
	data := []byte(inline)
	if file != "" {
		f, err := os.Open(file)
		if err != nil {
			p.add(name, "%v", err)
			return nil
		}
		defer f.Close()
		data, err = io.ReadAll(io.LimitReader(f, MaxIssuersSize+1))
		if err != nil {
			p.add(name, "reading %s: %v", file, err)
			return nil
		}
	}
	list, errs := parseIssuers(data)
	for _, err := range errs {
		p.add(name, "%v", err)
	}
	if len(errs) > 0 {
		return nil
	}
	return list
}

func parseIssuers(data []byte) ([]Issuer, []error) {
	if len(data) > MaxIssuersSize {
		return nil, []error{fmt.Errorf("more than %d bytes", MaxIssuersSize)}
	}
	raws, err := jsonArray(data)
	if err != nil {
		return nil, []error{err}
	}
	if len(raws) == 0 {
		return nil, []error{errors.New("an empty list: want at least one issuer")}
	}
	var errs []error
	list := make([]Issuer, len(raws))
	// claimed maps each issuer (a token's iss) an entry accepts to the
	// first entry accepting it.
	claimed := map[string]int{}
	for i, raw := range raws {
		var (
			kind string
			es   []error
			isss []string // the iss values the entry accepts
		)
		list[i], kind, es = parseEntry(raw)
		switch {
		case len(es) > 0:
		case list[i].Cognito != nil:
			region, _ := UserPoolRegion(list[i].Cognito.UserPoolID)
			isss = cognitoIssuerURLs(region, list[i].Cognito.UserPoolID)
		case list[i].OIDC != nil:
			isss = []string{list[i].OIDC.Issuer}
		}
		for _, iss := range isss {
			// An issuer and the same with a trailing slash, or its scheme
			// and host in other cases, share one discovery document: only
			// one of them can be right.
			key := issuerKey(iss)
			j, dup := claimed[key]
			if !dup {
				claimed[key] = i
				continue
			}
			switch {
			case list[i].Cognito != nil && list[j].Cognito != nil:
				es = append(es, fmt.Errorf("userPoolId: %q is entry %d's again: list each pool once", list[i].Cognito.UserPoolID, j))
			case list[i].Cognito != nil:
				es = append(es, fmt.Errorf("userPoolId: the pool's issuer %q is entry %d's (oidc) already: list each issuer once", iss, j))
			case list[j].OIDC != nil:
				es = append(es, fmt.Errorf("issuer: %q is entry %d's again, spelled otherwise (case, a trailing slash): list each issuer once, as its tokens' iss spells it", iss, j))
			default:
				es = append(es, fmt.Errorf("issuer: %q is the issuer of entry %d's user pool (cognito): list each issuer once", iss, j))
			}
			break
		}
		for _, e := range es {
			if kind != "" {
				errs = append(errs, fmt.Errorf("entry %d (%s): %w", i, kind, e))
			} else {
				errs = append(errs, fmt.Errorf("entry %d: %w", i, e))
			}
		}
	}
	if len(errs) > maxProblems {
		errs = append(errs[:maxProblems-1], fmt.Errorf("and %d more problems", len(errs)-maxProblems+1))
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return list, nil
}

// maxProblems bounds the problems reported, the last one saying how many
// more there are.
const maxProblems = 20

// cognitoIssuerURLs returns the iss values of a user pool's tokens: the
// issuer Cognito has always used and the one its newer pools may use.
func cognitoIssuerURLs(region, poolID string) []string {
	return []string{
		"https://cognito-idp." + region + ".amazonaws.com/" + poolID,
		"https://issuer-cognito-idp." + region + ".amazonaws.com/" + poolID,
	}
}

// cognitoJWKSURL is a user pool's own JWKS.
func cognitoJWKSURL(region, poolID string) string {
	return "https://cognito-idp." + region + ".amazonaws.com/" + poolID + "/.well-known/jwks.json"
}

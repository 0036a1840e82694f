package settings

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"slices"
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

// jsonArray splits data, one JSON array of at most MaxIssuers elements and
// nothing after it, into its elements.
func jsonArray(data []byte) ([]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err == io.EOF {
		return nil, errors.New("empty: want a JSON array of issuers")
	}
	if err != nil {
		return nil, fmt.Errorf("not JSON: %v", err)
	}
	if tok != json.Delim('[') {
		return nil, fmt.Errorf("a JSON %s, want an array of issuers", tokenKind(tok))
	}
	var raws []json.RawMessage
	for dec.More() {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, fmt.Errorf("entry %d: not JSON: %v", len(raws), err)
		}
		if raws = append(raws, raw); len(raws) > MaxIssuers {
			return nil, fmt.Errorf("more than %d entries", MaxIssuers)
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("not JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the JSON array")
	}
	return raws, nil
}

// tokenKind names the JSON type of a token's value.
func tokenKind(tok json.Token) string {
	switch tok.(type) {
	case json.Delim:
		if tok == json.Delim('{') {
			return "object"
		}
		return "array"
	case string:
		return "string"
	case bool:
		return "boolean"
	case nil:
		return "null"
	}
	return "number"
}

// jsonKind names the JSON type of a valid value.
func jsonKind(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case 'n':
		return "null"
	case '"':
		return "string"
	case '[':
		return "array"
	case '{':
		return "object"
	case 't', 'f':
		return "boolean"
	}
	return "number"
}

// member is one key and value of a JSON object.
type member struct {
	key   string
	value json.RawMessage
}

// object splits a JSON object into its members, in order; a key twice is
// an error (encoding/json would keep the last).
func object(raw json.RawMessage) ([]member, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	var ms []member
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := tok.(string)
		if seen[key] {
			return nil, fmt.Errorf("key %.64q twice in one object", key)
		}
		seen[key] = true
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		ms = append(ms, member{key, v})
	}
	return ms, nil
}

// parseEntry reads one entry; kind is its kind when it has exactly one.
func parseEntry(raw json.RawMessage) (Issuer, string, []error) {
	const want = `want {"cognito": {...}} or {"oidc": {...}}`
	if k := jsonKind(raw); k != "object" {
		return Issuer{}, "", []error{fmt.Errorf("a JSON %s, %s", k, want)}
	}
	ms, err := object(raw)
	if err != nil {
		return Issuer{}, "", []error{err}
	}
	var (
		errs  []error
		kinds []member
	)
	for _, m := range ms {
		switch m.key {
		case kindCognito, kindOIDC:
			kinds = append(kinds, m)
		default:
			errs = append(errs, fmt.Errorf("unknown key %.64q: an entry has one key, \"cognito\" or \"oidc\"", m.key))
		}
	}
	switch len(kinds) {
	case 0:
		return Issuer{}, "", append(errs, fmt.Errorf("no issuer: %s", want))
	case 1:
	default:
		return Issuer{}, "", append(errs, fmt.Errorf("both \"cognito\" and \"oidc\": want exactly one per entry"))
	}
	kind := kinds[0].key
	if k := jsonKind(kinds[0].value); k != "object" {
		return Issuer{}, kind, append(errs, fmt.Errorf("a JSON %s, want an object", k))
	}
	fields, err := object(kinds[0].value)
	if err != nil {
		return Issuer{}, kind, append(errs, err)
	}
	var iss Issuer
	var es []error
	if kind == kindCognito {
		iss.Cognito, es = parseCognito(fields)
	} else {
		iss.OIDC, es = parseOIDC(fields)
	}
	return iss, kind, append(errs, es...)
}

// fieldError is the problem of a field whose JSON type is wrong.
func fieldError(field, want, kind string) error {
	if kind == "null" {
		return fmt.Errorf("%s: null, want %s (null is not absent: leave an optional key out)", field, want)
	}
	return fmt.Errorf("%s: a JSON %s, want %s", field, kind, want)
}

// stringField reads a field holding a string.
func stringField(field, want string, raw json.RawMessage) (string, error) {
	if k := jsonKind(raw); k != "string" {
		return "", fieldError(field, want, k)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fmt.Errorf("%s: %v", field, err)
	}
	return s, nil
}

// stringsField reads a field holding a non-empty array of strings, each
// passing check, and drops repeated values.
func stringsField(field, want string, raw json.RawMessage, check func(string) error) ([]string, []error) {
	if k := jsonKind(raw); k != "array" {
		return nil, []error{fieldError(field, want, k)}
	}
	var elems []json.RawMessage
	if err := json.Unmarshal(raw, &elems); err != nil {
		return nil, []error{fmt.Errorf("%s: %v", field, err)}
	}
	if len(elems) == 0 {
		return nil, []error{fmt.Errorf("%s: an empty array, want %s", field, want)}
	}
	var (
		out  []string
		errs []error
		seen = map[string]bool{}
	)
	for k, e := range elems {
		s, err := stringField(fmt.Sprintf("%s[%d]", field, k), "a string", e)
		if err == nil {
			if err = check(s); err != nil {
				err = fmt.Errorf("%s[%d]: %w", field, k, err)
			}
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out, errs
}

// unknownKey is the problem of a key a kind does not have.
func unknownKey(key string, keys ...string) error {
	return fmt.Errorf("unknown key %.64q: want %s", key, strings.Join(keys, ", "))
}

func parseCognito(ms []member) (*CognitoIssuer, []error) {
	const (
		poolWant   = "the user pool id, e.g. eu-west-1_AbC123xyz"
		clientWant = "a non-empty array of app client ids"
		useWant    = `a non-empty array of "id" and/or "access" (leave the key out for both)`
	)
	var (
		c        CognitoIssuer
		errs     []error
		havePool bool
		haveIDs  bool
		region   string
	)
	for _, m := range ms {
		switch m.key {
		case "userPoolId":
			havePool = true
			id, err := stringField(m.key, poolWant, m.value)
			if err == nil {
				if region, err = UserPoolRegion(id); err != nil {
					err = fmt.Errorf("%s: %w", m.key, err)
				}
			}
			if err != nil {
				errs = append(errs, err)
				continue
			}
			c.UserPoolID = id
		case "clientIds":
			haveIDs = true
			ids, es := stringsField(m.key, clientWant, m.value, func(id string) error {
				if !clientIDPattern.MatchString(id) {
					return fmt.Errorf("%.140q is not an app client id (1 to 128 letters, digits, _ or +)", id)
				}
				return nil
			})
			c.ClientIDs, errs = ids, append(errs, es...)
		case "tokenUse":
			uses, es := stringsField(m.key, useWant, m.value, func(u string) error {
				if u != TokenUseID && u != TokenUseAccess {
					return fmt.Errorf("%.64q is not a token use: want \"id\" or \"access\"", u)
				}
				return nil
			})
			c.TokenUses, errs = uses, append(errs, es...)
		case "jwksUrl":
			v, err := stringField(m.key, "an http(s) URL", m.value)
			if err == nil {
				if err = checkKeysURL(v, false); err != nil {
					err = fmt.Errorf("%s: %w", m.key, err)
				}
			}
			if err != nil {
				errs = append(errs, err)
				continue
			}
			c.JWKSURL = v
		default:
			errs = append(errs, unknownKey(m.key, "userPoolId", "clientIds", "tokenUse", "jwksUrl"))
		}
	}
	if !havePool {
		errs = append(errs, fmt.Errorf("userPoolId: required, %s", poolWant))
	}
	if !haveIDs {
		errs = append(errs, fmt.Errorf("clientIds: required, %s", clientWant))
	}
	if len(errs) > 0 {
		return nil, errs
	}
	if c.TokenUses == nil {
		c.TokenUses = []string{TokenUseID, TokenUseAccess}
	}
	if c.JWKSURL == "" {
		c.JWKSURL = cognitoJWKSURL(region, c.UserPoolID)
	}
	return &c, nil
}

func parseOIDC(ms []member) (*OIDCIssuer, []error) {
	const (
		issuerWant   = "the issuer's URL, https (http only for a loopback host), as the tokens' iss spells it"
		audienceWant = "a non-empty array of strings"
		claimWant    = "a claim's name, 1 to 256 bytes"
	)
	algWant := "a non-empty array of " + strings.Join(OIDCAlgorithms, ", ")
	var (
		o          OIDCIssuer
		errs       []error
		haveIssuer bool
		haveAuds   bool
	)
	for _, m := range ms {
		switch m.key {
		case "issuer":
			haveIssuer = true
			v, err := stringField(m.key, issuerWant, m.value)
			if err == nil {
				if err = checkIssuerURL(v); err != nil {
					err = fmt.Errorf("%s: %w", m.key, err)
				}
			}
			if err != nil {
				errs = append(errs, err)
				continue
			}
			o.Issuer = v
		case "audiences":
			haveAuds = true
			auds, es := stringsField(m.key, audienceWant, m.value, func(a string) error {
				if a == "" || len(a) > maxIssuerString {
					return fmt.Errorf("%.64q is not an audience: want 1 to %d bytes", a, maxIssuerString)
				}
				return nil
			})
			o.Audiences, errs = auds, append(errs, es...)
		case "jwksUrl":
			v, err := stringField(m.key, "an http(s) URL", m.value)
			if err == nil {
				if err = checkKeysURL(v, false); err != nil {
					err = fmt.Errorf("%s: %w", m.key, err)
				}
			}
			if err != nil {
				errs = append(errs, err)
				continue
			}
			o.JWKSURL = v
		case "algorithms":
			algs, es := stringsField(m.key, algWant, m.value, func(a string) error {
				if !slices.Contains(OIDCAlgorithms, a) {
					return fmt.Errorf("%.64q is not an algorithm accepted: want %s", a, strings.Join(OIDCAlgorithms, ", "))
				}
				return nil
			})
			o.Algorithms, errs = algs, append(errs, es...)
		case "groupsClaim":
			v, err := stringField(m.key, claimWant, m.value)
			if err == nil && (v == "" || len(v) > maxIssuerString) {
				err = fmt.Errorf("%s: %.64q is not a claim's name: want 1 to %d bytes", m.key, v, maxIssuerString)
			}
			if err != nil {
				errs = append(errs, err)
				continue
			}
			o.GroupsClaim = v
		case "scopeClaim":
			v, err := stringField(m.key, `"scope" or "scp"`, m.value)
			if err == nil && v != ScopeClaimScope && v != ScopeClaimScp {
				err = fmt.Errorf("%s: %.64q, want \"scope\" or \"scp\"", m.key, v)
			}
			if err != nil {
				errs = append(errs, err)
				continue
			}
			o.ScopeClaim = v
		default:
			errs = append(errs, unknownKey(m.key, "issuer", "audiences", "jwksUrl", "algorithms", "groupsClaim", "scopeClaim"))
		}
	}
	if !haveIssuer {
		errs = append(errs, fmt.Errorf("issuer: required, %s", issuerWant))
	}
	if !haveAuds {
		errs = append(errs, fmt.Errorf("audiences: required, %s", audienceWant))
	}
	if len(errs) > 0 {
		return nil, errs
	}
	if o.Algorithms == nil {
		o.Algorithms = []string{DefaultOIDCAlgorithm}
	}
	if o.GroupsClaim == "" {
		o.GroupsClaim = DefaultGroupsClaim
	}
	if o.ScopeClaim == "" {
		o.ScopeClaim = DefaultScopeClaim
	}
	return &o, nil
}

// checkIssuerURL accepts an OIDC issuer: an absolute https URL (plain http
// only for a loopback host) with no user info, query or fragment (OpenID
// Connect Discovery 1.0, section 3). It is compared with iss as written, so
// it is not normalised.
func checkIssuerURL(v string) error {
	u, err := url.Parse(v)
	if err != nil || u.Opaque != "" || u.Hostname() == "" {
		return fmt.Errorf("%.200q is not an absolute https URL", v)
	}
	switch {
	case u.User != nil:
		return fmt.Errorf("%.200q has user info: an issuer has none", v)
	case strings.Contains(v, "?"):
		return fmt.Errorf("%.200q has a query: an issuer has none", v)
	case strings.Contains(v, "#"):
		return fmt.Errorf("%.200q has a fragment: an issuer has none", v)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if isLoopbackHost(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("%.200q: plain http is allowed only for a loopback host (127.0.0.0/8, ::1, localhost); use https", v)
	}
	return fmt.Errorf("%.200q is not an absolute https URL", v)
}

// isLoopbackHost reports whether host (a URL's Hostname) is localhost or a
// loopback address.
func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// issuerKey is what two spellings of one issuer share: its scheme and host
// in lower case, its path without a trailing slash.
func issuerKey(iss string) string {
	u, err := url.Parse(iss)
	if err != nil {
		return iss
	}
	return strings.ToLower(u.Scheme+"://"+u.Host) + strings.TrimSuffix(u.Path, "/")
}

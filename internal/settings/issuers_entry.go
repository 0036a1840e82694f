package settings

import (
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
)

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
				if !isClientID(id) {
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
			v, err := keysURLField(m)
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
			v, err := keysURLField(m)
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

// keysURLField reads an entry's jwksUrl: https, or http on loopback.
func keysURLField(m member) (string, error) {
	v, err := stringField(m.key, "an http(s) URL", m.value)
	if err != nil {
		return "", err
	}
	if err := checkKeysURL(v, false); err != nil {
		return "", fmt.Errorf("%s: %w", m.key, err)
	}
	return v, nil
}

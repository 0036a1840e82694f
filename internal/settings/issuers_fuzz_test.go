package settings_test

import (
	"encoding/json"
	"net"
	"net/url"
	"reflect"
	"slices"
	"testing"

	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
)

// FuzzParseIssuers checks that ParseIssuers never panics and that what it
// accepts is complete: one kind per entry, required fields present,
// defaults filled in, plain http only for loopback, and the same list again
// when marshalled with encoding/json and parsed back.
func FuzzParseIssuers(f *testing.F) {
	for _, seed := range []string{
		exampleIssuers,
		list(goodCognito),
		list(goodOIDC),
		list(goodCognito, goodOIDC),
		list(cognitoEntry(poolFields + `, "tokenUse": ["access", "access"], "jwksUrl": "http://host.docker.internal:1/k"`)),
		list(oidcEntry(`"issuer": "http://[::1]:8080/", "audiences": ["a", "a"], "algorithms": ["PS512", "ES384"], "groupsClaim": "roles", "scopeClaim": "scp", "jwksUrl": "http://localhost/k"`)),
		list(oidcEntry(`"issuer": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123xyz", "audiences": ["x"]`), goodCognito),
		`[]`,
		`null`,
		`[null]`,
		`[{}]`,
		`{"cognito": {}}`,
		list(goodCognito) + ` []`,
		list(`{"cognito": null}`),
		list(oidcEntry(`"issuer": "https://idp.example.com/", "audiences": null`)),
		list(oidcEntry(`"issuer": "http://idp.example.com/?q#f", "audiences": [""]`)),
		list(oidcEntry(issuerFields + `, "jwksUrl": null, "algorithms": []`)),
		list(cognitoEntry(poolFields + `, "Region": 1`)),
		list(`{"cognito": {` + poolFields + `}, "oidc": {` + issuerFields + `}}`),
		list(goodOIDC, goodOIDC),
		`[{"oidc": {"issuer": "https://a/", "audiences": ["\u00ff\ud800<&>"]}}]`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		issuers, err := settings.ParseIssuers(data)
		if err != nil {
			if issuers != nil {
				t.Fatalf("ParseIssuers(%q) = %v and error %v", data, issuers, err)
			}
			return
		}
		if len(issuers) == 0 || len(issuers) > settings.MaxIssuers {
			t.Fatalf("ParseIssuers(%q) accepted %d issuers", data, len(issuers))
		}
		for i, is := range issuers {
			checkIssuer(t, i, is)
		}

		again, err := json.Marshal(issuers)
		if err != nil {
			t.Fatalf("json.Marshal(%+v): %v", issuers, err)
		}
		reparsed, err := settings.ParseIssuers(again)
		if err != nil {
			t.Fatalf("ParseIssuers(%q) accepted, ParseIssuers of its marshalling %s: %v", data, again, err)
		}
		if !reflect.DeepEqual(issuers, reparsed) {
			t.Fatalf("round trip of %q through %s:\n%s\nwant\n%s", data, again, dump(reparsed), dump(issuers))
		}
	})
}

// checkIssuer checks one accepted issuer.
func checkIssuer(t *testing.T, i int, is settings.Issuer) {
	t.Helper()
	switch {
	case (is.Cognito == nil) == (is.OIDC == nil):
		t.Fatalf("issuer %d: %+v, want exactly one kind", i, is)
	case is.Cognito != nil:
		c := is.Cognito
		if _, err := settings.UserPoolRegion(c.UserPoolID); err != nil {
			t.Errorf("issuer %d: %v", i, err)
		}
		if len(c.ClientIDs) == 0 || hasRepeats(c.ClientIDs) || slices.Contains(c.ClientIDs, "") {
			t.Errorf("issuer %d: client ids %q", i, c.ClientIDs)
		}
		if len(c.TokenUses) == 0 || hasRepeats(c.TokenUses) ||
			slices.ContainsFunc(c.TokenUses, func(u string) bool { return u != settings.TokenUseID && u != settings.TokenUseAccess }) {
			t.Errorf("issuer %d: token uses %q", i, c.TokenUses)
		}
		if !plainHTTPOnlyLocally(c.JWKSURL, false) {
			t.Errorf("issuer %d: JWKS URL %q", i, c.JWKSURL)
		}
	default:
		o := is.OIDC
		if !plainHTTPOnlyLocally(o.Issuer, false) {
			t.Errorf("issuer %d: issuer %q", i, o.Issuer)
		}
		if u, err := url.Parse(o.Issuer); err != nil || u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
			t.Errorf("issuer %d: issuer %q has user info, a query or a fragment", i, o.Issuer)
		}
		if o.JWKSURL != "" && !plainHTTPOnlyLocally(o.JWKSURL, false) {
			t.Errorf("issuer %d: JWKS URL %q", i, o.JWKSURL)
		}
		if len(o.Audiences) == 0 || hasRepeats(o.Audiences) ||
			slices.ContainsFunc(o.Audiences, func(a string) bool { return a == "" || len(a) > 256 }) {
			t.Errorf("issuer %d: audiences %q", i, o.Audiences)
		}
		algorithms := []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384"}
		if len(o.Algorithms) == 0 || hasRepeats(o.Algorithms) ||
			slices.ContainsFunc(o.Algorithms, func(a string) bool { return !slices.Contains(algorithms, a) }) {
			t.Errorf("issuer %d: algorithms %q", i, o.Algorithms)
		}
		if o.GroupsClaim == "" || len(o.GroupsClaim) > 256 {
			t.Errorf("issuer %d: groups claim %q", i, o.GroupsClaim)
		}
		if o.ScopeClaim != "scope" && o.ScopeClaim != "scp" {
			t.Errorf("issuer %d: scope claim %q", i, o.ScopeClaim)
		}
	}
}

// plainHTTPOnlyLocally reports whether v is an absolute https URL, or an
// http one for a loopback host (or, with docker, host.docker.internal).
func plainHTTPOnlyLocally(v string, docker bool) bool {
	u, err := url.Parse(v)
	if err != nil || u.Hostname() == "" {
		return false
	}
	switch u.Scheme {
	case "https":
		return true
	case "http":
		host := u.Hostname()
		ip := net.ParseIP(host)
		return host == "localhost" || ip != nil && ip.IsLoopback() || docker && host == "host.docker.internal"
	}
	return false
}

func hasRepeats(list []string) bool {
	seen := map[string]bool{}
	for _, s := range list {
		if seen[s] {
			return true
		}
		seen[s] = true
	}
	return false
}

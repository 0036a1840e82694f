package settings_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
)

// exampleIssuers is the documented example of ISSUERS, with real-looking
// app client ids in place of its elisions.
const exampleIssuers = `[
  {"cognito": {"userPoolId": "eu-west-1_AbC123xyz", "clientIds": ["4h7c2k9m1n0p3q5r7s9t1u3v5w"], "tokenUse": ["id", "access"]}},
  {"cognito": {"userPoolId": "us-east-1_Zz9", "clientIds": ["7q2x8y4z6a1b3c5d7e9f0g2h4i"], "tokenUse": ["access"], "jwksUrl": "http://127.0.0.1:8089/keys"}},
  {"oidc": {"issuer": "https://example.eu.auth0.com/", "audiences": ["https://api.example.com"],
            "jwksUrl": "https://example.eu.auth0.com/.well-known/jwks.json", "algorithms": ["RS256", "ES256"],
            "groupsClaim": "https://example.com/groups", "scopeClaim": "scope"}}
]`

// Entries that parse, for building lists.
const (
	goodCognito = `{"cognito": {"userPoolId": "eu-west-1_AbC123xyz", "clientIds": ["client1"]}}`
	goodOIDC    = `{"oidc": {"issuer": "https://idp.example.com/", "audiences": ["api"]}}`
)

func TestParseIssuersExample(t *testing.T) {
	got, err := settings.ParseIssuers([]byte(exampleIssuers))
	if err != nil {
		t.Fatal(err)
	}
	want := []settings.Issuer{
		{Cognito: &settings.CognitoIssuer{
			UserPoolID: "eu-west-1_AbC123xyz",
			ClientIDs:  []string{"4h7c2k9m1n0p3q5r7s9t1u3v5w"},
			TokenUses:  []string{"id", "access"},
			JWKSURL:    "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123xyz/.well-known/jwks.json",
		}},
		{Cognito: &settings.CognitoIssuer{
			UserPoolID: "us-east-1_Zz9",
			ClientIDs:  []string{"7q2x8y4z6a1b3c5d7e9f0g2h4i"},
			TokenUses:  []string{"access"},
			JWKSURL:    "http://127.0.0.1:8089/keys",
		}},
		{OIDC: &settings.OIDCIssuer{
			Issuer:      "https://example.eu.auth0.com/",
			Audiences:   []string{"https://api.example.com"},
			JWKSURL:     "https://example.eu.auth0.com/.well-known/jwks.json",
			Algorithms:  []string{"RS256", "ES256"},
			GroupsClaim: "https://example.com/groups",
			ScopeClaim:  "scope",
		}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ParseIssuers(example) =\n%s\nwant\n%s", dump(got), dump(want))
	}
}

func TestParseIssuersDefaults(t *testing.T) {
	got, err := settings.ParseIssuers([]byte(`[` + goodCognito + `, ` + goodOIDC + `]`))
	if err != nil {
		t.Fatal(err)
	}
	want := []settings.Issuer{
		{Cognito: &settings.CognitoIssuer{
			UserPoolID: "eu-west-1_AbC123xyz",
			ClientIDs:  []string{"client1"},
			TokenUses:  []string{settings.TokenUseID, settings.TokenUseAccess},
			JWKSURL:    "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123xyz/.well-known/jwks.json",
		}},
		{OIDC: &settings.OIDCIssuer{
			Issuer:      "https://idp.example.com/",
			Audiences:   []string{"api"},
			Algorithms:  []string{settings.DefaultOIDCAlgorithm},
			GroupsClaim: settings.DefaultGroupsClaim,
			ScopeClaim:  settings.DefaultScopeClaim,
		}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ParseIssuers(minimal) =\n%s\nwant\n%s", dump(got), dump(want))
	}
	if want[1].OIDC.Algorithms[0] != "RS256" || want[1].OIDC.GroupsClaim != "groups" || want[1].OIDC.ScopeClaim != "scope" {
		t.Errorf("the defaults are %+v, want RS256, groups and scope", want[1].OIDC)
	}
}

// TestParseIssuersKeepsValues: repeated values are dropped, the others
// kept as written (an issuer is compared exactly, so not normalised).
func TestParseIssuersKeepsValues(t *testing.T) {
	got, err := settings.ParseIssuers([]byte(`[
		{"cognito": {"userPoolId": "ap-southeast-2_0123456789abcdef", "clientIds": ["b", "a", "b"], "tokenUse": ["access", "id", "access"],
			"jwksUrl": "http://127.0.0.1:5000/keys"}},
		{"oidc": {"issuer": "https://idp.example.com", "audiences": ["x", "y", "x"], "algorithms": ["ES384", "PS256", "ES384"],
			"groupsClaim": "roles", "scopeClaim": "scp", "jwksUrl": "http://localhost:9000/jwks"}},
		{"oidc": {"issuer": "https://idp2.example.com/", "audiences": ["x"]}},
		{"oidc": {"issuer": "HTTPS://IDP3.example.com/", "audiences": ["x"]}},
		{"oidc": {"issuer": "http://127.8.9.10:8080/realms/a", "audiences": ["x"]}},
		{"oidc": {"issuer": "http://[::1]:8080", "audiences": ["x"]}},
		{"oidc": {"issuer": "http://localhost/", "audiences": ["x"]}},
		{"oidc": {"issuer": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_NotListed", "audiences": ["x"]}}
	]`))
	if err != nil {
		t.Fatal(err)
	}
	c, o := got[0].Cognito, got[1].OIDC
	checks := []struct {
		name      string
		got, want any
	}{
		{"clientIds", strings.Join(c.ClientIDs, ","), "b,a"},
		{"tokenUse", strings.Join(c.TokenUses, ","), "access,id"},
		{"cognito jwksUrl", c.JWKSURL, "http://127.0.0.1:5000/keys"},
		{"audiences", strings.Join(o.Audiences, ","), "x,y"},
		{"algorithms", strings.Join(o.Algorithms, ","), "ES384,PS256"},
		{"groupsClaim", o.GroupsClaim, "roles"},
		{"scopeClaim", o.ScopeClaim, "scp"},
		{"oidc jwksUrl", o.JWKSURL, "http://localhost:9000/jwks"},
		{"issuer", o.Issuer, "https://idp.example.com"},
		{"issuer with slash", got[2].OIDC.Issuer, "https://idp2.example.com/"},
		{"issuer in capitals", got[3].OIDC.Issuer, "HTTPS://IDP3.example.com/"},
		{"entries", len(got), 8},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

// list joins entries into the JSON of ISSUERS.
func list(entries ...string) string { return "[" + strings.Join(entries, ", ") + "]" }

func cognitoEntry(fields string) string { return `{"cognito": {` + fields + `}}` }
func oidcEntry(fields string) string    { return `{"oidc": {` + fields + `}}` }

const (
	poolFields   = `"userPoolId": "eu-west-1_AbC123xyz", "clientIds": ["client1"]`
	issuerFields = `"issuer": "https://idp.example.com/", "audiences": ["api"]`
)

// issuersErrorTests are lists ISSUERS refuses: the entry at fault (-1:
// the list itself), its kind ("" when unknown) and a part of the problem.
var issuersErrorTests = []struct {
	name  string
	value string
	entry int
	kind  string
	want  string
}{
	// The list.
	{"not JSON", `[{"cognito": `, -1, "", "not JSON"},
	{"not JSON at all", `cognito`, -1, "", "not JSON"},
	{"an object", goodCognito, -1, "", "a JSON object, want an array of issuers"},
	{"null", `null`, -1, "", "a JSON null, want an array of issuers"},
	{"a string", `"x"`, -1, "", "a JSON string, want an array"},
	{"empty list", `[]`, -1, "", "an empty list"},
	{"data after the array", list(goodCognito) + ` []`, -1, "", "data after the JSON array"},
	{"garbage after the array", list(goodCognito) + `x`, -1, "", "data after the JSON array"},
	{"two arrays", list(goodCognito) + list(goodOIDC), -1, "", "data after the JSON array"},
	{"too many entries", manyOIDC(settings.MaxIssuers + 1), -1, "", "more than 32 entries"},
	{"too large", "[" + strings.Repeat(" ", settings.MaxIssuersSize) + goodCognito + "]", -1, "", "more than 65536 bytes"},
	{"a bad entry's JSON", `[` + goodCognito + `, {"oidc": {,}}]`, 1, "", "not JSON"},

	// The entries.
	{"null entry", list(goodCognito, `null`), 1, "", "a JSON null"},
	{"string entry", list(`"cognito"`), 0, "", "a JSON string"},
	{"array entry", list(`[` + goodCognito + `]`), 0, "", "a JSON array"},
	{"no kind", list(goodCognito, `{}`), 1, "", "no issuer"},
	{"two kinds", list(`{"cognito": {` + poolFields + `}, "oidc": {` + issuerFields + `}}`), 0, "", `both "cognito" and "oidc"`},
	{"unknown kind", list(`{"saml": {}}`), 0, "", `unknown key "saml"`},
	{"kind in capitals", list(`{"Cognito": {` + poolFields + `}}`), 0, "", `unknown key "Cognito"`},
	{"unknown key beside the kind", list(`{"cognito": {` + poolFields + `}, "note": "x"}`), 0, "cognito", `unknown key "note": an entry has one key`},
	{"kind twice", list(`{"cognito": {` + poolFields + `}, "cognito": {` + poolFields + `}}`), 0, "", `key "cognito" twice`},
	{"null cognito", list(`{"cognito": null}`), 0, "cognito", "a JSON null, want an object"},
	{"null oidc", list(goodCognito, `{"oidc": null}`), 1, "oidc", "a JSON null, want an object"},
	{"oidc a string", list(`{"oidc": "https://idp.example.com/"}`), 0, "oidc", "a JSON string, want an object"},

	// cognito.
	{"no userPoolId", list(cognitoEntry(`"clientIds": ["client1"]`)), 0, "cognito", "userPoolId: required, the user pool id"},
	{"null userPoolId", list(cognitoEntry(`"userPoolId": null, "clientIds": ["client1"]`)), 0, "cognito", "userPoolId: null"},
	{"numeric userPoolId", list(cognitoEntry(`"userPoolId": 1, "clientIds": ["client1"]`)), 0, "cognito", "userPoolId: a JSON number"},
	{"bad userPoolId", list(cognitoEntry(`"userPoolId": "AbC123xyz", "clientIds": ["client1"]`)), 0, "cognito", `userPoolId: "AbC123xyz" is not a user pool id`},
	{"userPoolId with a path", list(cognitoEntry(`"userPoolId": "eu-west-1_abc/../x", "clientIds": ["client1"]`)), 0, "cognito", "is not a user pool id"},
	{"empty userPoolId", list(cognitoEntry(`"userPoolId": "", "clientIds": ["client1"]`)), 0, "cognito", `userPoolId: "" is not a user pool id`},
	{"no clientIds", list(cognitoEntry(`"userPoolId": "eu-west-1_AbC123xyz"`)), 0, "cognito", "clientIds: required, a non-empty array of app client ids"},
	{"null clientIds", list(cognitoEntry(`"userPoolId": "eu-west-1_AbC123xyz", "clientIds": null`)), 0, "cognito", "clientIds: null"},
	{"empty clientIds", list(cognitoEntry(`"userPoolId": "eu-west-1_AbC123xyz", "clientIds": []`)), 0, "cognito", "clientIds: an empty array"},
	{"clientIds a string", list(cognitoEntry(`"userPoolId": "eu-west-1_AbC123xyz", "clientIds": "client1"`)), 0, "cognito", "clientIds: a JSON string, want a non-empty array"},
	{"bad client id", list(cognitoEntry(`"userPoolId": "eu-west-1_AbC123xyz", "clientIds": ["client1", "client 2"]`)), 0, "cognito", `clientIds[1]: "client 2" is not an app client id`},
	{"empty client id", list(cognitoEntry(`"userPoolId": "eu-west-1_AbC123xyz", "clientIds": [""]`)), 0, "cognito", `clientIds[0]: "" is not an app client id`},
	{"null client id", list(cognitoEntry(`"userPoolId": "eu-west-1_AbC123xyz", "clientIds": ["client1", null]`)), 0, "cognito", "clientIds[1]: null"},
	{"numeric client id", list(cognitoEntry(`"userPoolId": "eu-west-1_AbC123xyz", "clientIds": [7]`)), 0, "cognito", "clientIds[0]: a JSON number, want a string"},
	{"empty tokenUse", list(cognitoEntry(poolFields + `, "tokenUse": []`)), 0, "cognito", "tokenUse: an empty array"},
	{"null tokenUse", list(cognitoEntry(poolFields + `, "tokenUse": null`)), 0, "cognito", "tokenUse: null"},
	{"tokenUse a string", list(cognitoEntry(poolFields + `, "tokenUse": "id"`)), 0, "cognito", "tokenUse: a JSON string"},
	{"refresh tokenUse", list(cognitoEntry(poolFields + `, "tokenUse": ["id", "refresh"]`)), 0, "cognito", `tokenUse[1]: "refresh" is not a token use`},
	{"tokenUse in capitals", list(cognitoEntry(poolFields + `, "tokenUse": ["ID"]`)), 0, "cognito", `tokenUse[0]: "ID" is not a token use`},
	{"null cognito jwksUrl", list(cognitoEntry(poolFields + `, "jwksUrl": null`)), 0, "cognito", "jwksUrl: null"},
	{"empty cognito jwksUrl", list(cognitoEntry(poolFields + `, "jwksUrl": ""`)), 0, "cognito", "jwksUrl: "},
	{"plain http cognito jwksUrl", list(cognitoEntry(poolFields + `, "jwksUrl": "http://example.com/keys"`)), 0, "cognito", "jwksUrl: \"http://example.com/keys\": plain http is allowed only"},
	{"ftp cognito jwksUrl", list(cognitoEntry(poolFields + `, "jwksUrl": "ftp://example.com/keys"`)), 0, "cognito", "is not an absolute http(s) URL"},
	{"relative cognito jwksUrl", list(cognitoEntry(poolFields + `, "jwksUrl": "/keys"`)), 0, "cognito", "is not an absolute http(s) URL"},
	{"cognito jwksUrl with user info", list(cognitoEntry(poolFields + `, "jwksUrl": "https://u:p@example.com/keys"`)), 0, "cognito", "is not an absolute http(s) URL"},
	{"unknown cognito key", list(cognitoEntry(poolFields + `, "region": "eu-west-1"`)), 0, "cognito", `unknown key "region"`},
	{"cognito key in another case", list(cognitoEntry(`"userPoolID": "eu-west-1_AbC123xyz", "clientIds": ["client1"]`)), 0, "cognito", `unknown key "userPoolID"`},
	{"an oidc key in cognito", list(cognitoEntry(poolFields + `, "audiences": ["x"]`)), 0, "cognito", `unknown key "audiences"`},
	{"cognito key twice", list(cognitoEntry(poolFields + `, "clientIds": ["client2"]`)), 0, "cognito", `key "clientIds" twice`},
	{"same pool twice", list(goodCognito, goodOIDC, cognitoEntry(`"userPoolId": "eu-west-1_AbC123xyz", "clientIds": ["other"]`)), 2, "cognito", `userPoolId: "eu-west-1_AbC123xyz" is entry 0's again`},
	{"a pool after its issuer", list(oidcEntry(`"issuer": "https://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123xyz", "audiences": ["client1"]`), goodCognito), 1, "cognito", "is entry 0's (oidc) already"},

	// oidc.
	{"no issuer", list(oidcEntry(`"audiences": ["api"]`)), 0, "oidc", "issuer: required"},
	{"null issuer", list(oidcEntry(`"issuer": null, "audiences": ["api"]`)), 0, "oidc", "issuer: null"},
	{"empty issuer", list(oidcEntry(`"issuer": "", "audiences": ["api"]`)), 0, "oidc", `issuer: "" is not an absolute https URL`},
	{"issuer an array", list(oidcEntry(`"issuer": ["https://idp.example.com/"], "audiences": ["api"]`)), 0, "oidc", "issuer: a JSON array"},
	{"relative issuer", list(oidcEntry(`"issuer": "idp.example.com", "audiences": ["api"]`)), 0, "oidc", "is not an absolute https URL"},
	{"issuer without host", list(oidcEntry(`"issuer": "https:///realm", "audiences": ["api"]`)), 0, "oidc", "is not an absolute https URL"},
	{"opaque issuer", list(oidcEntry(`"issuer": "https:idp.example.com", "audiences": ["api"]`)), 0, "oidc", "is not an absolute https URL"},
	{"ftp issuer", list(oidcEntry(`"issuer": "ftp://idp.example.com/", "audiences": ["api"]`)), 0, "oidc", "is not an absolute https URL"},
	{"plain http issuer", list(oidcEntry(`"issuer": "http://idp.example.com/", "audiences": ["api"]`)), 0, "oidc", "plain http is allowed only for a loopback host"},
	{"plain http issuer on the Docker host", list(oidcEntry(`"issuer": "http://host.docker.internal:8080/", "audiences": ["api"]`)), 0, "oidc", "plain http is allowed only for a loopback host"},
	{"plain http keys on the Docker host", list(oidcEntry(`"issuer": "https://idp.example.com/", "audiences": ["api"], "jwksUrl": "http://host.docker.internal/keys"`)), 0, "oidc", "plain http is allowed only for a loopback host"},
	{"a pool's plain http keys on the Docker host", list(cognitoEntry(`"userPoolId": "eu-west-1_AbC123xyz", "clientIds": ["a"], "jwksUrl": "http://host.docker.internal/keys"`)), 0, "cognito", "plain http is allowed only for a loopback host"},
	{"an issuer twice, in capitals", list(oidcEntry(`"issuer": "https://idp.example.com/", "audiences": ["api"]`), oidcEntry(`"issuer": "HTTPS://IDP.EXAMPLE.COM/", "audiences": ["api"]`)), 1, "oidc", "spelled otherwise"},
	{"an issuer twice, a slash apart", list(oidcEntry(`"issuer": "https://idp.example.com/", "audiences": ["api"]`), oidcEntry(`"issuer": "https://idp.example.com", "audiences": ["api"]`)), 1, "oidc", "spelled otherwise"},
	{"plain http issuer on a private address", list(oidcEntry(`"issuer": "http://10.0.0.1/", "audiences": ["api"]`)), 0, "oidc", "plain http is allowed only for a loopback host"},
	{"issuer with user info", list(oidcEntry(`"issuer": "https://me@idp.example.com/", "audiences": ["api"]`)), 0, "oidc", "has user info"},
	{"issuer with a query", list(oidcEntry(`"issuer": "https://idp.example.com/?tenant=a", "audiences": ["api"]`)), 0, "oidc", "has a query"},
	{"issuer with an empty query", list(oidcEntry(`"issuer": "https://idp.example.com/?", "audiences": ["api"]`)), 0, "oidc", "has a query"},
	{"issuer with a fragment", list(oidcEntry(`"issuer": "https://idp.example.com/#a", "audiences": ["api"]`)), 0, "oidc", "has a fragment"},
	{"issuer with an empty fragment", list(oidcEntry(`"issuer": "https://idp.example.com/#", "audiences": ["api"]`)), 0, "oidc", "has a fragment"},
	{"no audiences", list(goodCognito, goodOIDC, oidcEntry(`"issuer": "https://other.example.com/"`)), 2, "oidc", "audiences: required, a non-empty array of strings"},
	{"null audiences", list(oidcEntry(`"issuer": "https://idp.example.com/", "audiences": null`)), 0, "oidc", "audiences: null, want a non-empty array of strings"},
	{"empty audiences", list(oidcEntry(`"issuer": "https://idp.example.com/", "audiences": []`)), 0, "oidc", "audiences: an empty array, want a non-empty array of strings"},
	{"audiences a string", list(oidcEntry(`"issuer": "https://idp.example.com/", "audiences": "api"`)), 0, "oidc", "audiences: a JSON string"},
	{"empty audience", list(oidcEntry(`"issuer": "https://idp.example.com/", "audiences": ["api", ""]`)), 0, "oidc", `audiences[1]: "" is not an audience`},
	{"long audience", list(oidcEntry(`"issuer": "https://idp.example.com/", "audiences": ["` + strings.Repeat("a", 257) + `"]`)), 0, "oidc", "audiences[0]: \"aaaa"},
	{"null audience", list(oidcEntry(`"issuer": "https://idp.example.com/", "audiences": [null]`)), 0, "oidc", "audiences[0]: null"},
	{"audience an object", list(oidcEntry(`"issuer": "https://idp.example.com/", "audiences": [{}]`)), 0, "oidc", "audiences[0]: a JSON object"},
	{"null oidc jwksUrl", list(oidcEntry(issuerFields + `, "jwksUrl": null`)), 0, "oidc", "jwksUrl: null"},
	{"plain http oidc jwksUrl", list(oidcEntry(issuerFields + `, "jwksUrl": "http://idp.example.com/keys"`)), 0, "oidc", "jwksUrl: \"http://idp.example.com/keys\": plain http is allowed only"},
	{"relative oidc jwksUrl", list(oidcEntry(issuerFields + `, "jwksUrl": "keys.json"`)), 0, "oidc", "jwksUrl: \"keys.json\" is not an absolute http(s) URL"},
	{"null algorithms", list(oidcEntry(issuerFields + `, "algorithms": null`)), 0, "oidc", "algorithms: null"},
	{"empty algorithms", list(oidcEntry(issuerFields + `, "algorithms": []`)), 0, "oidc", "algorithms: an empty array"},
	{"algorithms a string", list(oidcEntry(issuerFields + `, "algorithms": "RS256"`)), 0, "oidc", "algorithms: a JSON string"},
	{"HMAC", list(oidcEntry(issuerFields + `, "algorithms": ["RS256", "HS256"]`)), 0, "oidc", `algorithms[1]: "HS256" is not an algorithm accepted`},
	{"none", list(oidcEntry(issuerFields + `, "algorithms": ["none"]`)), 0, "oidc", `algorithms[0]: "none" is not an algorithm accepted`},
	{"ES512", list(oidcEntry(issuerFields + `, "algorithms": ["ES512"]`)), 0, "oidc", `algorithms[0]: "ES512" is not an algorithm accepted`},
	{"algorithm in lower case", list(oidcEntry(issuerFields + `, "algorithms": ["rs256"]`)), 0, "oidc", `algorithms[0]: "rs256"`},
	{"null groupsClaim", list(oidcEntry(issuerFields + `, "groupsClaim": null`)), 0, "oidc", "groupsClaim: null"},
	{"empty groupsClaim", list(oidcEntry(issuerFields + `, "groupsClaim": ""`)), 0, "oidc", `groupsClaim: "" is not a claim's name`},
	{"long groupsClaim", list(oidcEntry(issuerFields + `, "groupsClaim": "` + strings.Repeat("g", 257) + `"`)), 0, "oidc", "groupsClaim: \"gggg"},
	{"groupsClaim an array", list(oidcEntry(issuerFields + `, "groupsClaim": ["groups"]`)), 0, "oidc", "groupsClaim: a JSON array"},
	{"null scopeClaim", list(oidcEntry(issuerFields + `, "scopeClaim": null`)), 0, "oidc", "scopeClaim: null"},
	{"scopes scopeClaim", list(oidcEntry(issuerFields + `, "scopeClaim": "scopes"`)), 0, "oidc", `scopeClaim: "scopes", want "scope" or "scp"`},
	{"empty scopeClaim", list(oidcEntry(issuerFields + `, "scopeClaim": ""`)), 0, "oidc", `scopeClaim: "", want "scope" or "scp"`},
	{"unknown oidc key", list(oidcEntry(issuerFields + `, "audience": "api"`)), 0, "oidc", `unknown key "audience"`},
	{"oidc key in another case", list(oidcEntry(issuerFields + `, "JwksUrl": "https://idp.example.com/keys"`)), 0, "oidc", `unknown key "JwksUrl"`},
	{"a cognito key in oidc", list(oidcEntry(issuerFields + `, "clientIds": ["x"]`)), 0, "oidc", `unknown key "clientIds"`},
	{"oidc key twice", list(oidcEntry(issuerFields + `, "issuer": "https://other.example.com/"`)), 0, "oidc", `key "issuer" twice`},
	{"same issuer twice", list(goodOIDC, goodCognito, oidcEntry(`"issuer": "https://idp.example.com/", "audiences": ["other"]`)), 2, "oidc", `issuer: "https://idp.example.com/" is entry 0's again`},
	{"a listed pool's issuer", list(goodCognito, oidcEntry(`"issuer": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123xyz", "audiences": ["client1"]`)), 1, "oidc", "is the issuer of entry 0's user pool"},
	{"a listed pool's other issuer", list(goodCognito, oidcEntry(`"issuer": "https://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123xyz", "audiences": ["client1"]`)), 1, "oidc", "is the issuer of entry 0's user pool"},
}

// manyOIDC lists n OIDC issuers.
func manyOIDC(n int) string {
	entries := make([]string, n)
	for i := range entries {
		entries[i] = oidcEntry(fmt.Sprintf(`"issuer": "https://idp%d.example.com/", "audiences": ["api"]`, i))
	}
	return list(entries...)
}

// entryPrefix is how an error names an entry.
func entryPrefix(entry int, kind string) string {
	if kind == "" {
		return fmt.Sprintf("entry %d: ", entry)
	}
	return fmt.Sprintf("entry %d (%s): ", entry, kind)
}

// TestLoadAuthorizerIssuersErrors checks that every problem of ISSUERS
// stops the authorizer with an error naming the variable, the entry and
// the problem, and that ParseIssuers gives the same without the name.
func TestLoadAuthorizerIssuersErrors(t *testing.T) {
	for _, tt := range issuersErrorTests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := settings.LoadAuthorizer(env(map[string]string{settings.EnvIssuers: tt.value}))
			if err == nil {
				t.Fatalf("LoadAuthorizer(%s=%s) = nil error", settings.EnvIssuers, tt.value)
			}
			want := settings.EnvIssuers + ": "
			if tt.entry >= 0 {
				want += entryPrefix(tt.entry, tt.kind)
			}
			if !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("LoadAuthorizer(%s=%.300s) error =\n%v\nwant one starting %q holding %q", settings.EnvIssuers, tt.value, err, want, tt.want)
			}
			if strings.Contains(err.Error(), settings.EnvUserPoolID) {
				t.Errorf("error %q asks for %s, which ISSUERS replaces", err, settings.EnvUserPoolID)
			}

			list, perr := settings.ParseIssuers([]byte(tt.value))
			if perr == nil || list != nil {
				t.Fatalf("ParseIssuers(%.300s) = %v, %v, want an error", tt.value, list, perr)
			}
			if got := strings.TrimPrefix(want, settings.EnvIssuers+": "); !strings.HasPrefix(perr.Error(), got) {
				t.Errorf("ParseIssuers error %q does not start with %q", perr, got)
			}
		})
	}
}

// TestParseIssuersReportsEveryProblem: each problem of each entry, each
// naming its entry, and the other variables' problems too.
func TestParseIssuersReportsEveryProblem(t *testing.T) {
	value := list(
		cognitoEntry(`"userPoolId": "pool", "clientIds": [], "tokenUse": ["refresh"]`),
		goodOIDC,
		oidcEntry(`"issuer": "http://idp.example.com/", "algorithms": ["HS256"], "scopeClaim": null`),
		`null`,
	)
	_, err := settings.LoadAuthorizer(env(map[string]string{settings.EnvIssuers: value, settings.EnvLeeway: "soon"}))
	if err == nil {
		t.Fatal("LoadAuthorizer() = nil error")
	}
	wants := []string{
		"ISSUERS: entry 0 (cognito): userPoolId: \"pool\" is not a user pool id",
		"ISSUERS: entry 0 (cognito): clientIds: an empty array",
		"ISSUERS: entry 0 (cognito): tokenUse[0]: \"refresh\" is not a token use",
		"ISSUERS: entry 2 (oidc): issuer: \"http://idp.example.com/\": plain http",
		"ISSUERS: entry 2 (oidc): algorithms[0]: \"HS256\"",
		"ISSUERS: entry 2 (oidc): scopeClaim: null",
		"ISSUERS: entry 2 (oidc): audiences: required, a non-empty array of strings",
		"ISSUERS: entry 3: a JSON null",
		settings.EnvLeeway + ": ",
	}
	lines := strings.Split(err.Error(), "\n")
	for _, w := range wants {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error does not hold %q:\n%v", w, err)
		}
	}
	if len(lines) != len(wants) {
		t.Errorf("error has %d lines, want %d:\n%v", len(lines), len(wants), err)
	}
	for _, l := range lines {
		if strings.HasPrefix(l, "ISSUERS: entry 1") {
			t.Errorf("the good entry 1 has a problem: %s", l)
		}
	}

	_, perr := settings.ParseIssuers([]byte(value))
	var joined interface{ Unwrap() []error }
	if !errors.As(perr, &joined) || len(joined.Unwrap()) != len(wants)-1 {
		t.Errorf("ParseIssuers error = %v, want %d problems in Unwrap() []error", perr, len(wants)-1)
	}
}

func TestLoadAuthorizerIssuers(t *testing.T) {
	cfg, err := settings.LoadAuthorizer(env(map[string]string{settings.EnvIssuers: "\n" + exampleIssuers + "\n"}))
	if err != nil {
		t.Fatal(err)
	}
	want, err := settings.ParseIssuers([]byte(exampleIssuers))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(cfg.Issuers, want) {
		t.Errorf("LoadAuthorizer(ISSUERS) issuers =\n%s\nwant\n%s", dump(cfg.Issuers), dump(want))
	}
}

func TestLoadAuthorizerIssuersFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	good := write("issuers.json", exampleIssuers)
	bad := write("bad.json", list(goodCognito, oidcEntry(`"issuer": "https://idp.example.com/", "audiences": null`)))
	large := write("large.json", "["+strings.Repeat(" ", settings.MaxIssuersSize)+goodCognito+"]")

	cfg, err := settings.LoadAuthorizer(env(map[string]string{settings.EnvIssuersFile: good}))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := settings.ParseIssuers([]byte(exampleIssuers))
	if !reflect.DeepEqual(cfg.Issuers, want) {
		t.Errorf("LoadAuthorizer(ISSUERS_FILE) issuers =\n%s\nwant\n%s", dump(cfg.Issuers), dump(want))
	}

	for _, tt := range []struct {
		name, file, want string
	}{
		{"missing", filepath.Join(dir, "nope.json"), "ISSUERS_FILE: open "},
		{"a directory", dir, "ISSUERS_FILE: reading "},
		{"bad", bad, "ISSUERS_FILE: entry 1 (oidc): audiences: null"},
		{"too large", large, "ISSUERS_FILE: more than 65536 bytes"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := settings.LoadAuthorizer(env(map[string]string{settings.EnvIssuersFile: tt.file}))
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("LoadAuthorizer(ISSUERS_FILE=%s) error = %v, want one starting %q", tt.name, err, tt.want)
			}
		})
	}
}

// TestLoadAuthorizerIssuersAndCognito: ISSUERS replaces COGNITO_* and
// ISSUERS_FILE replaces ISSUERS; setting both stops the function, naming
// both variables.
func TestLoadAuthorizerIssuersAndCognito(t *testing.T) {
	file := filepath.Join(t.TempDir(), "issuers.json")
	if err := os.WriteFile(file, []byte(exampleIssuers), 0o600); err != nil {
		t.Fatal(err)
	}
	cognito := map[string]string{
		settings.EnvUserPoolID: poolID,
		settings.EnvClientIDs:  clientID,
		settings.EnvTokenUse:   "id",
		settings.EnvJWKSURL:    "http://127.0.0.1:9999/keys",
	}
	tests := []struct {
		name string
		env  map[string]string
		want []string // the error's start, then parts of it; nil: no error
	}{
		{"both ISSUERS and ISSUERS_FILE", map[string]string{settings.EnvIssuers: exampleIssuers, settings.EnvIssuersFile: file},
			[]string{"ISSUERS: ", "set ISSUERS or ISSUERS_FILE, not both"}},
		{"ISSUERS and every COGNITO_", maps.Clone(cognito),
			[]string{"ISSUERS: ", "set ISSUERS or COGNITO_USER_POOL_ID (with COGNITO_CLIENT_IDS", "not both",
				"COGNITO_USER_POOL_ID, COGNITO_CLIENT_IDS, COGNITO_TOKEN_USE, COGNITO_JWKS_URL set too"}},
		{"ISSUERS_FILE and COGNITO_USER_POOL_ID", map[string]string{settings.EnvIssuers: "", settings.EnvIssuersFile: file, settings.EnvUserPoolID: poolID},
			[]string{"ISSUERS_FILE: ", "set ISSUERS_FILE or COGNITO_USER_POOL_ID", "; COGNITO_USER_POOL_ID set too"}},
		{"all of them", map[string]string{settings.EnvIssuersFile: file, settings.EnvJWKSURL: "https://example.com/keys"},
			[]string{"ISSUERS: ", "set ISSUERS or COGNITO_USER_POOL_ID", "COGNITO_JWKS_URL set too", "ISSUERS: set ISSUERS or ISSUERS_FILE, not both"}},
		{"neither", map[string]string{settings.EnvIssuers: ""},
			[]string{"COGNITO_USER_POOL_ID: required", "ISSUERS", "COGNITO_CLIENT_IDS: required"}},
		{"blank ISSUERS and COGNITO_", map[string]string{settings.EnvIssuers: "  ", settings.EnvUserPoolID: poolID, settings.EnvClientIDs: clientID}, nil},
	}
	for _, name := range []string{settings.EnvUserPoolID, settings.EnvClientIDs, settings.EnvTokenUse, settings.EnvJWKSURL} {
		tests = append(tests, struct {
			name string
			env  map[string]string
			want []string
		}{"ISSUERS and " + name, map[string]string{settings.EnvIssuers: exampleIssuers, name: cognito[name]},
			[]string{"ISSUERS: ", "set ISSUERS or COGNITO_USER_POOL_ID", "not both; " + name + " set too"}})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vars := maps.Clone(tt.env)
			if _, ok := vars[settings.EnvIssuers]; !ok {
				vars[settings.EnvIssuers] = exampleIssuers
			}
			cfg, err := settings.LoadAuthorizer(env(vars))
			if tt.want == nil {
				if err != nil || len(cfg.Issuers) != 1 || cfg.Issuers[0].Cognito == nil || cfg.Issuers[0].Cognito.UserPoolID != poolID {
					t.Errorf("LoadAuthorizer(%v) = %+v, %v, want the one pool", tt.env, cfg.Issuers, err)
				}
				return
			}
			if err == nil || !strings.HasPrefix(err.Error(), tt.want[0]) {
				t.Fatalf("LoadAuthorizer(%v) error = %v, want one starting %q", tt.env, err, tt.want[0])
			}
			for _, w := range tt.want[1:] {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("LoadAuthorizer(%v) error = %v, want it to hold %q", tt.env, err, w)
				}
			}
		})
	}
}

// TestIssuersSettings checks the settings list: ISSUERS and ISSUERS_FILE
// documented, the pool's variables no longer required on their own.
func TestIssuersSettings(t *testing.T) {
	byName := map[string]settings.Setting{}
	for _, s := range settings.AuthorizerSettings {
		byName[s.Name] = s
	}
	for _, name := range []string{settings.EnvIssuers, settings.EnvIssuersFile} {
		if s, ok := byName[name]; !ok || s.Doc == "" || s.Required {
			t.Errorf("AuthorizerSettings has %+v for %s, want an optional, documented setting", s, name)
		}
	}
	for _, name := range []string{settings.EnvUserPoolID, settings.EnvClientIDs} {
		if s := byName[name]; s.Required || !strings.Contains(s.Doc, "unless `ISSUERS` is set") {
			t.Errorf("%s: %+v, want not Required, its Doc saying it is required unless ISSUERS is set", name, s)
		}
	}
}

func dump(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

// TestParseIssuersBounds: MaxIssuers entries are accepted, and a list
// with many problems (100 unknown keys, 2 missing) reports a bounded
// number of them.
func TestParseIssuersBounds(t *testing.T) {
	if got, err := settings.ParseIssuers([]byte(manyOIDC(settings.MaxIssuers))); err != nil || len(got) != settings.MaxIssuers {
		t.Errorf("ParseIssuers(%d entries) = %d issuers, %v", settings.MaxIssuers, len(got), err)
	}
	keys := make([]string, 100)
	for i := range keys {
		keys[i] = fmt.Sprintf(`"k%d": 1`, i)
	}
	_, err := settings.ParseIssuers([]byte(list(cognitoEntry(strings.Join(keys, ", ")))))
	var joined interface{ Unwrap() []error }
	if !errors.As(err, &joined) {
		t.Fatalf("ParseIssuers(100 unknown keys) error = %v", err)
	}
	problems := joined.Unwrap()
	if len(problems) != 20 || !strings.Contains(problems[19].Error(), "and 83 more problems") {
		t.Errorf("ParseIssuers(100 unknown keys) reports %d problems, the last %v; want 20, the last saying how many more", len(problems), problems[len(problems)-1])
	}
}

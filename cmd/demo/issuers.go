package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/gatehouse-dev/cognito-authorizer/internal/identity"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/cognitotest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/lambdatest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/oidctest"
)

// The second part's issuers: a pool per tenant, with a machine client in
// tenant A's, and a workforce OpenID provider.
const (
	tenantA       = "eu-west-1_TenantA1"
	tenantB       = "us-east-1_TenantB2"
	machineClient = "7machine7client7id"
	oidcAudience  = "https://api.example.com"
	oidcGroups    = "https://example.com/groups"
)

// severalIssuers runs the same binary with ISSUERS listing two pools and an
// OpenID provider (its keys found by discovery), under the same route
// rules, and says whether each case got the answer it should.
func severalIssuers(ctx context.Context, w io.Writer, binary, eventsDir, rules string, verbose bool) (ok bool, n int, err error) {
	a, err := cognitotest.New(tenantA, clientID)
	if err != nil {
		return false, 0, err
	}
	b, err := cognitotest.New(tenantB, clientID)
	if err != nil {
		return false, 0, err
	}
	idp, err := oidctest.New(oidctest.WithGroupsClaim(oidcGroups))
	if err != nil {
		return false, 0, err
	}
	var jwksA, jwksB string
	for _, s := range []struct {
		p   *cognitotest.Pool
		url *string
	}{{a, &jwksA}, {b, &jwksB}} {
		url, stop, err := s.p.Serve(ctx)
		if err != nil {
			return false, 0, err
		}
		defer stop()
		*s.url = url
	}
	issuer, stopIdP, err := idp.Serve(ctx)
	if err != nil {
		return false, 0, err
	}
	defer stopIdP()

	list, err := json.Marshal([]settings.Issuer{
		{Cognito: &settings.CognitoIssuer{UserPoolID: tenantA, ClientIDs: []string{clientID, machineClient}, JWKSURL: jwksA}},
		{Cognito: &settings.CognitoIssuer{UserPoolID: tenantB, ClientIDs: []string{clientID}, JWKSURL: jwksB}},
		{OIDC: &settings.OIDCIssuer{Issuer: issuer, Audiences: []string{oidcAudience}, Algorithms: []string{"RS256", "ES256"}, GroupsClaim: oidcGroups}},
	})
	if err != nil {
		return false, 0, err
	}
	logs := &lambdatest.Output{}
	fn, err := lambdatest.StartFunction(ctx, binary, map[string]string{
		settings.EnvIssuers:    string(list),
		settings.EnvRouteRules: rules,
	}, logs)
	if err != nil {
		return false, 0, err
	}
	defer fn.Stop()

	fmt.Fprintf(w, "\nThe same binary with %s listing two pools (a pool per tenant, a machine client in\n", settings.EnvIssuers)
	fmt.Fprintf(w, "tenant A's) and an OpenID provider at %s (keys by discovery, RS256 and ES256,\ngroups in %q), under the same rules:\n\n", issuer, oidcGroups)
	cases, err := issuerCases(a, b, idp)
	if err != nil {
		return false, 0, err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CASE\tREQUEST\tANSWER\tISSUER\tREASON\tTIME\t")
	ok = true
	for _, c := range cases {
		ans, err := invoke(ctx, fn, logs, eventsDir, c)
		if err != nil {
			return false, 0, fmt.Errorf("%s: %w", c.name, err)
		}
		mark := ""
		if ans.Outcome != c.want || ans.Reason != c.reason {
			ok = false
			mark = fmt.Sprintf("  <-- want %s %s", c.want, c.reason)
		}
		iss, _ := ans.Context[identity.KeyIssuer].(string)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.name, c.shown, ans.Outcome, dash(shortIssuer(iss)), dash(ans.Reason), ans.Took, mark)
	}
	tw.Flush()
	if verbose {
		fmt.Fprintf(w, "\nThe authorizer's log (several issuers):\n%s", logs.String())
	}
	return ok, len(cases), nil
}

// shortIssuer names an issuer in the table: a pool by its id, a provider
// by its host and path.
func shortIssuer(iss string) string {
	if i := strings.LastIndexByte(strings.TrimSuffix(iss, "/"), '/'); strings.Contains(iss, "cognito-idp") && i >= 0 {
		return iss[i+1:]
	}
	return strings.TrimPrefix(iss, "http://")
}

func issuerCases(a, b *cognitotest.Pool, idp *oidctest.Provider) ([]demoCase, error) {
	now := time.Now()
	var firstErr error
	keep := func(tok string, err error) string {
		if err != nil && firstErr == nil {
			firstErr = err
		}
		return tok
	}
	writer := cognitotest.User{Sub: "a0a0a0a0-0000-4000-8000-0000000000a0", Username: "ana", Groups: []string{"writers"}}
	bWriter := cognitotest.User{Sub: "b0b0b0b0-0000-4000-8000-0000000000b0", Username: "bea", Groups: []string{"writers"}}
	bReader := cognitotest.User{Sub: "b1b1b1b1-0000-4000-8000-0000000000b1", Username: "ben"}
	oidcToken := func(aud string, alg string, groups ...string) string {
		c := idp.Claims("00u1okta2user3", aud, groups, now)
		c["preferred_username"] = "olga@example.com"
		return keep(idp.Token(c, alg))
	}
	crossed := b.IDClaims(bWriter, now)
	crossed["iss"] = a.Issuer // pool B's key, naming pool A: A's keys have no such kid
	unlisted, err := cognitotest.New("eu-west-1_NotListed9", clientID)
	if err != nil {
		return nil, err
	}
	const addNote, reports = "POST /add-note", "GET /reports"
	cases := []demoCase{
		{"tenant A, writer", "token.json", "", "", addNote, keep(a.IDToken(writer, now)), "Allow", ""},
		{"tenant B, writer (access token)", "token.json", "", "", addNote, keep(b.AccessToken(bWriter, now)), "Allow", ""},
		{"tenant B, no group", "token.json", "", "", addNote, keep(b.IDToken(bReader, now)), "Deny 403", "missing_group"},
		{"OIDC, RS256, groups claim", "token.json", "", "", addNote, oidcToken(oidcAudience, "RS256", "writers"), "Allow", ""},
		{"OIDC, ES256", "token.json", "GET", "/notes", "GET /notes", oidcToken(oidcAudience, "ES256"), "Allow", ""},
		{"OIDC, another audience", "token.json", "", "", addNote, oidcToken("https://other.example.com", "RS256", "writers"), "Unauthorized 401", "wrong_client"},
		{"machine client: scopes rule", "token.json", "GET", "/reports", reports, keep(a.Sign(a.MachineClaims(machineClient, []string{"notes/read"}, now))), "Allow", ""},
		{"machine client: groups rule", "token.json", "", "", addNote, keep(a.Sign(a.MachineClaims(machineClient, []string{"notes/read"}, now))), "Deny 403", "missing_group"},
		{"pool B's key, naming pool A", "token.json", "", "", addNote, keep(b.Sign(crossed)), "Unauthorized 401", "unknown_key"},
		{"a pool not listed", "token.json", "", "", addNote, keep(unlisted.Sign(jwt.MapClaims(unlisted.IDClaims(writer, now)))), "Unauthorized 401", "wrong_issuer"},
	}
	return cases, firstErr
}

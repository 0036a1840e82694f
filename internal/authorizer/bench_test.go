package authorizer_test

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/authorizertest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/cognitotest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/oidctest"
)

// benchAuthorize measures a warm authorizer (keys fetched, JSON decision logs
// written as in Lambda, to io.Discard) answering ev through HandleEvent, the
// Lambda function's entry.
func benchAuthorize(b *testing.B, f *fixture, ev json.RawMessage, wantErr bool) {
	b.Helper()
	ctx := context.Background()
	if _, err := f.handler.HandleEvent(ctx, ev); (err != nil) != wantErr {
		b.Fatalf("HandleEvent() error = %v, want error: %v", err, wantErr)
	}
	b.ReportAllocs()
	for b.Loop() {
		f.handler.HandleEvent(ctx, ev)
	}
}

// BenchmarkAuthorizeValid answers a TOKEN event with a valid ID token: Allow.
func BenchmarkAuthorizeValid(b *testing.B) {
	f := newFixtureLogging(b, nil, io.Discard)
	benchAuthorize(b, f, tokenEvent("Bearer "+f.idToken(b)), false)
}

// BenchmarkAuthorizeValidHTTP answers an HTTP API's payload 2.0 event
// (events/http-api.json's headers) with a valid ID token, simply: Allow.
func BenchmarkAuthorizeValidHTTP(b *testing.B) {
	f := newFixtureLogging(b, nil, io.Discard)
	tok := f.idToken(b)
	f.handler = f.httpHandler(b, settings.HTTPAPISimple)
	benchAuthorize(b, f, httpEvent("POST", "/add-note", "POST /add-note", map[string]string{
		"accept": "application/json", "authorization": "Bearer " + tok, "content-type": "application/json",
		"host": "abcdef1234.execute-api.eu-west-1.amazonaws.com", "user-agent": "curl/8.5.0", "x-forwarded-for": "203.0.113.10",
	}), false)
}

// BenchmarkAuthorizeValidRequest answers a REQUEST event (events/request.json's
// headers) with a valid access token: Allow.
func BenchmarkAuthorizeValidRequest(b *testing.B) {
	f := newFixtureLogging(b, nil, io.Discard)
	benchAuthorize(b, f, requestEvent(map[string]string{
		"Accept": "application/json", "Authorization": "Bearer " + f.accessToken(b),
		"Content-Type": "application/json", "Host": "abcdef1234.execute-api.eu-west-1.amazonaws.com",
		"User-Agent": "curl/8.5.0", "X-Forwarded-For": "203.0.113.10",
	}, nil), false)
}

// BenchmarkAuthorizeForged answers a token whose signature was made by
// another key: the signature check runs and fails (Unauthorized).
func BenchmarkAuthorizeForged(b *testing.B) {
	f := newFixtureLogging(b, nil, io.Discard)
	other := newFixtureLogging(b, nil, io.Discard)
	tok := strings.Split(f.idToken(b), ".")
	sig := strings.Split(other.idToken(b), ".")[2]
	benchAuthorize(b, f, tokenEvent(tok[0]+"."+tok[1]+"."+sig), true)
}

// BenchmarkAuthorizeMalformed answers garbage: refused before any crypto.
func BenchmarkAuthorizeMalformed(b *testing.B) {
	f := newFixtureLogging(b, nil, io.Discard)
	benchAuthorize(b, f, tokenEvent("Bearer not.a.jwt"), true)
}

// BenchmarkRSA2048Verify is the floor: the RS256 check of the same token
// alone, without parsing, JSON, key lookup or policy.
func BenchmarkRSA2048Verify(b *testing.B) {
	f := newFixtureLogging(b, nil, io.Discard)
	tok := f.idToken(b)
	i := strings.LastIndex(tok, ".")
	sig, err := base64.RawURLEncoding.DecodeString(tok[i+1:])
	if err != nil {
		b.Fatal(err)
	}
	key, _ := f.pool.SigningKey()
	b.ReportAllocs()
	for b.Loop() {
		sum := sha256.Sum256([]byte(tok[:i]))
		if err := rsa.VerifyPKCS1v15(&key.PublicKey, crypto.SHA256, sum[:], sig); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAuthorizeRules100 answers a valid ID token under 100 route rules
// (each caller's policy lists every rule's resource): Allow.
func BenchmarkAuthorizeRules100(b *testing.B) {
	f, ev := rules100(b)
	benchAuthorize(b, f, ev, false)
}

// rules100 is a fixture with 100 route rules, one route each, and a TOKEN
// event the first of them allows alice.
func rules100(b *testing.B) (*fixture, json.RawMessage) {
	var rules strings.Builder
	rules.WriteString("[")
	methods := []string{"GET", "POST", "PUT", "PATCH", "DELETE"}
	for i := range 100 {
		if i > 0 {
			rules.WriteString(",")
		}
		fmt.Fprintf(&rules, `{"route": "%s /r%d/{id}/items", "groups": ["%s"]}`, methods[i%len(methods)], i, []string{"admins", "staff", "billing"}[i%3])
	}
	rules.WriteString("]")
	f := newFixtureLogging(b, map[string]string{settings.EnvRouteRules: rules.String()}, io.Discard)
	ev, _ := json.Marshal(events.APIGatewayCustomAuthorizerRequest{Type: "TOKEN", AuthorizationToken: "Bearer " + f.idToken(b),
		MethodArn: "arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/GET/r0/7/items"})
	return f, ev
}

// BenchmarkAuthorizeDenyRoute answers a valid ID token refused its route
// by a rule (a group it lacks) while its policy allows another: Deny, with
// the context, since API Gateway replays the answer on the other route.
func BenchmarkAuthorizeDenyRoute(b *testing.B) {
	f := newFixtureLogging(b, map[string]string{settings.EnvRouteRules: `[
		{"route": "POST /add-note", "groups": ["billing"]},
		{"route": "GET /notes"}]`}, io.Discard)
	ev, _ := json.Marshal(events.APIGatewayCustomAuthorizerRequest{Type: "TOKEN", AuthorizationToken: "Bearer " + f.idToken(b),
		MethodArn: "arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/POST/add-note"})
	benchAuthorize(b, f, ev, false)
}

// BenchmarkAuthorizeValidThreeIssuers is BenchmarkAuthorizeValid with
// ISSUERS listing the token's pool, another pool and an OpenID provider:
// the token's iss picks its issuer, whatever the others.
func BenchmarkAuthorizeValidThreeIssuers(b *testing.B) {
	pool, jwksURL := cognitotest.Start(b, poolID, clientID)
	_, otherJWKS := cognitotest.Start(b, "us-east-1_OtherPool9", clientID)
	idp := oidctest.Start(b)
	list, err := json.Marshal([]settings.Issuer{
		{Cognito: &settings.CognitoIssuer{UserPoolID: poolID, ClientIDs: []string{clientID}, JWKSURL: jwksURL}},
		{Cognito: &settings.CognitoIssuer{UserPoolID: "us-east-1_OtherPool9", ClientIDs: []string{clientID}, JWKSURL: otherJWKS}},
		{OIDC: &settings.OIDCIssuer{Issuer: idp.Issuer(), Audiences: []string{"https://api.example.com"}, Algorithms: []string{"RS256", "ES256"}}},
	})
	if err != nil {
		b.Fatal(err)
	}
	vars := map[string]string{settings.EnvIssuers: string(list)}
	f := &fixture{pool: pool, handler: authorizertest.NewHandler(b, func(k string) string { return vars[k] }, newLogger(io.Discard))}
	benchAuthorize(b, f, tokenEvent("Bearer "+f.idToken(b)), false)
}

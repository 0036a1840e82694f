package authorizer_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/cognito-authorizer/cmd/authorizer/wire"
	"github.com/gatehouse-dev/cognito-authorizer/internal/authorizer"
	"github.com/gatehouse-dev/cognito-authorizer/internal/decide"
	"github.com/gatehouse-dev/cognito-authorizer/internal/revocation"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/authorizertest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/cognitotest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/emftest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/verify"
)

// metricsFixture is a handler wired from settings, as cmd/authorizer wires
// it (metrics on, in the default namespace), whose pool and revocation
// table count the calls they answer: the calls each log line must report.
type metricsFixture struct {
	pool    *cognitotest.Pool
	handler *authorizer.Handler
	logs    *bytes.Buffer
	getenv  func(string) string
	// jwksGets counts the JWKS requests the pool's server answered.
	jwksGets atomic.Int64
	table    *revocationTable // nil without the revocation check
}

// fixtureOptions say how a metricsFixture differs from the default.
type fixtureOptions struct {
	env        map[string]string
	cold       bool // the keys are not fetched before the first case
	down       bool // the pool's JWKS answers 503
	revocation bool // the revocation check, on a table counting its reads
	tableDown  bool // the table fails every read
	verifier   decide.Verifier
}

func newMetricsFixture(t testing.TB, o fixtureOptions) *metricsFixture {
	t.Helper()
	f := &metricsFixture{logs: new(bytes.Buffer)}
	if o.verifier != nil {
		// A verifier no settings describe: the handler wired by hand,
		// with the metrics the settings turn on by default.
		f.handler = authorizer.New(decide.New(o.verifier), newLogger(f.logs), authorizer.WithMetrics(settings.DefaultMetricsNamespace))
		return f
	}
	pool, err := cognitotest.New(poolID, clientID)
	if err != nil {
		t.Fatal(err)
	}
	pool.SetDown(o.down)
	f.pool = pool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == pool.JWKSPath() {
			f.jwksGets.Add(1)
		}
		pool.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	vars := map[string]string{settings.EnvUserPoolID: poolID, settings.EnvClientIDs: clientID, settings.EnvJWKSURL: srv.URL + pool.JWKSPath()}
	for k, v := range o.env {
		vars[k] = v
	}
	f.getenv = func(k string) string { return vars[k] }
	var opts []decide.Option
	if o.revocation {
		f.table = &revocationTable{revokedBefore: map[string]time.Time{}}
		if o.tableDown {
			f.table.err = errors.New("throttled")
		}
		checker := revocation.NewChecker(revocation.NewStore(f.table, "revocations"), nil, revocation.WithCacheTTL(time.Minute))
		opts = append(opts, decide.WithRevocations(checker))
	}
	f.handler = authorizertest.NewHandler(t, f.getenv, newLogger(f.logs), opts...)
	if !o.cold && !o.down {
		// Fetch the keys, whatever the answer, so that the cases'
		// lines count only what they fetched themselves.
		tok, err := pool.AccessToken(cognitotest.User{Sub: "warm-up", Username: "warm-up"}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		f.invoke(t, tokenEvent("Bearer "+tok))
		if f.jwksGets.Load() != 1 {
			t.Fatalf("warming up made %d JWKS requests, want 1", f.jwksGets.Load())
		}
	}
	return f
}

// invoke answers ev through HandleEvent, the Lambda function's entry, and
// returns the one log line it wrote.
func (f *metricsFixture) invoke(t testing.TB, ev json.RawMessage) []byte {
	t.Helper()
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-1"})
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	before := f.logs.Len()
	f.handler.HandleEvent(ctx, ev)
	written := bytes.TrimSuffix(f.logs.Bytes()[before:], []byte("\n"))
	if len(written) == 0 || bytes.Contains(written, []byte("\n")) {
		t.Fatalf("HandleEvent() wrote %q, want one line", written)
	}
	return written
}

// sign signs claims with the pool's key, changing its header first.
func (f *metricsFixture) sign(t testing.TB, claims jwt.MapClaims, method jwt.SigningMethod, key any, header map[string]any) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	delete(tok.Header, "typ")
	for k, v := range header {
		if v == nil {
			delete(tok.Header, k)
			continue
		}
		tok.Header[k] = v
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// revocationTable is a revocation table (the DynamoDB API the Store reads)
// counting its reads; a sub in revokedBefore signed out before that time.
type revocationTable struct {
	revocation.API
	mu            sync.Mutex
	revokedBefore map[string]time.Time
	err           error
	reads         atomic.Int64
}

func (tb *revocationTable) BatchGetItem(_ context.Context, in *dynamodb.BatchGetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	tb.reads.Add(1)
	if tb.err != nil {
		return nil, tb.err
	}
	tb.mu.Lock()
	defer tb.mu.Unlock()
	out := &dynamodb.BatchGetItemOutput{Responses: map[string][]map[string]types.AttributeValue{}}
	for name, ka := range in.RequestItems {
		for _, k := range ka.Keys {
			id, _ := k[revocation.AttrID].(*types.AttributeValueMemberS)
			if id == nil || !strings.HasPrefix(id.Value, revocation.PrefixSub) {
				continue
			}
			before, ok := tb.revokedBefore[strings.TrimPrefix(id.Value, revocation.PrefixSub)]
			if !ok {
				continue
			}
			out.Responses[name] = append(out.Responses[name], map[string]types.AttributeValue{
				revocation.AttrID:            id,
				revocation.AttrRevokedBefore: &types.AttributeValueMemberN{Value: strconv.FormatInt(before.Unix(), 10)},
				revocation.AttrExpiresAt:     &types.AttributeValueMemberN{Value: strconv.FormatInt(before.Add(time.Hour).Unix(), 10)},
			})
		}
	}
	return out, nil
}

// brokenVerifier fails in a way verify does not name.
type brokenVerifier struct{}

func (brokenVerifier) Verify(context.Context, string) (*verify.Claims, error) {
	return nil, errors.New("the verifier broke")
}

// metricsWant is what one line's metrics must say.
type metricsWant struct {
	outcome decide.Outcome
	reason  string // "none" for an Allow
	route   string // with route rules: the rule's route or "none"; "" without
	routed  bool
	// jwks and lookups are the JWKS fetches and table reads the
	// invocation made (0: no member, no metric definition).
	jwks, lookups int64
}

// checkEMF validates line against the EMF specification and checks it says
// what want says, in the default namespace.
func checkEMF(t testing.TB, line []byte, want metricsWant, before, after time.Time) {
	t.Helper()
	doc, err := emftest.Parse(line)
	if err != nil {
		t.Fatalf("the log line is not valid EMF: %v\n%s", err, line)
	}
	if len(doc.Directives) != 1 {
		t.Fatalf("%d metric directives, want 1: %s", len(doc.Directives), line)
	}
	dimensions := [][]string{{settings.DimensionOutcome}, {settings.DimensionOutcome, settings.DimensionReason}}
	if want.routed {
		dimensions = append(dimensions, []string{settings.DimensionRoute, settings.DimensionOutcome})
	}
	metrics := []emftest.Metric{{Name: settings.MetricDecisions, Unit: "Count"}, {Name: settings.MetricDecisionLatency, Unit: "Milliseconds"}}
	if want.jwks > 0 {
		metrics = append(metrics, emftest.Metric{Name: settings.MetricJWKSFetches, Unit: "Count"})
	}
	if want.lookups > 0 {
		metrics = append(metrics, emftest.Metric{Name: settings.MetricRevocationLookups, Unit: "Count"})
	}
	wantDirective := emftest.Directive{Namespace: settings.DefaultMetricsNamespace, Dimensions: dimensions, Metrics: metrics}
	if diff := cmp.Diff(wantDirective, doc.Directives[0]); diff != "" {
		t.Errorf("metric directive (-want +got):\n%s\n%s", diff, line)
	}

	m := doc.Members
	wantMembers := map[string]any{
		settings.DimensionOutcome: want.outcome.String(),
		"decision":                want.outcome.String(),
		settings.DimensionReason:  want.reason,
		settings.MetricDecisions:  json.Number("1"),
	}
	if want.routed {
		wantMembers[settings.DimensionRoute] = want.route
	}
	if want.jwks > 0 {
		wantMembers[settings.MetricJWKSFetches] = json.Number(strconv.FormatInt(want.jwks, 10))
	}
	if want.lookups > 0 {
		wantMembers[settings.MetricRevocationLookups] = json.Number(strconv.FormatInt(want.lookups, 10))
	}
	for k, w := range wantMembers {
		if m[k] != w {
			t.Errorf("%s = %#v, want %#v\n%s", k, m[k], w, line)
		}
	}
	for _, k := range []string{settings.MetricJWKSFetches, settings.MetricRevocationLookups, settings.DimensionRoute} {
		if _, ok := wantMembers[k]; !ok {
			if v, ok := m[k]; ok {
				t.Errorf("%s = %v, want no such member\n%s", k, v, line)
			}
		}
	}
	// The latency is the line's duration.
	if lat, ms := m[settings.MetricDecisionLatency], m["duration_ms"]; lat != ms {
		t.Errorf("%s = %v, duration_ms = %v, want the same", settings.MetricDecisionLatency, lat, ms)
	}
	if lat, err := m[settings.MetricDecisionLatency].(json.Number).Float64(); err != nil || lat < 0 || lat > float64(after.Sub(before).Microseconds())/1000 {
		t.Errorf("%s = %v, want 0 to the invocation's %v", settings.MetricDecisionLatency, m[settings.MetricDecisionLatency], after.Sub(before))
	}
	// Timestamp: when the line was written, the line's own time.
	if doc.Timestamp < before.UnixMilli() || doc.Timestamp > after.UnixMilli() {
		t.Errorf("Timestamp %d, want between %d and %d", doc.Timestamp, before.UnixMilli(), after.UnixMilli())
	}
	if ts, err := time.Parse(time.RFC3339Nano, m["time"].(string)); err != nil || ts.UnixMilli() != doc.Timestamp {
		t.Errorf("Timestamp %d, line's time %v, want the same instant", doc.Timestamp, m["time"])
	}
}

// TestMetricsOfEveryDecision drives the handler to every outcome and every
// reason of decide.Reasons and validates each log line against the EMF
// specification: its dimensions, its values, and the key fetches and
// table reads it reports, which must be those its invocation made.
func TestMetricsOfEveryDecision(t *testing.T) {
	rules, err := os.ReadFile("../policy/testdata/rules.json")
	if err != nil {
		t.Fatal(err)
	}
	configs := map[string]fixtureOptions{
		"default":        {},
		"cold":           {cold: true},
		"cold, 2":        {cold: true},
		"JWKS down":      {down: true},
		"access only":    {env: map[string]string{settings.EnvTokenUse: "access"}},
		"scope required": {env: map[string]string{settings.EnvRequiredScopes: "notes/delete"}},
		"group required": {env: map[string]string{settings.EnvRequiredGroups: "billing"}},
		"key required":   {env: map[string]string{settings.EnvUsageIdentifierClaim: "custom:tenant_key", settings.EnvUsageIdentifierRequired: "true"}},
		"rules":          {env: map[string]string{settings.EnvRouteRules: string(rules)}},
		"revocation":     {revocation: true},
		"table down":     {revocation: true, tableDown: true},
		"broken":         {verifier: brokenVerifier{}},
		"panicking":      {verifier: panicVerifier{}},
	}
	fixtures := map[string]*metricsFixture{}
	fixture := func(t *testing.T, name string) *metricsFixture {
		if f, ok := fixtures[name]; ok {
			return f
		}
		o, ok := configs[name]
		if !ok {
			t.Fatalf("no configuration %q", name)
		}
		fixtures[name] = newMetricsFixture(t, o)
		return fixtures[name]
	}

	now := time.Now()
	writer := cognitotest.User{Sub: "22222222-0000-4000-8000-000000000b0b", Username: "bob", Groups: []string{"writers"}}
	// Events, each made on the fixture that answers it.
	token := func(u cognitotest.User, change func(jwt.MapClaims)) func(*testing.T, *metricsFixture) json.RawMessage {
		return func(t *testing.T, f *metricsFixture) json.RawMessage {
			claims := f.pool.IDClaims(u, now)
			if change != nil {
				change(claims)
			}
			tok, err := f.pool.Sign(claims)
			if err != nil {
				t.Fatal(err)
			}
			return tokenEvent("Bearer " + tok)
		}
	}
	raw := func(v string) func(*testing.T, *metricsFixture) json.RawMessage {
		return func(*testing.T, *metricsFixture) json.RawMessage { return tokenEvent(v) }
	}
	signed := func(method jwt.SigningMethod, key func(*metricsFixture) any, header map[string]any) func(*testing.T, *metricsFixture) json.RawMessage {
		return func(t *testing.T, f *metricsFixture) json.RawMessage {
			_, kid := f.pool.SigningKey()
			h := map[string]any{"kid": kid}
			for k, v := range header {
				h[k] = v
			}
			return tokenEvent("Bearer " + f.sign(t, f.pool.IDClaims(alice, now), method, key(f), h))
		}
	}
	poolKey := func(f *metricsFixture) any { k, _ := f.pool.SigningKey(); return k }
	otherKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	routed := func(u cognitotest.User, method, path string) func(*testing.T, *metricsFixture) json.RawMessage {
		return func(t *testing.T, f *metricsFixture) json.RawMessage {
			tok, err := f.pool.IDToken(u, now)
			if err != nil {
				t.Fatal(err)
			}
			ev, _ := json.Marshal(events.APIGatewayCustomAuthorizerRequest{Type: "TOKEN", AuthorizationToken: "Bearer " + tok,
				MethodArn: "arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/" + method + "/" + path})
			return ev
		}
	}
	// once is one token per fixture, whatever the case: a second
	// invocation with it finds the revocation check's answer cached.
	tokens := map[*metricsFixture]json.RawMessage{}
	once := func(t *testing.T, f *metricsFixture) json.RawMessage {
		if _, ok := tokens[f]; !ok {
			tokens[f] = token(alice, nil)(t, f)
		}
		return tokens[f]
	}
	signedOut := func(t *testing.T, f *metricsFixture) json.RawMessage {
		mallory := cognitotest.User{Sub: "mallory-sub", Username: "mallory"}
		f.table.mu.Lock()
		f.table.revokedBefore[mallory.Sub] = now.Add(time.Minute)
		f.table.mu.Unlock()
		return token(mallory, nil)(t, f)
	}

	tests := []struct {
		config, name string
		event        func(*testing.T, *metricsFixture) json.RawMessage
		reason       decide.Reason // ReasonNone: an Allow
		route        string        // with route rules
		jwks         int64
		lookups      int64
	}{
		{config: "cold", name: "allow, the keys fetched", event: token(alice, nil), jwks: 1},
		{config: "cold", name: "allow, the keys cached", event: token(alice, nil)},
		{config: "cold, 2", name: "unknown key, the keys fetched", reason: decide.ReasonUnknownKey, event: signed(jwt.SigningMethodRS256, poolKey, map[string]any{"kid": "another"}), jwks: 1},
		{config: "JWKS down", name: "keys unavailable", reason: decide.ReasonKeysUnavailable, event: token(alice, nil), jwks: 1},

		{config: "default", name: "allow", event: token(alice, nil)},
		{config: "default", name: "allow, HTTP API", event: func(t *testing.T, f *metricsFixture) json.RawMessage {
			tok, err := f.pool.IDToken(alice, now)
			if err != nil {
				t.Fatal(err)
			}
			return httpEvent("POST", "/add-note", "POST /add-note", bearer(tok))
		}},
		{config: "default", name: "no token", reason: decide.ReasonNoToken, event: raw("")},
		{config: "default", name: "basic", reason: decide.ReasonBadScheme, event: raw("Basic YWxpY2U6c2VjcmV0")},
		{config: "default", name: "two tokens", reason: decide.ReasonAmbiguousToken, event: func(*testing.T, *metricsFixture) json.RawMessage {
			return requestEvent(nil, map[string][]string{"Authorization": {"Bearer a.b.c", "Bearer d.e.f"}})
		}},
		{config: "default", name: "not a JWT", reason: decide.ReasonNotJWT, event: raw("Bearer not-a-jwt")},
		{config: "default", name: "too large", reason: decide.ReasonTooLarge, event: raw("Bearer " + strings.Repeat("a", verify.MaxTokenSize) + ".b.c")},
		{config: "default", name: "malformed", reason: decide.ReasonMalformed, event: raw("Bearer abc.def.ghi")},
		{config: "default", name: "HS256", reason: decide.ReasonAlgorithm, event: signed(jwt.SigningMethodHS256, func(*metricsFixture) any { return []byte("secret") }, nil)},
		{config: "default", name: "jku header", reason: decide.ReasonHeader, event: signed(jwt.SigningMethodRS256, poolKey, map[string]any{"jku": "https://attacker.example/jwks.json"})},
		{config: "default", name: "no kid", reason: decide.ReasonMissingKID, event: signed(jwt.SigningMethodRS256, poolKey, map[string]any{"kid": nil})},
		{config: "default", name: "forged", reason: decide.ReasonBadSignature, event: signed(jwt.SigningMethodRS256, func(*metricsFixture) any { return otherKey }, nil)},
		{config: "default", name: "another pool", reason: decide.ReasonWrongIssuer, event: token(alice, func(c jwt.MapClaims) {
			c["iss"] = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other1234"
		})},
		{config: "default", name: "another client", reason: decide.ReasonWrongClient, event: token(alice, func(c jwt.MapClaims) { c["aud"] = "another-client" })},
		{config: "default", name: "expired", reason: decide.ReasonExpired, event: token(alice, func(c jwt.MapClaims) {
			c["iat"], c["exp"] = now.Add(-2*time.Hour).Unix(), now.Add(-time.Hour).Unix()
		})},
		{config: "default", name: "not yet valid", reason: decide.ReasonNotYetValid, event: token(alice, func(c jwt.MapClaims) { c["nbf"] = now.Add(time.Hour).Unix() })},
		{config: "default", name: "no sub", reason: decide.ReasonInvalidClaims, event: token(alice, func(c jwt.MapClaims) { delete(c, "sub") })},
		{config: "default", name: "not an event", reason: decide.ReasonBadEvent, event: func(*testing.T, *metricsFixture) json.RawMessage { return []byte("{") }},
		{config: "default", name: "not a methodArn", reason: decide.ReasonBadARN, event: func(t *testing.T, f *metricsFixture) json.RawMessage {
			b, _ := json.Marshal(map[string]any{"type": "TOKEN", "authorizationToken": "Bearer a.b.c", "methodArn": "hello"})
			return b
		}},

		{config: "access only", name: "an ID token", reason: decide.ReasonWrongTokenUse, event: token(alice, nil)},
		{config: "scope required", name: "no such scope", reason: decide.ReasonMissingRequiredScope, event: token(alice, nil)},
		{config: "group required", name: "no such group", reason: decide.ReasonMissingRequiredGroup, event: token(alice, nil)},
		{config: "key required", name: "no key", reason: decide.Reason("no_usage_key"), event: token(alice, nil)},

		{config: "rules", name: "allow by rule", event: routed(writer, "POST", "add-note"), route: "POST /add-note"},
		{config: "rules", name: "not in the group", reason: decide.ReasonMissingGroup, event: routed(alice, "POST", "add-note"), route: "POST /add-note"},
		{config: "rules", name: "another's notes", reason: decide.ReasonNotOwner, event: routed(writer, "GET", "users/"+alice.Sub+"/notes"), route: "GET /users/{userId}/notes"},
		{config: "rules", name: "no tenant", reason: decide.ReasonClaimMismatch, event: routed(alice, "DELETE", "admin/users/1"), route: "ANY /admin/{proxy+}"},
		{config: "rules", name: "no scope", reason: decide.ReasonMissingScope, event: routed(writer, "GET", "reports"), route: "GET /reports"},
		{config: "rules", name: "no rule", reason: decide.ReasonNoRule, event: routed(writer, "GET", "unlisted"), route: "none"},
		{config: "rules", name: "no token, no route", reason: decide.ReasonNoToken, event: raw(""), route: "none"},

		{config: "revocation", name: "allow, the table read", event: once, lookups: 1},
		{config: "revocation", name: "allow, the table's answer cached", event: once},
		{config: "revocation", name: "signed out", reason: decide.ReasonRevoked, event: signedOut, lookups: 1},
		{config: "table down", name: "table unavailable", reason: decide.ReasonRevocationUnavailable, event: token(alice, nil), lookups: 1},

		{config: "broken", name: "the verifier broke", reason: decide.ReasonUnverified, event: raw("Bearer a.b.c")},
		{config: "panicking", name: "a panic", reason: decide.ReasonPanic, event: raw("Bearer a.b.c")},
	}
	outcomes := map[decide.Reason]decide.Outcome{decide.ReasonNone: decide.Allow}
	for _, info := range decide.Reasons {
		outcomes[info.Reason] = info.Outcome
	}
	produced := map[decide.Reason]bool{}
	for _, tt := range tests {
		t.Run(tt.config+"/"+tt.name, func(t *testing.T) {
			f := fixture(t, tt.config)
			outcome, ok := outcomes[tt.reason]
			if !ok {
				t.Fatalf("reason %q is not in decide.Reasons", tt.reason)
			}
			ev := tt.event(t, f)
			jwks := f.jwksGets.Load()
			var lookups int64
			if f.table != nil {
				lookups = f.table.reads.Load()
			}
			before := time.Now()
			line := f.invoke(t, ev)
			after := time.Now()

			// What the pool and the table saw is what the line says.
			if got := f.jwksGets.Load() - jwks; got != tt.jwks {
				t.Errorf("the invocation made %d JWKS requests, want %d", got, tt.jwks)
			}
			if f.table != nil {
				if got := f.table.reads.Load() - lookups; got != tt.lookups {
					t.Errorf("the invocation read the table %d times, want %d", got, tt.lookups)
				}
			}
			reason := string(tt.reason)
			if tt.reason == decide.ReasonNone {
				reason = "none"
			}
			checkEMF(t, line, metricsWant{outcome: outcome, reason: reason, route: tt.route, routed: tt.config == "rules",
				jwks: tt.jwks, lookups: tt.lookups}, before, after)
			if !t.Failed() {
				produced[tt.reason] = true
			}
		})
	}
	for _, info := range decide.Reasons {
		if !produced[info.Reason] {
			t.Errorf("no case produced reason %s (%s) with valid metrics", info.Reason, info.Outcome)
		}
	}
	if !produced[decide.ReasonNone] {
		t.Errorf("no case produced an Allow with valid metrics")
	}
}

// TestMetricsOff: METRICS_NAMESPACE="" gives the plain line: no _aws, no
// metric member.
func TestMetricsOff(t *testing.T) {
	pool, jwksURL := cognitotest.Start(t, poolID, clientID)
	vars := map[string]string{settings.EnvUserPoolID: poolID, settings.EnvClientIDs: clientID, settings.EnvJWKSURL: jwksURL, settings.EnvMetricsNamespace: ""}
	cfg, err := settings.LookupAuthorizer(func(k string) (string, bool) { v, ok := vars[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	logs := new(bytes.Buffer)
	d, _, err := wire.Decider(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	f := &metricsFixture{pool: pool, handler: authorizer.New(d, newLogger(logs), wire.HandlerOptions(cfg)...), logs: logs}
	tok, err := pool.IDToken(alice, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range []json.RawMessage{tokenEvent("Bearer " + tok), tokenEvent("")} {
		line := f.invoke(t, ev)
		if emftest.Validate(line) == nil {
			t.Errorf("with metrics off the line is EMF: %s", line)
		}
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"_aws", settings.DimensionOutcome, settings.MetricDecisions, settings.MetricDecisionLatency, settings.MetricJWKSFetches, settings.MetricRevocationLookups} {
			if _, ok := m[k]; ok {
				t.Errorf("with metrics off the line has %s: %s", k, line)
			}
		}
		if m["decision"] == nil || m["reason"] == nil || m["duration_ms"] == nil {
			t.Errorf("the line lacks decision, reason or duration_ms: %s", line)
		}
	}
}

// TestMetricsCountNoFetchOutsideTheInvocation: keys fetched before the
// invocation (cmd/authorizer fetches them at start) or by another
// invocation it waited for are not the line's.
func TestMetricsCountNoFetchOutsideTheInvocation(t *testing.T) {
	t.Run("at start", func(t *testing.T) {
		f := newMetricsFixture(t, fixtureOptions{cold: true})
		cfg, err := settings.LoadAuthorizer(f.getenv)
		if err != nil {
			t.Fatal(err)
		}
		// As cmd/authorizer wires it, its key fetches logged elsewhere.
		d, keys, err := wire.Decider(cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		f.handler = authorizer.New(d, newLogger(f.logs), wire.HandlerOptions(cfg)...)
		for _, k := range keys {
			if err := k.Refresh(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		tok, err := f.pool.IDToken(alice, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		before := time.Now()
		line := f.invoke(t, tokenEvent("Bearer "+tok))
		checkEMF(t, line, metricsWant{outcome: decide.Allow, reason: "none"}, before, time.Now())
		if got := f.jwksGets.Load(); got != 1 {
			t.Errorf("%d JWKS requests, want the one at start", got)
		}
	})

	t.Run("concurrent invocations share a fetch", func(t *testing.T) {
		f := newMetricsFixture(t, fixtureOptions{cold: true})
		release := make(chan struct{})
		slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			f.jwksGets.Add(1)
			<-release
			f.pool.ServeHTTP(w, r)
		})
		srv := httptest.NewServer(slow)
		t.Cleanup(srv.Close)
		vars := map[string]string{settings.EnvUserPoolID: poolID, settings.EnvClientIDs: clientID, settings.EnvJWKSURL: srv.URL + f.pool.JWKSPath()}
		logs := new(lockedBuffer)
		f.handler = authorizertest.NewHandler(t, func(k string) string { return vars[k] }, newLogger(logs))
		tok, err := f.pool.IDToken(alice, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		const n = 4
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				f.handler.HandleEvent(ctx, tokenEvent("Bearer "+tok))
			})
		}
		for deadline := time.Now().Add(5 * time.Second); f.jwksGets.Load() == 0 && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
		time.Sleep(50 * time.Millisecond) // the others join the fetch
		close(release)
		wg.Wait()
		var fetches int64
		lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
		if len(lines) != n {
			t.Fatalf("%d lines for %d invocations", len(lines), n)
		}
		for _, l := range lines {
			doc, err := emftest.Parse([]byte(l))
			if err != nil {
				t.Fatalf("not EMF: %v: %s", err, l)
			}
			if doc.Members["decision"] != "allow" {
				t.Errorf("decision %v, want allow: %s", doc.Members["decision"], l)
			}
			if v, ok := doc.Members[settings.MetricJWKSFetches]; ok {
				k, _ := v.(json.Number).Int64()
				fetches += k
			}
		}
		if got := f.jwksGets.Load(); fetches != got || got != 1 {
			t.Errorf("the lines count %d JWKS fetches, the pool served %d, want 1 and 1", fetches, got)
		}
	})
}

// lockedBuffer is a bytes.Buffer for concurrent writers.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// BenchmarkAuthorizeValidMetricsOff is BenchmarkAuthorizeValid with
// METRICS_NAMESPACE="": the two tell the metrics' cost.
func BenchmarkAuthorizeValidMetricsOff(b *testing.B) {
	f := newFixtureLogging(b, nil, io.Discard)
	f.handler = authorizer.New(authorizertest.NewDecider(b, f.getenv), newLogger(io.Discard), authorizer.WithMetrics(""))
	benchAuthorize(b, f, tokenEvent("Bearer "+f.idToken(b)), false)
}

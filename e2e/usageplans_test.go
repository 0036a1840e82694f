package e2e

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/gatehouse-dev/cognito-authorizer/internal/decide"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/apigwtest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/authorizertest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/mototest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/testenv"
)

// usageClaim is the claim docs/usage-plans.md has the authorizer read.
const usageClaim = "custom:tenant_key"

// TestUsagePlansCLI runs docs/usage-plans.md's three AWS CLI blocks (the
// pool, the API, a tenant) against moto_server, on a REST API with one
// method made here and a user created between the pool and the tenant,
// and checks what they made; then the real authorizer, given moto's pool,
// answers the user's ID token with the tenant's API key, and the local API
// Gateway, holding the plan's keys as moto lists them, serves the method.
//
// What moto does not play is left out (docs/usage-plans.md says so):
// UpdateMethod is not implemented in moto 5.2, so updateMethodShim records
// its arguments; moto does not enforce an app client's write attributes
// (a user's own update-user-attributes of the key succeeds there), so only
// the client's settings are checked; and moto neither invokes authorizers
// nor meters plans, which apigwtest.Gateway plays instead.
func TestUsagePlansCLI(t *testing.T) {
	testenv.LookPath(t, "aws", "pip install awscli")
	poolBlock := readmeMarked(t, "usage-plans-pool")
	apiBlock := readmeMarked(t, "usage-plans-api")
	tenantBlock := readmeMarked(t, "usage-plans-tenant")
	endpoint := mototest.Start(t)
	run := newAWSRunner(t, endpoint)

	// What the reader already has: a REST API with a method.
	var api struct{ ID string }
	run.json(&api, "apigateway", "create-rest-api", "--name", "notes")
	var resources struct{ Items []struct{ ID string } }
	run.json(&resources, "apigateway", "get-resources", "--rest-api-id", api.ID)
	var resource struct{ ID string }
	run.json(&resource, "apigateway", "create-resource", "--rest-api-id", api.ID,
		"--parent-id", resources.Items[0].ID, "--path-part", "notes")
	var ignored any
	run.json(&ignored, "apigateway", "put-method", "--rest-api-id", api.ID, "--resource-id", resource.ID,
		"--http-method", "GET", "--authorization-type", "NONE")
	run.json(&ignored, "apigateway", "put-integration", "--rest-api-id", api.ID, "--resource-id", resource.ID,
		"--http-method", "GET", "--type", "MOCK")

	// A user of the new pool, between its block and the tenant's, as a
	// sign-up would make one.
	const username, password = "alice@example.com", "Correct-Horse-9-Battery"
	newUser := `aws cognito-idp admin-create-user --user-pool-id "$POOL_ID" --username "$USERNAME" \
  --user-attributes Name=email,Value="$USERNAME" Name=email_verified,Value=true --message-action SUPPRESS >/dev/null
aws cognito-idp admin-set-user-password --user-pool-id "$POOL_ID" --username "$USERNAME" --password "$PASSWORD" --permanent
`
	dir := t.TempDir()
	script := "set -euo pipefail\n" + updateMethodShim + poolBlock + apiBlock + newUser + tenantBlock +
		`printf '%s\n' "$POOL_ID" "$CLIENT_ID" "$PLAN_ID" "$KEY_ID" "$TENANT_KEY"` + "\n"
	cmd := exec.CommandContext(t.Context(), "bash", "-c", script)
	cmd.Dir = dir
	cmd.Env = append(run.env,
		"API_ID="+api.ID,
		"RESOURCE_ID="+resource.ID,
		"HTTP_METHOD=GET",
		"STAGE=prod",
		"TENANT=tenant-a",
		"USERNAME="+username,
		"PASSWORD="+password,
	)
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("docs/usage-plans.md's steps failed: %v\n%s\n%s", err, out, stderr)
	}
	vals := strings.Fields(string(out))
	if len(vals) < 5 {
		t.Fatalf("the steps printed %q, want the pool, client, plan and key ids and the tenant's key last", out)
	}
	vals = vals[len(vals)-5:]
	poolID, clientID, planID, keyID, tenantKey := vals[0], vals[1], vals[2], vals[3], vals[4]
	if !decide.IsUsageKey(tenantKey) {
		t.Fatalf("the tenant's key %q is not one the authorizer answers (20 to 128 of A-Za-z0-9._~+/=-)", tenantKey)
	}

	t.Run("attribute", func(t *testing.T) {
		type attribute struct {
			Name, AttributeDataType    string
			Mutable                    bool
			StringAttributeConstraints struct{ MinLength, MaxLength string }
		}
		var pool struct {
			UserPool struct{ SchemaAttributes []attribute }
		}
		run.json(&pool, "cognito-idp", "describe-user-pool", "--user-pool-id", poolID)
		i := slices.IndexFunc(pool.UserPool.SchemaAttributes, func(a attribute) bool { return a.Name == usageClaim })
		if i < 0 {
			t.Fatalf("the pool has no %s: %+v", usageClaim, pool.UserPool.SchemaAttributes)
		}
		a := pool.UserPool.SchemaAttributes[i]
		if a.AttributeDataType != "String" || !a.Mutable || a.StringAttributeConstraints.MinLength != "20" || a.StringAttributeConstraints.MaxLength != "128" {
			t.Errorf("%s = %+v, want a mutable String of 20 to 128 characters", usageClaim, a)
		}
	})

	t.Run("client", func(t *testing.T) {
		var client struct {
			UserPoolClient struct{ ReadAttributes, WriteAttributes []string }
		}
		run.json(&client, "cognito-idp", "describe-user-pool-client", "--user-pool-id", poolID, "--client-id", clientID)
		c := client.UserPoolClient
		// An empty list would mean Cognito's default: the list must be
		// explicit, and without the key.
		if len(c.WriteAttributes) == 0 || slices.Contains(c.WriteAttributes, usageClaim) {
			t.Errorf("write attributes = %q, want an explicit list without %s", c.WriteAttributes, usageClaim)
		}
		if !slices.Contains(c.ReadAttributes, usageClaim) {
			t.Errorf("read attributes = %q, want %s (ID tokens carry only readable attributes)", c.ReadAttributes, usageClaim)
		}
	})

	t.Run("API", func(t *testing.T) {
		var rest struct{ APIKeySource string }
		run.json(&rest, "apigateway", "get-rest-api", "--rest-api-id", api.ID)
		if rest.APIKeySource != "AUTHORIZER" {
			t.Errorf("apiKeySource = %q, want AUTHORIZER", rest.APIKeySource)
		}
		b, err := os.ReadFile(filepath.Join(dir, "update-method.args"))
		if err != nil {
			t.Fatalf("the steps did not run aws apigateway update-method: %v", err)
		}
		want := []string{"--rest-api-id", api.ID, "--resource-id", resource.ID, "--http-method", "GET",
			"--patch-operations", "op=replace,path=/apiKeyRequired,value=true"}
		if got := strings.Fields(string(b)); !slices.Equal(got, want) {
			t.Errorf("aws apigateway update-method %q, want %q", got, want)
		}
		var stage struct{ DeploymentID string }
		run.json(&stage, "apigateway", "get-stage", "--rest-api-id", api.ID, "--stage-name", "prod")
		if stage.DeploymentID == "" {
			t.Error("stage prod has no deployment")
		}
	})

	var keys struct {
		Items []struct{ ID, Type, Value string }
	}
	run.json(&keys, "apigateway", "get-usage-plan-keys", "--usage-plan-id", planID)
	t.Run("plan", func(t *testing.T) {
		var plan struct {
			APIStages []struct{ APIID, Stage string }
			Throttle  struct {
				BurstLimit int
				RateLimit  float64
			}
			Quota struct {
				Limit  int
				Period string
			}
		}
		run.json(&plan, "apigateway", "get-usage-plan", "--usage-plan-id", planID)
		if len(plan.APIStages) != 1 || plan.APIStages[0].APIID != api.ID || plan.APIStages[0].Stage != "prod" {
			t.Errorf("plan's stages = %+v, want %s/prod", plan.APIStages, api.ID)
		}
		if plan.Throttle.BurstLimit != 20 || plan.Throttle.RateLimit != 10 || plan.Quota.Limit != 10000 || plan.Quota.Period != "MONTH" {
			t.Errorf("plan's limits = %+v %+v, want 10/s, bursts of 20, 10000 a month", plan.Throttle, plan.Quota)
		}
		if len(keys.Items) != 1 || keys.Items[0].ID != keyID || keys.Items[0].Type != "API_KEY" || keys.Items[0].Value != tenantKey {
			t.Errorf("plan's keys = %+v, want the tenant's API key %s with its value", keys.Items, keyID)
		}
		var key struct {
			Name, Value string
			Enabled     bool
		}
		run.json(&key, "apigateway", "get-api-key", "--api-key", keyID, "--include-value")
		if key.Name != "tenant-a" || key.Value != tenantKey || !key.Enabled {
			t.Errorf("API key = %+v, want tenant-a, enabled, the tenant's key", key)
		}
	})

	t.Run("user", func(t *testing.T) {
		var user struct {
			UserAttributes []struct{ Name, Value string }
		}
		run.json(&user, "cognito-idp", "admin-get-user", "--user-pool-id", poolID, "--username", username)
		for _, a := range user.UserAttributes {
			if a.Name == usageClaim && a.Value == tenantKey {
				return
			}
		}
		t.Errorf("the user's attributes = %+v, want %s = the tenant's key", user.UserAttributes, usageClaim)
	})

	// The user signs in; the authorizer reads the key from the ID token.
	var auth struct {
		AuthenticationResult struct{ IDToken, AccessToken string }
	}
	run.json(&auth, "cognito-idp", "initiate-auth", "--client-id", clientID, "--auth-flow", "USER_PASSWORD_AUTH",
		"--auth-parameters", "USERNAME="+username+",PASSWORD="+password)
	idToken, accessToken := auth.AuthenticationResult.IDToken, auth.AuthenticationResult.AccessToken
	env := map[string]string{
		settings.EnvUserPoolID:              poolID,
		settings.EnvClientIDs:               clientID,
		settings.EnvJWKSURL:                 endpoint + "/" + poolID + "/.well-known/jwks.json",
		settings.EnvUsageIdentifierClaim:    usageClaim,
		settings.EnvUsageIdentifierRequired: "true",
	}
	h := authorizertest.NewHandler(t, func(k string) string { return env[k] }, slog.New(slog.DiscardHandler))

	t.Run("answer", func(t *testing.T) {
		methodARN := "arn:aws:execute-api:" + mototest.Region + ":" + motoAccount + ":" + api.ID + "/prod/GET/notes"
		answer := func(tok string) events.APIGatewayCustomAuthorizerResponse {
			ev, _ := json.Marshal(events.APIGatewayCustomAuthorizerRequest{Type: "TOKEN", AuthorizationToken: "Bearer " + tok, MethodArn: methodARN})
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
			defer cancel()
			resp, err := h.Handle(ctx, ev)
			if err != nil {
				t.Fatalf("Handle() error = %v, want a policy", err)
			}
			return resp
		}
		id := answer(idToken)
		if id.PolicyDocument.Statement[0].Effect != "Allow" || id.UsageIdentifierKey != tenantKey || id.UsageIdentifierKey != keys.Items[0].Value {
			t.Errorf("ID token: %s, usageIdentifierKey %q; want Allow with the API key's value %q", id.PolicyDocument.Statement[0].Effect, id.UsageIdentifierKey, tenantKey)
		}
		if _, ok := id.Context[usageClaim]; ok {
			t.Errorf("the context holds %s: %v", usageClaim, id.Context)
		}
		// Cognito's access tokens carry no custom attributes (moto's
		// neither): required, the key's absence is a Deny.
		access := answer(accessToken)
		if access.PolicyDocument.Statement[0].Effect != "Deny" || access.UsageIdentifierKey != "" {
			t.Errorf("access token: %s, usageIdentifierKey %q; want Deny without a key", access.PolicyDocument.Statement[0].Effect, access.UsageIdentifierKey)
		}
	})

	t.Run("gateway", func(t *testing.T) {
		var planKeys []string
		for _, k := range keys.Items {
			planKeys = append(planKeys, k.Value)
		}
		ok := apigwtest.Handler(func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
			return events.APIGatewayProxyResponse{StatusCode: 200, Body: `{}`}, nil
		})
		gw, err := apigwtest.NewGateway(apigwtest.Config{
			APIID:   api.ID,
			Routes:  []apigwtest.Route{{Method: "GET", Path: "/notes", Function: ok, APIKeyRequired: true}},
			APIKeys: planKeys,
			Authorizer: &apigwtest.Authorizer{Type: "TOKEN", Header: "Authorization", CacheTTL: 300 * time.Second,
				Function: apigwtest.Handler(h.Handle)},
		})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(gw)
		defer srv.Close()
		for tok, want := range map[string]int{idToken: 200, accessToken: 403} {
			req, _ := http.NewRequestWithContext(t.Context(), "GET", srv.URL+"/notes", nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != want {
				t.Errorf("GET /notes = %d, want %d", resp.StatusCode, want)
			}
		}
	})
}

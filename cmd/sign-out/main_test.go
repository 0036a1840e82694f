package main

import (
	"bytes"
	"errors"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/gatehouse-dev/cognito-authorizer/internal/revocation"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
	"github.com/gatehouse-dev/cognito-authorizer/internal/signout"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/apigwtest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/lambdatest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/mototest"
)

func TestRunConfigErrors(t *testing.T) {
	mototest.IsolateAWS(t)
	ok := map[string]string{"REVOCATION_TABLE": "revocations", "COGNITO_USER_POOL_ID": "eu-west-1_AbC123xyz", "AWS_REGION": "eu-west-1"}
	if h, err := run(t.Context(), lambdatest.Getenv(ok), &bytes.Buffer{}); err != nil || h == nil {
		t.Fatalf("run(%v) = %v, %v, want a handler", ok, h, err)
	}
	tests := []struct {
		name      string
		env       map[string]string
		wantNames []string
	}{
		{name: "nothing", env: map[string]string{}, wantNames: []string{"REVOCATION_TABLE", "COGNITO_USER_POOL_ID", "AWS_REGION"}},
		{name: "flush not a boolean", env: map[string]string{"REVOCATION_TABLE": "revocations", "COGNITO_USER_POOL_ID": "eu-west-1_AbC123xyz", "AWS_REGION": "eu-west-1", "FLUSH_AUTHORIZER_CACHE_ON_SIGN_OUT": "sometimes"}, wantNames: []string{"FLUSH_AUTHORIZER_CACHE_ON_SIGN_OUT"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { lambdatest.RunFails(t, run, tt.env, tt.wantNames...) })
	}
}

// TestRunWithMoto signs a user out of one session and then everywhere
// against moto's DynamoDB and Cognito, both found through the SDK's
// AWS_ENDPOINT_URL_<SERVICE> variables alone.
func TestRunWithMoto(t *testing.T) {
	endpoint := mototest.Start(t)
	awsCfg := mototest.Config(endpoint)
	db := dynamodb.NewFromConfig(awsCfg)
	idp := cip.NewFromConfig(awsCfg)
	const table = "revocations"
	mototest.CreateRevocationTable(t, db, table)
	poolID, clientID, sub, refresh := signedInUser(t, idp, "alice", "Correct-horse-9")

	mototest.IsolateAWS(t)
	t.Setenv("AWS_REGION", mototest.Region)
	t.Setenv("AWS_ACCESS_KEY_ID", "testing")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "testing")
	t.Setenv(settings.EnvEndpointDynamoDB, endpoint)
	t.Setenv("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER", endpoint)
	t.Setenv(settings.EnvRevocationTable, table)
	t.Setenv(settings.EnvUserPoolID, poolID)
	var stdout bytes.Buffer
	h, err := run(t.Context(), os.Getenv, &stdout)
	if err != nil {
		t.Fatalf("run() = %v", err)
	}

	req := events.APIGatewayProxyRequest{
		HTTPMethod: http.MethodPost,
		Path:       "/sign-out",
		RequestContext: events.APIGatewayProxyRequestContext{Authorizer: map[string]any{
			"sub": sub, "username": "alice", "origin_jti": "session-1", "iat": "1795320489", "exp": "1795324089",
			"iss": "https://cognito-idp." + mototest.Region + ".amazonaws.com/" + poolID,
		}},
	}
	// A caller the authorizer verified against another issuer (another
	// pool, an OpenID provider) whose name is alice too: refused, nothing
	// written, nobody signed out.
	other := req
	other.RequestContext.Authorizer = map[string]any{"sub": "someone-else", "username": "alice", "origin_jti": "session-9",
		"iss": "https://idp.example.com/"}
	if resp, err := h.Handle(t.Context(), other); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("Handle(another issuer's alice) = %d %s, %v, want 403", resp.StatusCode, resp.Body, err)
	}
	if item := getItem(t, db, table, "jti#session-9"); item != nil {
		t.Errorf("another issuer's caller wrote %v", item)
	}
	if resp, err := h.Handle(t.Context(), req); err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("Handle(this session) = %d %s, %v, want 204", resp.StatusCode, resp.Body, err)
	}
	if item := getItem(t, db, table, "jti#session-1"); item == nil || item["expiresAt"] == nil || len(item) != 2 {
		t.Errorf("jti# item = %v, want id and expiresAt", item)
	}
	if item := getItem(t, db, table, "sub#"+sub); item != nil {
		t.Errorf("sub# item = %v after signing out of one session, want none", item)
	}
	if err := refreshTokens(t, idp, clientID, refresh); err != nil {
		t.Errorf("refresh after signing out of one session = %v, want it to work", err)
	}

	req.Body = `{"everywhere": true}`
	if resp, err := h.Handle(t.Context(), req); err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("Handle(everywhere) = %d %s, %v, want 204\nlog: %s", resp.StatusCode, resp.Body, err, stdout.String())
	}
	item := getItem(t, db, table, "sub#"+sub)
	rb, _ := item["revokedBefore"].(*types.AttributeValueMemberN)
	exp, _ := item["expiresAt"].(*types.AttributeValueMemberN)
	if rb == nil || exp == nil || rb.Value >= exp.Value {
		t.Errorf("sub# item = %v, want revokedBefore before expiresAt", item)
	}
	if err := refreshTokens(t, idp, clientID, refresh); err == nil {
		t.Errorf("refresh after signing out everywhere worked, want Cognito to refuse it")
	} else {
		t.Logf("refresh after signing out everywhere: %v", err)
	}
	if n := strings.Count(stdout.String(), `"status":204`); n != 2 {
		t.Errorf("log = %s, want two 204 lines", stdout.String())
	}

	// The same sign-outs from an HTTP API (payload format 2.0), through
	// the function's handler chain, the authorizer's context keeping its
	// JSON types: iat and exp are numbers there, strings on REST.
	iss := req.RequestContext.Authorizer["iss"]
	lambdaCtx := func(jti string, exp any) map[string]any {
		return map[string]any{"sub": sub, "username": "alice", "origin_jti": jti, "iat": 1795320489, "exp": exp, "iss": iss}
	}
	session := req
	session.Body = ""
	if v2 := apigwtest.ServeV2(t, handler(h), apigwtest.HTTPAPIEvent(t, session, lambdaCtx("session-2", 1795324089))); v2.StatusCode != http.StatusNoContent {
		t.Fatalf("payload 2.0 sign-out of a session = %d %s, want 204", v2.StatusCode, v2.Body)
	}
	if item := getItem(t, db, table, "jti#session-2"); item == nil || item["expiresAt"] == nil || len(item) != 2 {
		t.Errorf("jti# item = %v, want id and expiresAt", item)
	}
	otherCtx := map[string]any{"sub": "someone-else", "username": "alice", "origin_jti": "session-9", "iss": "https://idp.example.com/"}
	restResp, err := h.Handle(t.Context(), other)
	v2 := apigwtest.ServeV2(t, handler(h), apigwtest.HTTPAPIEvent(t, session, otherCtx))
	if err != nil || v2.StatusCode != http.StatusForbidden || v2.StatusCode != restResp.StatusCode || v2.Body != restResp.Body {
		t.Errorf("another issuer's alice: REST %d %s, payload 2.0 %d %s, want both 403", restResp.StatusCode, restResp.Body, v2.StatusCode, v2.Body)
	}
	// Everywhere, with an exp (a JSON number) beyond the tokens' longest
	// life: the sub# item lives until then, so exp was read.
	const farExp = 4102444800 // 2100-01-01
	v2 = apigwtest.ServeV2(t, handler(h), apigwtest.HTTPAPIEvent(t, req, lambdaCtx("session-3", farExp)))
	if v2.StatusCode != http.StatusNoContent {
		t.Fatalf("payload 2.0 sign-out everywhere = %d %s, want 204", v2.StatusCode, v2.Body)
	}
	item = getItem(t, db, table, "sub#"+sub)
	exp, _ = item["expiresAt"].(*types.AttributeValueMemberN)
	if want := strconv.FormatInt(time.Unix(farExp, 0).Add(signout.Leeway).Unix(), 10); exp == nil || exp.Value != want {
		t.Errorf("sub# item = %v, want expiresAt %s (exp + leeway)", item, want)
	}

	// Without a Lambda authorizer's context, 401 as for a REST method
	// deployed without the authorizer.
	bare := req
	bare.RequestContext.Authorizer = nil
	restResp, err = h.Handle(t.Context(), bare)
	v2 = apigwtest.ServeV2(t, handler(h), apigwtest.HTTPAPIEvent(t, req, nil))
	if err != nil || restResp.StatusCode != http.StatusUnauthorized || v2.StatusCode != restResp.StatusCode || v2.Body != restResp.Body {
		t.Errorf("without the authorizer: REST %d %s, payload 2.0 %d %s, want both 401", restResp.StatusCode, restResp.Body, v2.StatusCode, v2.Body)
	}
}

// signedInUser creates a pool, an app client and a confirmed user, signs
// the user in and returns the ids and the refresh token.
func signedInUser(tb testing.TB, idp *cip.Client, username, password string) (poolID, clientID, sub, refresh string) {
	tb.Helper()
	ctx := tb.Context()
	pool, err := idp.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("sign-out-test")})
	if err != nil {
		tb.Fatalf("CreateUserPool() = %v", err)
	}
	poolID = *pool.UserPool.Id
	client, err := idp.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{
		UserPoolId:        aws.String(poolID),
		ClientName:        aws.String("app"),
		ExplicitAuthFlows: []ciptypes.ExplicitAuthFlowsType{ciptypes.ExplicitAuthFlowsTypeAllowAdminUserPasswordAuth, ciptypes.ExplicitAuthFlowsTypeAllowRefreshTokenAuth},
	})
	if err != nil {
		tb.Fatalf("CreateUserPoolClient() = %v", err)
	}
	clientID = *client.UserPoolClient.ClientId
	user, err := idp.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(poolID), Username: aws.String(username)})
	if err != nil {
		tb.Fatalf("AdminCreateUser() = %v", err)
	}
	for _, a := range user.User.Attributes {
		if *a.Name == "sub" {
			sub = *a.Value
		}
	}
	if _, err := idp.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{
		UserPoolId: aws.String(poolID), Username: aws.String(username), Password: aws.String(password), Permanent: true,
	}); err != nil {
		tb.Fatalf("AdminSetUserPassword() = %v", err)
	}
	auth, err := idp.AdminInitiateAuth(ctx, &cip.AdminInitiateAuthInput{
		UserPoolId: aws.String(poolID), ClientId: aws.String(clientID),
		AuthFlow:       ciptypes.AuthFlowTypeAdminUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": username, "PASSWORD": password},
	})
	if err != nil || auth.AuthenticationResult == nil {
		tb.Fatalf("AdminInitiateAuth() = %v, %v", auth, err)
	}
	return poolID, clientID, sub, *auth.AuthenticationResult.RefreshToken
}

func refreshTokens(tb testing.TB, idp *cip.Client, clientID, refresh string) error {
	tb.Helper()
	out, err := idp.InitiateAuth(tb.Context(), &cip.InitiateAuthInput{
		ClientId:       aws.String(clientID),
		AuthFlow:       ciptypes.AuthFlowTypeRefreshTokenAuth,
		AuthParameters: map[string]string{"REFRESH_TOKEN": refresh},
	})
	if err == nil && (out.AuthenticationResult == nil || out.AuthenticationResult.AccessToken == nil) {
		return errors.New("no tokens")
	}
	return err
}

func getItem(tb testing.TB, db *dynamodb.Client, table, id string) map[string]types.AttributeValue {
	tb.Helper()
	out, err := db.GetItem(tb.Context(), &dynamodb.GetItemInput{
		TableName:      aws.String(table),
		Key:            map[string]types.AttributeValue{revocation.AttrID: &types.AttributeValueMemberS{Value: id}},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		tb.Fatalf("GetItem(%s) = %v", id, err)
	}
	return out.Item
}

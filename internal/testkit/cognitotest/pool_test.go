package cognitotest_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/golang-jwt/jwt/v5"

	"github.com/gatehouse-dev/cognito-authorizer/internal/signout"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/cognitotest"
)

func TestServeAndSign(t *testing.T) {
	pool, err := cognitotest.New("eu-west-1_Test1", "client1")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	url, stop, err := pool.Serve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()

	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var set struct {
		Keys []map[string]string `json:"keys"`
	}
	if err := json.Unmarshal(body, &set); err != nil || len(set.Keys) != 1 {
		t.Fatalf("JWKS = %s, %v; want one key", body, err)
	}
	_, kid := pool.SigningKey()
	if k := set.Keys[0]; k["kid"] != kid || k["alg"] != "RS256" || k["use"] != "sig" || k["kty"] != "RSA" || k["d"] != "" {
		t.Errorf("JWKS key = %v, want the public signing key %s", k, kid)
	}

	tok, err := pool.AccessToken(cognitotest.User{Sub: "s", Username: "u", Scopes: []string{"a", "b"}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	private, _ := pool.SigningKey()
	parsed, err := jwt.Parse(tok, func(*jwt.Token) (any, error) { return &private.PublicKey, nil }, jwt.WithValidMethods([]string{"RS256"}))
	if err != nil {
		t.Fatal(err)
	}
	c := parsed.Claims.(jwt.MapClaims)
	if c["client_id"] != "client1" || c["token_use"] != "access" || c["scope"] != "a b" || c["iss"] != "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Test1" {
		t.Errorf("access token claims = %v", c)
	}
	if _, ok := parsed.Header["typ"]; ok || parsed.Header["kid"] != kid {
		t.Errorf("header = %v, want kid and alg only", parsed.Header)
	}

	if resp, err := http.Get(url + "x"); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET other path = %v, %v; want 404", resp, err)
	}
	pool.SetDown(true)
	if resp, err := http.Get(url); err != nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("GET while down = %v, %v; want 503", resp, err)
	}
}

func TestRotateAndRemove(t *testing.T) {
	pool, err := cognitotest.New("eu-west-1_Test1", "client1")
	if err != nil {
		t.Fatal(err)
	}
	_, old := pool.SigningKey()
	nu, err := pool.Rotate()
	if err != nil {
		t.Fatal(err)
	}
	if _, kid := pool.SigningKey(); kid != nu || kid == old {
		t.Errorf("SigningKey() after Rotate = %s, want %s", kid, nu)
	}
	pool.RemoveKey(old)
	var set struct {
		Keys []struct{ Kid string } `json:"keys"`
	}
	if err := json.Unmarshal(pool.JWKS(), &set); err != nil || len(set.Keys) != 1 || set.Keys[0].Kid != nu {
		t.Errorf("JWKS after RemoveKey = %s", pool.JWKS())
	}
	if _, err := cognitotest.New("not-a-pool", "c"); err == nil {
		t.Error("New(bad pool id) = nil error")
	}
}

func TestStart(t *testing.T) {
	var jwksURL string
	t.Run("served", func(t *testing.T) {
		pool, u := cognitotest.Start(t, "eu-west-1_Test1", "client1")
		jwksURL = u
		resp, err := http.Get(jwksURL)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || string(body) != string(pool.JWKS()) {
			t.Errorf("GET %s = %d %s, want the pool's JWKS", jwksURL, resp.StatusCode, body)
		}
	})
	if resp, err := http.Get(jwksURL); err == nil {
		resp.Body.Close()
		t.Errorf("GET %s after the test = %d, want no server", jwksURL, resp.StatusCode)
	}
}

// TestAdminUserGlobalSignOut signs users out through the AWS SDK and the
// sample's own Cognito client, as the sign-out function does against the
// pool's server.
func TestAdminUserGlobalSignOut(t *testing.T) {
	pool, err := cognitotest.New("eu-west-1_Test1", "client1")
	if err != nil {
		t.Fatal(err)
	}
	pool.AddUser(cognitotest.User{Sub: "s", Username: "alice"})
	srv := httptest.NewServer(pool)
	t.Cleanup(srv.Close)
	client := cip.New(cip.Options{
		Region:       "eu-west-1",
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("testing", "testing", ""),
	})
	if err := signout.NewCognitoPool(client, pool.ID).SignOutEverywhere(t.Context(), "alice"); err != nil {
		t.Fatalf("SignOutEverywhere(alice) = %v", err)
	}
	if _, ok := pool.SignedOut("alice"); !ok {
		t.Errorf("SignedOut(alice) = false after a global sign-out")
	}
	pool.AddUser(cognitotest.User{Sub: "b0b-sub", Username: "bob"})
	if err := signout.NewCognitoPool(client, pool.ID).SignOutEverywhere(t.Context(), "b0b-sub"); err != nil {
		t.Fatalf("SignOutEverywhere(bob's sub) = %v", err)
	}
	if _, ok := pool.SignedOut("bob"); !ok {
		t.Errorf("SignedOut(bob) = false after a global sign-out by his sub")
	}
	// An unknown user: UserNotFoundException, which the sign-out reads as
	// done (no refresh token to revoke).
	_, err = client.AdminUserGlobalSignOut(t.Context(), &cip.AdminUserGlobalSignOutInput{UserPoolId: aws.String(pool.ID), Username: aws.String("mallory")})
	var notFound *ciptypes.UserNotFoundException
	if !errors.As(err, &notFound) {
		t.Errorf("AdminUserGlobalSignOut(mallory) = %v, want UserNotFoundException", err)
	}
	_, err = client.AdminUserGlobalSignOut(t.Context(), &cip.AdminUserGlobalSignOutInput{UserPoolId: aws.String("eu-west-1_Other"), Username: aws.String("alice")})
	var noPool *ciptypes.ResourceNotFoundException
	if !errors.As(err, &noPool) {
		t.Errorf("AdminUserGlobalSignOut(another pool) = %v, want ResourceNotFoundException", err)
	}
}

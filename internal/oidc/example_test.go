package oidc_test

import (
	"context"
	"fmt"

	"github.com/gatehouse-dev/cognito-authorizer/internal/jwks"
	"github.com/gatehouse-dev/cognito-authorizer/internal/oidc"
	"github.com/gatehouse-dev/cognito-authorizer/internal/verify"
)

// An OpenID provider's issuer, its keys found by discovery on first use.
func Example() {
	p := oidc.Provider{
		IssuerURL:   "https://login.example.com/",
		Audiences:   []string{"api://orders"},
		Algorithms:  []string{"RS256", "ES256"},
		GroupsClaim: "https://example.com/groups",
		ScopeClaim:  "scp",
	}
	keys, err := oidc.NewKeys(p.IssuerURL, func(jwksURL string) (*jwks.Cache, error) {
		return jwks.New(jwksURL, jwks.KeyPolicy{Algorithms: p.Algorithms})
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	iss, err := p.Issuer(keys)
	if err != nil {
		fmt.Println(err)
		return
	}
	v, err := verify.New([]verify.Issuer{iss})
	if err != nil {
		fmt.Println(err)
		return
	}
	// At start-up: discover and fetch the keys; a failure is not fatal.
	_ = keys.Refresh(context.Background())
	_, err = v.Verify(context.Background(), "eyJ...")
	fmt.Println(err != nil)
}

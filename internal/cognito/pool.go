// Package cognito is the Amazon Cognito user pool profile of package verify:
// a pool's two issuer URLs and the rules Cognito's ID and access tokens
// follow (token_use, the app client in aud or client_id, sub, groups and
// scopes), which make a verify.Issuer. The pool's JWKS URL is a setting
// (settings.LoadAuthorizer derives it from the pool id).
package cognito

import (
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
)

// Issuers returns the two issuers a pool's tokens can carry: the classic
// cognito-idp host and the issuer-cognito-idp host of pools whose issuer
// configuration was updated.
func Issuers(userPoolID string) ([]string, error) {
	region, err := settings.UserPoolRegion(userPoolID)
	if err != nil {
		return nil, err
	}
	return []string{
		"https://cognito-idp." + region + ".amazonaws.com/" + userPoolID,
		"https://issuer-cognito-idp." + region + ".amazonaws.com/" + userPoolID,
	}, nil
}

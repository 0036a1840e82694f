// Package cognito is the Amazon Cognito user pool profile of package verify:
// a pool's two issuer URLs and the rules Cognito's ID and access tokens
// follow (token_use, the app client in aud or client_id, sub, groups and
// scopes), which make a verify.Issuer. The pool's JWKS URL is given by
// the caller (cmd/authorizer's settings derive it from the pool id).
package cognito

import (
	"fmt"
	"strings"
)

// Issuers returns the two issuers a pool's tokens can carry: the classic
// cognito-idp host and the issuer-cognito-idp host of pools whose issuer
// configuration was updated. The pool id is <region>_<id>; the settings
// check its whole syntax, this only what makes a URL of it.
func Issuers(userPoolID string) ([]string, error) {
	region, id, ok := strings.Cut(userPoolID, "_")
	if !ok || !allOf(region, "abcdefghijklmnopqrstuvwxyz0123456789-") || !allOf(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") {
		return nil, fmt.Errorf("%q is not a user pool id: want <region>_<id>, e.g. eu-west-1_AbC123xyz", userPoolID)
	}
	return []string{
		"https://cognito-idp." + region + ".amazonaws.com/" + userPoolID,
		"https://issuer-cognito-idp." + region + ".amazonaws.com/" + userPoolID,
	}, nil
}

// allOf reports whether s is not empty and holds only bytes of set.
func allOf(s, set string) bool {
	return s != "" && strings.Trim(s, set) == ""
}

package cognito

import (
	"fmt"
	"regexp"
)

// userPoolIDPattern is a region, an underscore and the pool's own part.
// Cognito's own ids have 9 characters after the region; local emulators such
// as moto use longer ones. Both form valid issuer URLs; anything else would
// not.
var userPoolIDPattern = regexp.MustCompile(`^([a-z]{2}(?:-[a-z]+)+-[0-9]{1,2})_([0-9A-Za-z]{1,40})$`)

// ParseUserPoolID checks a user pool id and returns its region.
func ParseUserPoolID(id string) (region string, err error) {
	m := userPoolIDPattern.FindStringSubmatch(id)
	if m == nil {
		return "", fmt.Errorf("%q is not a user pool id: want <region>_<id>, e.g. eu-west-1_AbC123xyz", id)
	}
	return m[1], nil
}

// Issuers returns the two issuers a pool's tokens can carry: the classic
// cognito-idp host and the issuer-cognito-idp host of pools whose issuer
// configuration was updated.
func Issuers(userPoolID string) ([]string, error) {
	region, err := ParseUserPoolID(userPoolID)
	if err != nil {
		return nil, err
	}
	return []string{
		"https://cognito-idp." + region + ".amazonaws.com/" + userPoolID,
		"https://issuer-cognito-idp." + region + ".amazonaws.com/" + userPoolID,
	}, nil
}

// JWKSURL returns where Cognito publishes the pool's signing keys.
func JWKSURL(userPoolID string) (string, error) {
	region, err := ParseUserPoolID(userPoolID)
	if err != nil {
		return "", err
	}
	return "https://cognito-idp." + region + ".amazonaws.com/" + userPoolID + "/.well-known/jwks.json", nil
}

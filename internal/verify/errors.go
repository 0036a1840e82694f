package verify

import "errors"

// Errors returned by Verify. Every failure matches exactly one of them with
// errors.Is; the error's text adds the detail for the logs. All but
// ErrKeysUnavailable mean the token is not acceptable (API Gateway's 401);
// ErrKeysUnavailable means it could not be checked at all. An issuer's Check
// returns them too (ErrWrongClient, ErrWrongTokenUse, ErrInvalidClaims).
var (
	ErrNoToken         = errors.New("no token")
	ErrTooLarge        = errors.New("token too large")
	ErrMalformed       = errors.New("token malformed")
	ErrAlgorithm       = errors.New("token algorithm not allowed")
	ErrHeader          = errors.New("token header not allowed")
	ErrMissingKeyID    = errors.New("token has no key id")
	ErrUnknownKey      = errors.New("token signed with an unknown key")
	ErrKeysUnavailable = errors.New("signing keys unavailable")
	ErrBadSignature    = errors.New("token signature invalid")
	ErrWrongIssuer     = errors.New("token from another issuer")
	ErrWrongClient     = errors.New("token for another app client")
	ErrWrongTokenUse   = errors.New("token use not accepted")
	ErrExpired         = errors.New("token expired")
	ErrNotYetValid     = errors.New("token not yet valid")
	ErrInvalidClaims   = errors.New("token claims invalid")
)

// Errors lists the package's errors, each a distinct failure.
var Errors = []error{
	ErrNoToken, ErrTooLarge, ErrMalformed, ErrAlgorithm, ErrHeader, ErrMissingKeyID, ErrUnknownKey,
	ErrKeysUnavailable, ErrBadSignature, ErrWrongIssuer, ErrWrongClient, ErrWrongTokenUse, ErrExpired,
	ErrNotYetValid, ErrInvalidClaims,
}

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

// reasons gives each error a short, stable name for logs and metrics, in the
// order Reason looks for them.
var reasons = []struct {
	err  error
	name string
}{
	{ErrKeysUnavailable, "keys_unavailable"},
	{ErrNoToken, "no_token"},
	{ErrTooLarge, "too_large"},
	{ErrMalformed, "malformed"},
	{ErrAlgorithm, "algorithm"},
	{ErrHeader, "header"},
	{ErrMissingKeyID, "missing_kid"},
	{ErrUnknownKey, "unknown_key"},
	{ErrBadSignature, "bad_signature"},
	{ErrWrongIssuer, "wrong_issuer"},
	{ErrWrongClient, "wrong_client"},
	{ErrWrongTokenUse, "wrong_token_use"},
	{ErrExpired, "expired"},
	{ErrNotYetValid, "not_yet_valid"},
	{ErrInvalidClaims, "invalid_claims"},
}

// Reason names the first of the package's errors that err matches, or
// "error" for any other error.
func Reason(err error) string {
	for _, r := range reasons {
		if errors.Is(err, r.err) {
			return r.name
		}
	}
	return "error"
}

package identity

// Context keys of the session a token belongs to. The authorizer passes
// every claim of the token under its own name, these included; API Gateway
// hands numbers on as strings (e.g. "1795321089"). The sign-out endpoint
// reads them instead of the token.
const (
	// KeyOriginJTI is Cognito's origin_jti: the same for the ID and access
	// tokens of one sign-in and of its refreshes. Tokens of other issuers
	// may have none.
	KeyOriginJTI = "origin_jti"
	// KeyIssuedAt is the token's iat, in epoch seconds.
	KeyIssuedAt = "iat"
	// KeyExpiresAt is the token's exp, in epoch seconds.
	KeyExpiresAt = "exp"
)

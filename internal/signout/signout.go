// Package signout is the sample sign-out endpoint behind the authorizer:
// POST /sign-out records in the revocation table that the caller's session,
// or all of the caller's sessions, ended, so that the authorizer refuses
// their tokens although they have not expired.
//
// Like the notes endpoint it never looks at the token: it reads the caller
// from requestContext.authorizer (sub, username, origin_jti, exp), which
// API Gateway fills in after the authorizer allowed the request.
//
// The body is {"everywhere": false} (the default; an empty body is the same)
// or {"everywhere": true}:
//
//   - this session: the jti# item of the caller's origin_jti, which refuses
//     the ID and access tokens of this sign-in and its refreshes. A token
//     without origin_jti has no session to name: the sub# item is written
//     instead, which refuses every token of the user issued until now. The
//     client should also revoke its refresh token (Cognito's RevokeToken),
//     or it can mint new tokens of the session once the item expires.
//   - everywhere: Cognito's AdminUserGlobalSignOut first, so that no refresh
//     token of the user can mint new tokens, then the sub# item, which
//     refuses every token already issued: its revokedBefore is the next
//     whole second after the moment Cognito answered plus ClockSkew, so that
//     a token minted while the call ran is refused too. In that order, a
//     failure leaves the caller's token working, so the client can simply
//     try again; the other way round a failed Cognito call would leave the
//     refresh tokens alive and the caller unable to retry.
//
// A sub# item's expiresAt is when the last token it can refuse expires: the
// time it revokes before plus the longest token validity of the pool
// (TOKEN_MAX_VALIDITY, 24 h by default, Cognito's maximum) plus 5 minutes of
// clock leeway, or the caller's own exp plus the leeway when that is later.
// A jti# item lives as long as the session's refresh token can mint tokens
// (REFRESH_TOKEN_MAX_VALIDITY) plus the leeway.
package signout

import (
	"context"
	"time"
)

// Store records sign-outs; *revocation.Store is one.
type Store interface {
	// RevokeSession refuses every token whose origin_jti is originJTI,
	// until expiresAt.
	RevokeSession(ctx context.Context, originJTI string, expiresAt time.Time) error
	// RevokeUser refuses every token of sub issued before before, until
	// expiresAt.
	RevokeUser(ctx context.Context, sub string, before, expiresAt time.Time) error
}

// Pool signs a user out at the identity provider; *CognitoPool is one.
type Pool interface {
	// SignOutEverywhere invalidates every refresh token of username.
	SignOutEverywhere(ctx context.Context, username string) error
}

// Flusher empties API Gateway's cache of authorizer decisions of one stage.
type Flusher interface {
	FlushAuthorizerCache(ctx context.Context, restAPIID, stage string) error
}

// Defaults of a Handler.
const (
	// DefaultTokenMaxValidity is Cognito's longest ID and access token
	// validity.
	DefaultTokenMaxValidity = 24 * time.Hour
	// DefaultRefreshMaxValidity is Cognito's default refresh token
	// validity of an app client.
	DefaultRefreshMaxValidity = 30 * 24 * time.Hour
	// Leeway is added to expiresAt: the authorizer accepts a token up to
	// JWT_LEEWAY (at most 5 minutes) after its exp.
	Leeway = 5 * time.Minute
	// MaxBodyBytes is the largest body accepted.
	MaxBodyBytes = 1 << 10
	// ClockSkew is added to the time a sign-out everywhere revokes tokens
	// before: Cognito's clock, which writes iat, may run a little ahead of
	// the function's. Tokens minted that much after the sign-out are
	// refused too; the client signs in again.
	ClockSkew = time.Second
)

package decide

import (
	"errors"

	"github.com/gatehouse-dev/cognito-authorizer/internal/policy"
	"github.com/gatehouse-dev/cognito-authorizer/internal/revocation"
	"github.com/gatehouse-dev/cognito-authorizer/internal/verify"
)

// Reason names why a Decision is not an Allow. The names are part of the
// product: they are the log's reason field and will be metric dimensions,
// so each means one thing and none changes. Reasons lists them all, and the
// README's "Events and answers" table documents each.
type Reason string

// ReasonNone goes with an Allow.
const ReasonNone Reason = ""

// Reasons of the request itself (Unauthorized).
const (
	ReasonBadEvent       Reason = "bad_event"       // the event could not be read
	ReasonBadARN         Reason = "bad_arn"         // the methodArn or routeArn is not one
	ReasonNoToken        Reason = "no_token"        // no token in the identity source
	ReasonBadScheme      Reason = "bad_scheme"      // an authorization scheme other than Bearer
	ReasonAmbiguousToken Reason = "ambiguous_token" // several different tokens in one request
	ReasonNotJWT         Reason = "not_jwt"         // not three base64url segments
	ReasonPanic          Reason = "panic"           // a bug, recovered: refused
)

// Reasons of verification (Unauthorized, but ReasonKeysUnavailable).
const (
	ReasonTooLarge        Reason = "too_large"        // longer than verify.MaxTokenSize
	ReasonMalformed       Reason = "malformed"        // three segments that do not decode as a JWT
	ReasonAlgorithm       Reason = "algorithm"        // alg not allowed
	ReasonHeader          Reason = "header"           // a header field that is not allowed (jku, x5u, crit, ...)
	ReasonMissingKID      Reason = "missing_kid"      // no kid
	ReasonUnknownKey      Reason = "unknown_key"      // the issuer's JWKS has no such kid
	ReasonKeysUnavailable Reason = "keys_unavailable" // the JWKS could not be fetched (Unavailable)
	ReasonBadSignature    Reason = "bad_signature"    // the signature does not verify
	ReasonWrongIssuer     Reason = "wrong_issuer"     // iss is none of the configured issuers
	ReasonWrongClient     Reason = "wrong_client"     // aud or client_id is none of the app clients
	ReasonWrongTokenUse   Reason = "wrong_token_use"  // token_use not accepted
	ReasonExpired         Reason = "expired"          // exp passed
	ReasonNotYetValid     Reason = "not_yet_valid"    // nbf or iat in the future
	ReasonInvalidClaims   Reason = "invalid_claims"   // a claim of the wrong type or shape
	ReasonUnverified      Reason = "unverified"       // the verifier failed otherwise
)

// Reasons of sign-out (revocation table).
const (
	ReasonRevoked               Reason = "revoked"                // signed out (Unauthorized)
	ReasonRevocationUnavailable Reason = "revocation_unavailable" // the table could not be read (Unavailable)
)

// Reasons of the stage-wide requirements (REQUIRED_SCOPES,
// REQUIRED_GROUPS, the usage identifier claim): a Deny of the whole stage.
const (
	ReasonMissingRequiredScope Reason = "missing_required_scope"
	ReasonMissingRequiredGroup Reason = "missing_required_group"
	// ReasonNoUsageKey: the usage identifier claim is not a usable API
	// key, or is missing where required (WithUsageIdentifier).
	ReasonNoUsageKey Reason = "no_usage_key"
)

// Reasons of route rules (package policy names them): a Deny.
const (
	ReasonMissingGroup  = Reason(policy.ReasonMissingGroup)
	ReasonMissingScope  = Reason(policy.ReasonMissingScope)
	ReasonClaimMismatch = Reason(policy.ReasonClaimMismatch)
	ReasonNotOwner      = Reason(policy.ReasonNotOwner)
	ReasonNoRule        = Reason(policy.ReasonNoRule)
)

// ReasonInfo documents one reason.
type ReasonInfo struct {
	Reason  Reason
	Outcome Outcome
	// Meaning says what happened, in a few words.
	Meaning string
	// Check says what an operator should look at, in one line.
	Check string
}

// Reasons lists every reason a Decision can carry, in the order the README
// documents them.
var Reasons = []ReasonInfo{
	{ReasonNoToken, Unauthorized, "No token in the request.", "The `Authorization` header (or `TOKEN_HEADER`) is missing or empty."},
	{ReasonBadScheme, Unauthorized, "A scheme other than `Bearer`.", "The client sends `Bearer <jwt>` (or the bare JWT), not `Basic` or another scheme."},
	{ReasonAmbiguousToken, Unauthorized, "Several different token headers.", "A client or proxy adds a second `Authorization` header."},
	{ReasonNotJWT, Unauthorized, "Not three base64url parts.", "The client sends the ID or access token, not the refresh token, whole and on one line."},
	{ReasonTooLarge, Unauthorized, "Over 10,240 bytes.", "Not an issuer's token; or very many groups or custom attributes."},
	{ReasonMalformed, Unauthorized, "The parts do not decode as a JWT.", "Not an issuer's token, or a truncated one."},
	{ReasonAlgorithm, Unauthorized, "An algorithm the issuer does not sign with, or one its key cannot verify.", "Cognito signs with RS256; an `oidc` entry's `algorithms`. `none` and HS256 never pass."},
	{ReasonHeader, Unauthorized, "A JOSE header the verifier refuses.", "`jku`, `x5u`, `jwk`, `x5c`, `crit` are refused: keys come from the issuer's JWKS only."},
	{ReasonMissingKID, Unauthorized, "No `kid` in the header.", "The issuer names its key in every token; Cognito does."},
	{ReasonUnknownKey, Unauthorized, "The issuer's JWKS has no such `kid`.", "Another issuer's key; `COGNITO_JWKS_URL` or an entry's `jwksUrl` pointing elsewhere."},
	{ReasonBadSignature, Unauthorized, "The signature does not verify.", "The token was altered, or signed by another key with the same `kid`."},
	{ReasonWrongIssuer, Unauthorized, "An issuer not listed.", "`COGNITO_USER_POOL_ID` (pool and region), or `ISSUERS` (an `oidc` issuer is compared exactly, trailing slash included)."},
	{ReasonWrongClient, Unauthorized, "Another app client's or audience's token.", "Cognito: `aud` (ID token) or `client_id` (access token) in the client ids; `oidc`: `aud` among `audiences`."},
	{ReasonWrongTokenUse, Unauthorized, "A kind of token not accepted.", "An ID token where `COGNITO_TOKEN_USE` accepts access tokens only, or the reverse."},
	{ReasonExpired, Unauthorized, "The token expired.", "Its `exp` against the clock, within `JWT_LEEWAY`: refresh the token."},
	{ReasonNotYetValid, Unauthorized, "The token is not valid yet.", "Its `nbf` or `iat` is ahead of the function's clock by more than `JWT_LEEWAY`."},
	{ReasonInvalidClaims, Unauthorized, "A claim of the wrong type.", "`sub` missing or over 128 bytes, groups not a list of strings, `scope` not a string, `aud` not a string or list."},
	{ReasonUnverified, Unauthorized, "The verifier failed in a way it does not name.", "The line's `error`; please report it."},
	{ReasonRevoked, Unauthorized, "Signed out.", "The session or user signed out ([signing out](docs/signing-out.md#signing-out))."},
	{ReasonMissingRequiredScope, Deny, "A scope of `REQUIRED_SCOPES` is missing.", "The token's `scope` (ID tokens have none); the whole stage is denied."},
	{ReasonMissingRequiredGroup, Deny, "A group of `REQUIRED_GROUPS` is missing.", "The user's groups (`cognito:groups`, or an entry's `groupsClaim`); the whole stage is denied."},
	{ReasonNoUsageKey, Deny, "No usable API key in the `USAGE_IDENTIFIER_CLAIM` claim.", "Missing with `USAGE_IDENTIFIER_REQUIRED=true` (access tokens carry no custom attributes), or not 20 to 128 of `A-Za-z0-9._~+/=-`; the whole stage is denied ([usage plans](docs/usage-plans.md#usage-plans))."},
	{ReasonMissingGroup, Deny, "In none of the route rule's `groups`.", "The rule and the caller's groups; machine clients have none ([route rules](docs/route-rules.md#route-rules))."},
	{ReasonMissingScope, Deny, "None of the route rule's `scopes`.", "The rule and the token's `scope` (ID tokens have none)."},
	{ReasonClaimMismatch, Deny, "A route rule's `claims` value is not the token's.", "The rule and the token's claims."},
	{ReasonNotOwner, Deny, "The path names another caller (`bind`).", "The path's value against the token's claim the rule binds."},
	{ReasonNoRule, Deny, "No route rule covers the request.", "Every method and path of the API needs a rule; add one."},
	{ReasonKeysUnavailable, Unavailable, "The keys could not be fetched in time.", "The network to the issuer (JWKS, or an `oidc` entry's discovery document), `JWKS_TIMEOUT`, the function's timeout."},
	{ReasonRevocationUnavailable, Unavailable, "The revocation table could not be read in time.", "Its name, the role's `dynamodb:BatchGetItem`, throttling."},
	{ReasonBadEvent, Unauthorized, "Not an authorizer event.", "Not JSON, over 256 KiB, a type other than TOKEN and REQUEST, a payload version other than 1.0 and 2.0 (a test event by hand?)."},
	{ReasonBadARN, Unauthorized, "The event's `methodArn` or `routeArn` is not an execute-api ARN.", "A test event by hand? Copy one from `events/` (an HTTP API event's `routeArn` and `requestContext` must agree)."},
	{ReasonPanic, Unauthorized, "A bug, recovered and refused.", "The line's `error` has the stack; please report it."},
}

// verifyReasons names verify's errors, in the order reasonOfVerify looks
// for them.
var verifyReasons = []struct {
	err    error
	reason Reason
}{
	{verify.ErrKeysUnavailable, ReasonKeysUnavailable},
	{verify.ErrNoToken, ReasonNoToken},
	{verify.ErrTooLarge, ReasonTooLarge},
	{verify.ErrMalformed, ReasonMalformed},
	{verify.ErrAlgorithm, ReasonAlgorithm},
	{verify.ErrHeader, ReasonHeader},
	{verify.ErrMissingKeyID, ReasonMissingKID},
	{verify.ErrUnknownKey, ReasonUnknownKey},
	{verify.ErrBadSignature, ReasonBadSignature},
	{verify.ErrWrongIssuer, ReasonWrongIssuer},
	{verify.ErrWrongClient, ReasonWrongClient},
	{verify.ErrWrongTokenUse, ReasonWrongTokenUse},
	{verify.ErrExpired, ReasonExpired},
	{verify.ErrNotYetValid, ReasonNotYetValid},
	{verify.ErrInvalidClaims, ReasonInvalidClaims},
}

// ReasonOf names an error of verification, revocation or a Request's
// reading: the first of their sentinel errors err matches, else
// ReasonUnverified.
func ReasonOf(err error) Reason {
	for _, r := range verifyReasons {
		if errors.Is(err, r.err) {
			return r.reason
		}
	}
	switch {
	case errors.Is(err, revocation.ErrUnavailable):
		return ReasonRevocationUnavailable
	case errors.Is(err, revocation.ErrRevoked):
		return ReasonRevoked
	case errors.Is(err, ErrBadEvent):
		return ReasonBadEvent
	case errors.Is(err, ErrBadARN), errors.Is(err, policy.ErrBadMethodARN):
		return ReasonBadARN
	case errors.Is(err, ErrNoToken):
		return ReasonNoToken
	case errors.Is(err, ErrAmbiguousToken):
		return ReasonAmbiguousToken
	case errors.Is(err, ErrBadScheme):
		return ReasonBadScheme
	case errors.Is(err, ErrNotJWT):
		return ReasonNotJWT
	}
	return ReasonUnverified
}

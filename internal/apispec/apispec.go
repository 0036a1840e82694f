// Package apispec is the REST API the project deploys, declared once for
// everything that builds or plays it: the CDK app in infra/ builds the API
// and the authorizer from it, the tests of template.yaml check the SAM
// template against it, and the local API (make start-api, the test kit's
// apigwtest.Gateway) serves it.
//
// It holds what API Gateway does before and around the functions: the
// stage, the authorizer's identity source, validation expression and cache,
// the gateway responses, and the sample's routes with their functions and
// route rules. It imports only the standard library, so that infra can
// import it without linking the functions' dependencies.
package apispec

// StageName is the sample API's one stage.
const StageName = "prod"

// HTTPIdentitySources are the identity sources of an HTTP API's Lambda
// authorizer, which are API Gateway's cache key: the token's header and,
// when the answer is simple (the authorizer's HTTP_API_RESPONSE) and route
// rules are on, the request's route, method and path, since the answer
// then holds for that request only (a rule's bind reads the path; an ANY,
// {proxy+} or $default route covers several rules). An IAM answer, or a
// simple one without rules, depends on the token alone.
func HTTPIdentitySources(tokenHeader string, simple, routeRules bool) []string {
	sources := []string{"$request.header." + tokenHeader}
	if simple && routeRules {
		sources = append(sources, "$context.routeKey", "$context.httpMethod", "$context.path")
	}
	return sources
}

// IdentityHeader is the header the TOKEN authorizer reads the token from
// (its identity source, method.request.header.Authorization).
const IdentityHeader = "Authorization"

// TokenPattern is the identity validation expression of the TOKEN
// authorizer: an optional Bearer scheme (any case, RFC 6750) followed by a
// JWT, three base64url segments joined by dots. API Gateway checks the
// header against it before invoking the function, and answers 401 without
// invoking it when the header does not match.
//
// API Gateway evaluates it as a Java regular expression, where '$' also
// matches before a line terminator that ends the input; Go's '$' (without
// the m flag) does not. The authorizer refuses such a token itself
// (internal/authorizer), and the local API plays Java's reading
// (apigwtest.JavaPattern).
const TokenPattern = `^(?:[Bb][Ee][Aa][Rr][Ee][Rr] +)?[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$`

// Authorizer cache: how long API Gateway reuses the authorizer's whole
// answer (principalId, policy and context) for the same token.
const (
	// DefaultCacheTTLSeconds is the stack's and API Gateway's default.
	DefaultCacheTTLSeconds = 300
	// MaxCacheTTLSeconds is the longest API Gateway offers (an hour).
	MaxCacheTTLSeconds = 3600
)

// Gateway response types (API Gateway's GatewayResponseType) that the
// deployed API sets or that its clients meet.
const (
	ResponseUnauthorized                 = "UNAUTHORIZED"
	ResponseAccessDenied                 = "ACCESS_DENIED"
	ResponseAuthorizerFailure            = "AUTHORIZER_FAILURE"
	ResponseAuthorizerConfigurationError = "AUTHORIZER_CONFIGURATION_ERROR"
	ResponseMissingAuthenticationToken   = "MISSING_AUTHENTICATION_TOKEN"
)

// ErrorTemplate is the body of the 401 and 403 answers: JSON like the
// endpoints' own errors. $context.error.messageString is the message
// already quoted as a JSON string: "Unauthorized" for 401, API Gateway's
// access-denied message for 403.
const ErrorTemplate = `{"message":$context.error.messageString}`

// UnavailableBody is the body of the 503 answers. What API Gateway
// documents of $context.error.messageString does not cover authorizer
// failures, so these say what they mean themselves.
const UnavailableBody = `{"message":"Authorization is temporarily unavailable; retry later"}`

// RetryAfterSeconds is the Retry-After of the 503 answers.
const RetryAfterSeconds = "5"

// GatewayResponse is one gateway response the deployed API sets: its
// status, its headers (literal values) and its application/json body
// template.
type GatewayResponse struct {
	Type       string
	StatusCode int
	Headers    map[string]string
	Body       string
}

// GatewayResponses are the answers to authorizer outcomes that the
// deployed API sets (the cognitoauth construct, template.yaml): 401 with
// RFC 6750's WWW-Authenticate (sign in), 403 (signed in, not allowed), and
// 503 with Retry-After when the authorizer itself failed (retry later; API
// Gateway answers 500 by default).
func GatewayResponses() []GatewayResponse {
	retry := map[string]string{"Retry-After": RetryAfterSeconds}
	return []GatewayResponse{
		{ResponseUnauthorized, 401, map[string]string{"WWW-Authenticate": "Bearer"}, ErrorTemplate},
		{ResponseAccessDenied, 403, nil, ErrorTemplate},
		{ResponseAuthorizerFailure, 503, retry, UnavailableBody},
		{ResponseAuthorizerConfigurationError, 503, retry, UnavailableBody},
	}
}

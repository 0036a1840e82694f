// Package decide is the authorizer's decision, whatever API type asked for
// it. A Request holds what every API Gateway authorizer event gives (the
// token, the request's method and path, the API and stage it reached, its
// headers); Decide verifies the token, checks revocation, the stage-wide
// requirements (the usage identifier claim among them) and the route rules,
// and returns a Decision: the outcome, one reason, the matched route, the
// verified identity with its issuer, the IAM policy, the context, the
// caller's usage plan key and, on request, a per-rule trace.
//
// Nothing here knows an event's shape or how an answer is written: package
// authorizer reads REST API events into Requests and renders Decisions as
// REST answers and log lines; other renderers (HTTP API answers, metrics,
// an explain command) read the same Decision.
//
// The four outcomes follow API Gateway's authorizer contract: Allow and
// Deny are policies (Deny: 403 for a caller who is signed in but not
// allowed), Unauthorized is a missing or invalid token (401), Unavailable
// means the token could not be checked at all (keys or stores out of
// reach), which is never an Allow.
package decide

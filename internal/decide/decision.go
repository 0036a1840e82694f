package decide

import (
	"github.com/gatehouse-dev/cognito-authorizer/internal/policy"
	"github.com/gatehouse-dev/cognito-authorizer/internal/verify"
)

// Outcome is what the authorizer answers.
type Outcome int

// The four outcomes. Their String is the decision field of the log line and
// will be the outcome dimension of metrics.
const (
	// Allow is an Allow policy for the request.
	Allow Outcome = iota + 1
	// Deny is a policy that denies the request to a caller who is signed in
	// but not allowed: API Gateway answers 403.
	Deny
	// Unauthorized is a missing or invalid token: API Gateway answers 401.
	Unauthorized
	// Unavailable means the token could not be checked at all (no signing
	// key, no revocation store): API Gateway answers 500, which the
	// deployed API maps to 503 so that clients retry.
	Unavailable
)

// String returns the outcome's name in logs: allow, deny, unauthorized or
// unavailable.
func (o Outcome) String() string {
	switch o {
	case Allow:
		return "allow"
	case Deny:
		return "deny"
	case Unauthorized:
		return "unauthorized"
	case Unavailable:
		return "unavailable"
	}
	return "unknown"
}

// Decision is the answer to one Request and why. Renderers read it; none of
// them decides anything.
type Decision struct {
	Outcome Outcome
	// Reason says why the caller was not allowed, or what was unavailable;
	// ReasonNone for an Allow.
	Reason Reason
	// Route is the route rule that decided, if any (with route rules on).
	Route string
	// Identity is the verified caller (its Issuer included), nil when the
	// token did not verify.
	Identity *verify.Identity
	// Policy is the IAM policy of an Allow or a Deny; it depends on the
	// token and the rules alone, never on the route that asked, so that a
	// cache keyed on the token may replay it on every route.
	Policy policy.Document
	// Context is the caller's claims as an authorizer context (see
	// Context), for an Allow and a Deny alike: API Gateway caches the whole
	// answer and replays it on the routes the policy allows.
	Context map[string]any
	// UsageKey is the caller's API key for API Gateway's usage plans,
	// read from the usage identifier claim (WithUsageIdentifier) of an
	// Allow or a Deny; empty without one. A REST answer carries it as
	// usageIdentifierKey, for a Deny too, since its policy may allow other
	// routes. It is a credential of sorts: never log it.
	UsageKey string
	// Trace is every route rule's outcome for this caller, when the
	// Request asked for it and route rules are on.
	Trace *policy.Explanation
	// Explanation is every check of the decision and the token's header
	// and claims, when the Request asked for it (see explain.go).
	Explanation *Explanation
	// Err is the detail of a refusal or an outage, for the log; it never
	// reaches the caller.
	Err error
}

// Principal is the policy's principalId: the caller's sub, empty when the
// token did not verify.
func (d *Decision) Principal() string {
	if d.Identity == nil {
		return ""
	}
	return d.Identity.Subject
}

// Answered reports whether d carries a policy: Allow and Deny do,
// Unauthorized and Unavailable are errors.
func (d *Decision) Answered() bool { return d.Outcome == Allow || d.Outcome == Deny }

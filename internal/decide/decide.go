package decide

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"time"

	"github.com/gatehouse-dev/cognito-authorizer/internal/identity"
	"github.com/gatehouse-dev/cognito-authorizer/internal/policy"
	"github.com/gatehouse-dev/cognito-authorizer/internal/revocation"
	"github.com/gatehouse-dev/cognito-authorizer/internal/verify"
)

// Verifier checks a token; *verify.Verifier is one. Its errors match
// verify's sentinel errors; verify.ErrKeysUnavailable is the outage.
type Verifier interface {
	Verify(ctx context.Context, token string) (*verify.Claims, error)
}

// Revocations says whether a verified token's session or user was signed
// out; *revocation.Checker is one. Its error matches revocation.ErrRevoked
// (Unauthorized); any other error is the outage answer.
type Revocations interface {
	Check(ctx context.Context, sub, originJTI string, issuedAt time.Time) error
}

// Option configures a Decider.
type Option func(*Decider)

// WithRequiredScopes sets scopes every caller must hold, on every route.
func WithRequiredScopes(scopes ...string) Option {
	return func(d *Decider) { d.requiredScopes = slices.Clone(scopes) }
}

// WithRequiredGroups sets groups every caller must be in, on every route.
func WithRequiredGroups(groups ...string) Option {
	return func(d *Decider) { d.requiredGroups = slices.Clone(groups) }
}

// WithRules decides per route by rs; nil (the default): every caller who
// holds the required scopes and groups is allowed, over the scope
// WithScope sets.
func WithRules(rs *policy.Rules) Option { return func(d *Decider) { d.rules = rs } }

// WithScope sets what an Allow covers without rules; the default is
// policy.ScopeStage, right with API Gateway's cache keyed on the token.
func WithScope(s policy.Scope) Option { return func(d *Decider) { d.scope = s } }

// WithRevocations has a verified token checked against r before groups and
// rules; nil (the default): no check.
func WithRevocations(r Revocations) Option { return func(d *Decider) { d.revocations = r } }

// Decider decides Requests. It is safe for concurrent use.
type Decider struct {
	verifier       Verifier
	requiredScopes []string
	requiredGroups []string
	rules          *policy.Rules
	scope          policy.Scope
	revocations    Revocations
	usageClaim     string
	usageRequired  bool
}

// New returns a Decider that verifies tokens with v. It panics if v is nil:
// that is a wiring bug, not a request's problem.
func New(v Verifier, opts ...Option) *Decider {
	if v == nil {
		panic("decide.New: nil Verifier")
	}
	d := &Decider{verifier: v, scope: policy.ScopeStage}
	for _, o := range opts {
		o(d)
	}
	return d
}

// Routed reports whether d decides per route (WithRules with rules): a
// Decision's Route is then the rule that decided, empty when none matched.
// The log line names a route on every decision then, "none" included.
func (d *Decider) Routed() bool { return d.rules != nil }

// Decide answers r. It stops waiting for keys and stores when ctx ends: a
// caller with a deadline should give Decide a context that ends early
// enough to render the answer. A panic is recovered and answered
// Unauthorized with ReasonPanic.
func (d *Decider) Decide(ctx context.Context, r Request) (dec Decision) {
	defer func() {
		if p := recover(); p != nil {
			dec = Decision{Outcome: Unauthorized, Reason: ReasonPanic, Err: fmt.Errorf("panic: %v\n%s", p, debug.Stack())}
		}
		if r.Explain {
			dec.Explanation = d.explain(r, dec)
		}
	}()
	if r.Err != nil {
		return refused(Unauthorized, ReasonOf(r.Err), r.Err)
	}
	token, err := Bearer(r.Token)
	if err != nil {
		return refused(Unauthorized, ReasonOf(err), err)
	}
	claims, err := d.verifier.Verify(ctx, token)
	if err != nil {
		if errors.Is(err, verify.ErrKeysUnavailable) {
			return refused(Unavailable, ReasonKeysUnavailable, err)
		}
		return refused(Unauthorized, ReasonOf(err), err)
	}
	dec.Identity = claims.Identity()
	if d.revocations != nil {
		jti := claimString(claims, identity.KeyOriginJTI)
		if len(jti) > maxOriginJTI {
			// No store key is that long: a token problem, not an outage.
			return refused(Unauthorized, ReasonInvalidClaims, fmt.Errorf("origin_jti of %d bytes, the limit is %d", len(jti), maxOriginJTI))
		}
		if err := d.revocations.Check(ctx, dec.Identity.Subject, jti, claimTime(claims, identity.KeyIssuedAt)); err != nil {
			dec.Outcome, dec.Reason, dec.Err = Unauthorized, ReasonRevoked, err
			if !errors.Is(err, revocation.ErrRevoked) || errors.Is(err, revocation.ErrUnavailable) {
				// Not known to be revoked, and not known not to be:
				// never an Allow, never a 401.
				dec.Outcome, dec.Reason = Unavailable, ReasonRevocationUnavailable
			}
			return dec
		}
	}
	// API Gateway caches the whole answer per token and replays it on
	// every route the policy covers: principal, policy and context must
	// not depend on the route that asked. So every policy answer carries
	// the caller's context, a Deny of this route too, since its policy may
	// allow others.
	dec.Context = Context(claims)
	if d.usageClaim != "" {
		if !identityKey(d.usageClaim) {
			// An API key: the integration has no use for it, and
			// what reaches it tends to reach its logs.
			delete(dec.Context, d.usageClaim)
		}
		key, err := d.usageKey(claims)
		if err != nil {
			// Signed in, but without a usable key: refused on every
			// route, as for REQUIRED_GROUPS, so that a malformed key
			// never reaches API Gateway and, when a key is required,
			// no caller goes through without one.
			dec.Outcome, dec.Reason, dec.Err = Deny, ReasonNoUsageKey, err
			dec.Policy = policy.ScopedDocument(policy.Deny, r.ARN, policy.ScopeStage)
			return dec
		}
		dec.UsageKey = key
	}
	if reason, err := d.required(dec.Identity); err != nil {
		// Refused on every route: the Deny covers the stage.
		dec.Outcome, dec.Reason, dec.Err = Deny, reason, err
		dec.Policy = policy.ScopedDocument(policy.Deny, r.ARN, policy.ScopeStage)
		return dec
	}
	if d.rules == nil {
		dec.Outcome = Allow
		dec.Policy = policy.ScopedDocument(policy.Allow, r.ARN, d.scope)
		return dec
	}
	pd := d.rules.Decide(r.ARN, claims)
	dec.Route, dec.Policy = pd.Route, pd.Policy
	if r.Explain {
		x := d.rules.Explain(r.ARN, claims)
		dec.Trace = &x
	}
	if !pd.Allowed {
		dec.Outcome, dec.Reason = Deny, Reason(pd.Reason)
		return dec
	}
	dec.Outcome = Allow
	return dec
}

// maxOriginJTI bounds the origin_jti looked up in the revocation table, as
// the sign-out function bounds the one it writes.
const maxOriginJTI = 256

func refused(o Outcome, reason Reason, err error) Decision {
	return Decision{Outcome: o, Reason: reason, Err: err}
}

// required checks the scopes and groups every caller must hold.
func (d *Decider) required(id *verify.Identity) (Reason, error) {
	for _, s := range d.requiredScopes {
		if !slices.Contains(id.Scopes, s) {
			return ReasonMissingRequiredScope, fmt.Errorf("scope %q required", s)
		}
	}
	for _, g := range d.requiredGroups {
		if !slices.Contains(id.Groups, g) {
			return ReasonMissingRequiredGroup, fmt.Errorf("group %q required", g)
		}
	}
	return ReasonNone, nil
}

func claimString(c *verify.Claims, name string) string {
	v, _ := c.Claim(name)
	s, _ := v.(string)
	return s
}

// claimTime reads a numeric date claim; zero when absent (verify has
// checked its range).
func claimTime(c *verify.Claims, name string) time.Time {
	v, _ := c.Claim(name)
	f, ok := v.(float64)
	if !ok {
		return time.Time{}
	}
	return time.Unix(int64(f), 0)
}

package decide

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/gatehouse-dev/cognito-authorizer/internal/identity"
	"github.com/gatehouse-dev/cognito-authorizer/internal/policy"
	"github.com/gatehouse-dev/cognito-authorizer/internal/verify"
)

// Explanation is how Decide reached a Decision, check by check, for a
// person asking why (Request.Explain). Decision.Trace holds the route
// rules' detail. It holds the token's header and claims, never its
// signature: print it only to whoever may see the claims.
type Explanation struct {
	// Now is the verifier's clock when the decision was explained.
	Now time.Time `json:"now"`
	// Leeway is the clock skew allowed on exp, nbf and iat, as a Go
	// duration ("0s", "30s"); empty when the verifier does not say.
	Leeway string `json:"leeway,omitempty"`
	// Verified says whether Header and Claims are those of a token whose
	// signature and issuer verified; if false they are as presented by the
	// token, decoded without trusting it.
	Verified bool `json:"verified"`
	// Header is the token's JOSE header; nil when there is no token or it
	// does not decode.
	Header map[string]any `json:"header,omitempty"`
	// Claims are the token's claims; nil when there is no token or they do
	// not decode.
	Claims map[string]any `json:"claims,omitempty"`
	// Checks are every check of the decision, in the order Decide makes
	// them: the first that failed, if any, is the decision's reason.
	Checks []Check `json:"checks"`
}

// CheckResult is how one Check went.
type CheckResult string

// The results of a Check.
const (
	// CheckPass: the check was made and held.
	CheckPass CheckResult = "pass"
	// CheckFail: the check was made and failed; the decision's Reason is
	// its reason.
	CheckFail CheckResult = "fail"
	// CheckNotReached: an earlier check failed, so this one was not made
	// (or not wholly: see its detail).
	CheckNotReached CheckResult = "not_reached"
	// CheckOff: nothing is configured for this check (no revocation
	// table, no required groups, no route rules, ...).
	CheckOff CheckResult = "off"
)

// Names of the checks, in the order Explanation.Checks lists them.
const (
	CheckRequest        = "request"         // the event: method, path, API and stage
	CheckToken          = "token"           // a Bearer token, spelled as a compact JWS
	CheckSize           = "size"            // at most verify.MaxTokenSize bytes
	CheckFormat         = "format"          // header and claims decode as JSON objects
	CheckHeader         = "header"          // no jku, x5u, jwk, x5c, crit; a kid
	CheckIssuer         = "issuer"          // iss is a configured issuer
	CheckAlgorithm      = "algorithm"       // alg is the issuer's and fits the key
	CheckKey            = "key"             // the issuer's JWKS has the kid
	CheckSignature      = "signature"       // the signature verifies with that key
	CheckIssuerRules    = "issuer_rules"    // the issuer's own: token_use, client or audience, claim types
	CheckDates          = "dates"           // exp, nbf, iat against the clock, within the leeway
	CheckRevocation     = "revocation"      // the session or user signed out
	CheckUsageKey       = "usage_key"       // the usage identifier claim (USAGE_IDENTIFIER_CLAIM)
	CheckRequiredScopes = "required_scopes" // REQUIRED_SCOPES
	CheckRequiredGroups = "required_groups" // REQUIRED_GROUPS
	CheckRouteRules     = "route_rules"     // the route rules (Decision.Trace has each rule's)
	// CheckOther is a failure of a step the list does not name (a reason
	// added after it); it is listed last when it happens.
	CheckOther = "other"
)

// Check is one check of a decision.
type Check struct {
	Name   string      `json:"name"`
	Result CheckResult `json:"result"`
	// Reason is the decision's reason, on the check that failed.
	Reason Reason `json:"reason,omitempty"`
	// Detail says what was checked against what, with the token's values
	// (as presented by the token unless Explanation.Verified).
	Detail string `json:"detail"`
	// Error is the failure's detail as the log line gives it, on the
	// check that failed.
	Error string `json:"error,omitempty"`
}

// LookupReason returns the registry's entry of r (Reasons), and false if r
// is not listed.
func LookupReason(r Reason) (ReasonInfo, bool) {
	for _, info := range Reasons {
		if info.Reason == r {
			return info, true
		}
	}
	return ReasonInfo{}, false
}

// verifierSettings is what a Verifier may tell an explanation of the
// settings it checks tokens against; *verify.Verifier does. Without it the
// details say less.
type verifierSettings interface {
	Now() time.Time
	Leeway() time.Duration
	Algorithms() []string
	Issuers() []string
	IssuerAlgorithms(iss string) ([]string, bool)
}

var _ verifierSettings = (*verify.Verifier)(nil)

// step is one check in the order Decide and the verifier make them. A
// Check covers one or more steps (the algorithm is checked three times:
// against every issuer's algorithms, the token's issuer's, and the key).
type step int

const (
	stepNone step = iota // no step failed: an Allow
	stepRequest
	stepToken
	stepSize
	stepFormat
	stepAlgAny // the parser: an algorithm some issuer signs with
	stepHeader
	stepKID
	stepIssuer
	stepAlgIssuer // the token's issuer's algorithms
	stepKey
	stepAlgKey // the key's type, curve and alg
	stepSignature
	stepDateRange // exp, nbf, iat from 1970 to 9999
	stepIssuerRules
	stepDates
	stepRevocation
	stepUsageKey
	stepRequiredScopes
	stepRequiredGroups
	stepRouteRules
	stepUnknown // a reason this file does not place: see CheckOther
)

// checkSteps lists the checks in order, with their steps.
var checkSteps = []struct {
	name  string
	steps []step
}{
	{CheckRequest, []step{stepRequest}},
	{CheckToken, []step{stepToken}},
	{CheckSize, []step{stepSize}},
	{CheckFormat, []step{stepFormat}},
	{CheckHeader, []step{stepHeader, stepKID}},
	{CheckIssuer, []step{stepIssuer}},
	{CheckAlgorithm, []step{stepAlgAny, stepAlgIssuer, stepAlgKey}},
	{CheckKey, []step{stepKey}},
	{CheckSignature, []step{stepSignature}},
	{CheckIssuerRules, []step{stepIssuerRules}},
	{CheckDates, []step{stepDateRange, stepDates}},
	{CheckRevocation, []step{stepRevocation}},
	{CheckUsageKey, []step{stepUsageKey}},
	{CheckRequiredScopes, []step{stepRequiredScopes}},
	{CheckRequiredGroups, []step{stepRequiredGroups}},
	{CheckRouteRules, []step{stepRouteRules}},
}

// explainer holds what the details of one explanation are made of.
type explainer struct {
	d        *Decider
	r        Request
	dec      *Decision
	settings verifierSettings // nil when the verifier does not say
	token    string           // the JWT, once Bearer accepted it
	header   map[string]any
	claims   map[string]any
	shown    map[string]any // claims as shown, where they differ
	failed   step
	now      time.Time
}

// explain returns the Explanation of dec, the answer to r. It runs only
// when r.Explain is set, after Decide, so that the answer's path pays
// nothing for it.
func (d *Decider) explain(r Request, dec Decision) *Explanation {
	// dec is a copy: a pointer to Decide's result would move it to the
	// heap on every decision, explained or not.
	x := &explainer{d: d, r: r, dec: &dec, now: time.Now()}
	x.settings, _ = d.verifier.(verifierSettings)
	ex := &Explanation{Verified: dec.Identity != nil}
	if x.settings != nil {
		x.now = x.settings.Now()
		ex.Leeway = x.settings.Leeway().String()
	}
	ex.Now = x.now.UTC()
	if r.Err == nil {
		if tok, err := Bearer(r.Token); err == nil {
			x.token = tok
			x.decode()
		}
	}
	ex.Header, ex.Claims = x.header, x.claims
	if x.shown != nil {
		ex.Claims = x.shown
	}
	x.failed = x.failedStep()
	for _, cs := range checkSteps {
		ex.Checks = append(ex.Checks, x.check(cs.name, cs.steps))
	}
	if x.failed == stepUnknown {
		ex.Checks = append(ex.Checks, Check{Name: CheckOther, Result: CheckFail, Reason: dec.Reason,
			Detail: x.meaning(), Error: x.errText()})
	}
	return ex
}

// decode reads the token's header and claims without verifying them.
// Verify has not decoded a token over its size limit: neither does this.
func (x *explainer) decode() {
	if len(x.token) > verify.MaxTokenSize {
		return
	}
	claims := jwt.MapClaims{}
	t, _, _ := jwt.NewParser().ParseUnverified(x.token, claims)
	if t == nil {
		return
	}
	x.header = t.Header
	if len(claims) > 0 {
		x.claims = claims
	}
	if v, ok := claims[x.d.usageClaim]; ok && x.d.usageClaim != "" && !identityKey(x.d.usageClaim) {
		// An API key, which the decision never logs either.
		shown := maps.Clone(claims)
		shown[x.d.usageClaim] = fmt.Sprintf("(the usage identifier key, not shown: %s)", jsonType(v))
		x.shown = shown
	}
}

// failedStep places the decision's reason among the steps: the step that
// failed, stepNone for an Allow, stepUnknown for a reason not placed
// here. Where a reason may come from several steps, the error and the
// token's values tell which; where they cannot, the earliest is taken, so
// that a check is never said to have passed when it may not have been
// made.
func (x *explainer) failedStep() step {
	dec := x.dec
	switch dec.Reason {
	case ReasonNone:
		if dec.Outcome == Allow {
			return stepNone
		}
		return stepUnknown
	case ReasonBadEvent, ReasonBadARN:
		return stepRequest
	case ReasonNoToken, ReasonBadScheme, ReasonAmbiguousToken, ReasonNotJWT:
		return stepToken
	case ReasonTooLarge:
		return stepSize
	case ReasonMalformed:
		return stepFormat
	case ReasonAlgorithm:
		return x.algorithmStep()
	case ReasonHeader:
		return stepHeader
	case ReasonMissingKID:
		return stepKID
	case ReasonWrongIssuer:
		return stepIssuer
	case ReasonUnknownKey, ReasonKeysUnavailable:
		return stepKey
	case ReasonBadSignature:
		return stepSignature
	case ReasonWrongClient, ReasonWrongTokenUse:
		return stepIssuerRules
	case ReasonInvalidClaims:
		switch {
		case !errors.Is(dec.Err, verify.ErrInvalidClaims):
			// Decide's own: an origin_jti too long to look up.
			return stepRevocation
		case errors.Is(dec.Err, jwt.ErrTokenInvalidClaims):
			// jwt's validation of the dates (exp is required).
			return stepDates
		case x.dateOutOfRange():
			return stepDateRange
		}
		return stepIssuerRules
	case ReasonExpired, ReasonNotYetValid:
		return stepDates
	case ReasonRevoked, ReasonRevocationUnavailable:
		return stepRevocation
	case ReasonNoUsageKey:
		return stepUsageKey
	case ReasonMissingRequiredScope:
		return stepRequiredScopes
	case ReasonMissingRequiredGroup:
		return stepRequiredGroups
	case ReasonMissingGroup, ReasonMissingScope, ReasonClaimMismatch, ReasonNotOwner, ReasonNoRule:
		return stepRouteRules
	}
	return stepUnknown
}

// algorithmStep tells which of the three algorithm checks refused the
// token's alg.
func (x *explainer) algorithmStep() step {
	if x.settings == nil {
		return stepAlgAny
	}
	alg := x.headerString("alg")
	if !slices.Contains(x.settings.Algorithms(), alg) {
		return stepAlgAny
	}
	algs, ok := x.settings.IssuerAlgorithms(x.claimString("iss"))
	if !ok || !slices.Contains(algs, alg) {
		return stepAlgIssuer
	}
	return stepAlgKey
}

// dateOutOfRange reports whether exp, nbf or iat is not a numeric date
// from 1970 to 9999, which the verifier refuses before the issuer's rules.
func (x *explainer) dateOutOfRange() bool {
	for _, name := range [...]string{"exp", "nbf", "iat"} {
		v, ok := x.claims[name]
		if !ok {
			continue
		}
		if !verify.IsNumericDate(v) {
			return true
		}
	}
	return false
}

// check is the Check name, which covers steps.
func (x *explainer) check(name string, steps []step) Check {
	c := Check{Name: name}
	switch {
	case x.off(name):
		c.Result = CheckOff
	case x.failed == stepNone:
		c.Result = CheckPass
	case slices.Contains(steps, x.failed):
		c.Result, c.Reason, c.Error = CheckFail, x.dec.Reason, x.errText()
	case x.failed == stepUnknown:
		// Verification held if there is an identity; nothing is known
		// of the rest.
		c.Result = CheckNotReached
		if x.dec.Identity != nil && steps[len(steps)-1] <= stepDates {
			c.Result = CheckPass
		}
	case steps[len(steps)-1] < x.failed:
		c.Result = CheckPass
	default:
		c.Result = CheckNotReached
	}
	c.Detail = x.detail(name, c.Result)
	return c
}

// off reports whether nothing is configured for the check name.
func (x *explainer) off(name string) bool {
	switch name {
	case CheckRevocation:
		return x.d.revocations == nil
	case CheckUsageKey:
		return x.d.usageClaim == ""
	case CheckRequiredScopes:
		return len(x.d.requiredScopes) == 0
	case CheckRequiredGroups:
		return len(x.d.requiredGroups) == 0
	case CheckRouteRules:
		return x.d.rules == nil
	}
	return false
}

// detail says what the check name looked at, with the token's values.
func (x *explainer) detail(name string, result CheckResult) string {
	failed := result == CheckFail
	switch name {
	case CheckRequest:
		if failed {
			return x.meaning()
		}
		if x.r.Err != nil || x.r.ARN.APIID == "" {
			return ""
		}
		a := x.r.ARN
		return fmt.Sprintf("%s /%s on API %s, stage %s (%s)", a.Method, a.Path, a.APIID, a.Stage, a.String())
	case CheckToken:
		if failed {
			return x.meaning()
		}
		if x.token == "" {
			return ""
		}
		return "a bearer token of three base64url segments (the signature is not shown)"
	case CheckSize:
		if x.token == "" {
			return ""
		}
		return fmt.Sprintf("%d bytes, at most %d", len(x.token), verify.MaxTokenSize)
	case CheckFormat:
		if failed {
			return "the header or the claims do not decode as JSON objects"
		}
		if x.token == "" {
			return ""
		}
		return "the header and the claims decode as JSON objects"
	case CheckHeader:
		return x.headerDetail(result)
	case CheckIssuer:
		return x.issuerDetail(result)
	case CheckAlgorithm:
		return x.algorithmDetail(result)
	case CheckKey:
		return x.keyDetail(result)
	case CheckSignature:
		return x.signatureDetail(result)
	case CheckIssuerRules:
		return x.issuerRulesDetail(result)
	case CheckDates:
		return x.datesDetail(result)
	case CheckRevocation:
		return x.revocationDetail(result)
	case CheckUsageKey:
		return x.usageKeyDetail(result)
	case CheckRequiredScopes:
		return x.requiredDetail(result, "scopes", "REQUIRED_SCOPES", x.d.requiredScopes, x.scopes())
	case CheckRequiredGroups:
		return x.requiredDetail(result, "groups", "REQUIRED_GROUPS", x.d.requiredGroups, x.groups())
	case CheckRouteRules:
		return x.routeRulesDetail(result)
	}
	return ""
}

func (x *explainer) headerDetail(result CheckResult) string {
	if x.header == nil {
		return ""
	}
	var present []string
	forbidden := verify.ForbiddenHeaders()
	for _, h := range forbidden {
		if _, ok := x.header[h]; ok {
			present = append(present, h)
		}
	}
	kid := x.headerString("kid")
	switch {
	case result == CheckFail && x.failed == stepKID:
		return "no kid (or one over 256 bytes): the issuer names its key in every token"
	case result == CheckFail:
		return fmt.Sprintf("%s: a header that would choose the key or extend the JWS; keys come from the issuer's JWKS only", strings.Join(present, ", "))
	}
	s := fmt.Sprintf("kid %s; none of %s", quote(kid), strings.Join(forbidden[:], ", "))
	if len(present) > 0 || kid == "" {
		s = fmt.Sprintf("kid %s; %s present", quote(kid), strings.Join(present, ", "))
	}
	return s
}

func (x *explainer) issuerDetail(result CheckResult) string {
	if x.claims == nil {
		return ""
	}
	iss := x.claimString("iss")
	switch result {
	case CheckPass:
		return fmt.Sprintf("iss %s is a configured issuer", quote(iss))
	case CheckFail:
		if x.settings == nil {
			return fmt.Sprintf("iss %s is not a configured issuer", quote(iss))
		}
		return fmt.Sprintf("iss %s is none of the configured issuers: %s", quote(iss), strings.Join(x.settings.Issuers(), ", "))
	}
	return fmt.Sprintf("iss %s", quote(iss))
}

func (x *explainer) algorithmDetail(result CheckResult) string {
	if x.header == nil {
		return ""
	}
	alg := x.headerString("alg")
	var issuerAlgs []string
	if x.settings != nil {
		issuerAlgs, _ = x.settings.IssuerAlgorithms(x.claimString("iss"))
	}
	switch {
	case result == CheckPass && issuerAlgs != nil:
		return fmt.Sprintf("alg %s: one of the issuer's (%s), and the key %s is for it", quote(alg), strings.Join(issuerAlgs, ", "), quote(x.headerString("kid")))
	case result == CheckPass:
		return fmt.Sprintf("alg %s: the issuer's, and the key is for it", quote(alg))
	case result == CheckFail && x.failed == stepAlgAny && x.settings != nil:
		return fmt.Sprintf("alg %s: no issuer signs with it (accepted: %s); refused before the header and the issuer were looked at", quote(alg), strings.Join(x.settings.Algorithms(), ", "))
	case result == CheckFail && x.failed == stepAlgIssuer && issuerAlgs != nil:
		return fmt.Sprintf("alg %s: not one of the issuer's (%s)", quote(alg), strings.Join(issuerAlgs, ", "))
	case result == CheckFail && x.failed == stepAlgKey:
		return fmt.Sprintf("alg %s: the key %s is not for it (its type, curve or JWK alg)", quote(alg), quote(x.headerString("kid")))
	case result == CheckFail:
		return fmt.Sprintf("alg %s: not allowed", quote(alg))
	case result == CheckNotReached && x.failed > stepAlgIssuer && issuerAlgs != nil:
		return fmt.Sprintf("alg %s: one of the issuer's (%s); not checked against the key", quote(alg), strings.Join(issuerAlgs, ", "))
	case result == CheckNotReached && x.failed > stepAlgAny && x.settings != nil:
		return fmt.Sprintf("alg %s: some issuer signs with it; not checked against the token's issuer's or the key", quote(alg))
	}
	return fmt.Sprintf("alg %s", quote(alg))
}

func (x *explainer) keyDetail(result CheckResult) string {
	if x.header == nil {
		return ""
	}
	kid := quote(x.headerString("kid"))
	switch {
	case result == CheckPass:
		return fmt.Sprintf("kid %s is in the issuer's JWKS", kid)
	case result == CheckFail && x.dec.Reason == ReasonKeysUnavailable:
		return "the issuer's JWKS could not be fetched in time (an outage: the answer is 503, never an Allow)"
	case result == CheckFail:
		return fmt.Sprintf("kid %s is not in the issuer's JWKS (fetched again, at most once per refetch interval)", kid)
	}
	return fmt.Sprintf("kid %s", kid)
}

func (x *explainer) signatureDetail(result CheckResult) string {
	switch result {
	case CheckPass:
		return fmt.Sprintf("verifies with the key %s", quote(x.headerString("kid")))
	case CheckFail:
		return fmt.Sprintf("does not verify with the key %s: the token was altered, or signed by another key", quote(x.headerString("kid")))
	}
	return ""
}

func (x *explainer) issuerRulesDetail(result CheckResult) string {
	if x.claims == nil {
		return ""
	}
	var parts []string
	for _, name := range [...]string{"token_use", "aud", "client_id", "azp"} {
		if v, ok := x.claims[name]; ok {
			parts = append(parts, name+" "+shortJSON(v))
		}
	}
	if v, ok := x.claims["sub"]; ok {
		parts = append(parts, "sub "+shortJSON(v))
	} else {
		parts = append(parts, "no sub")
	}
	values := strings.Join(parts, ", ")
	switch result {
	case CheckPass:
		return values + ": the issuer's token use, client or audience, and claims of the right types"
	case CheckFail:
		return values + ": " + x.meaning()
	}
	return values
}

func (x *explainer) datesDetail(result CheckResult) string {
	if x.claims == nil {
		return ""
	}
	var parts []string
	for _, name := range [...]string{"exp", "nbf", "iat"} {
		v, ok := x.claims[name]
		if !ok {
			if name == "exp" {
				parts = append(parts, "no exp (required)")
			}
			continue
		}
		if !verify.IsNumericDate(v) {
			parts = append(parts, fmt.Sprintf("%s %s (not a date from 1970 to 9999)", name, shortJSON(v)))
			continue
		}
		f := v.(float64)
		t := time.Unix(int64(f), 0).UTC()
		parts = append(parts, fmt.Sprintf("%s %s (%s)", name, t.Format(time.RFC3339), relative(t, x.now)))
	}
	s := strings.Join(parts, ", ") + "; now " + x.now.UTC().Format(time.RFC3339)
	if x.settings != nil {
		s += ", leeway " + x.settings.Leeway().String()
	}
	if result == CheckFail {
		s += ": " + x.meaning()
	}
	return s
}

func (x *explainer) revocationDetail(result CheckResult) string {
	switch result {
	case CheckOff:
		return "no revocation table: signed-out sessions are not checked"
	case CheckPass:
		return fmt.Sprintf("sub %s, origin_jti %s: neither the session nor the user signed out", quote(x.claimString("sub")), quote(x.claimString(identity.KeyOriginJTI)))
	case CheckFail:
		if x.dec.Reason == ReasonInvalidClaims {
			return fmt.Sprintf("origin_jti of %d bytes: too long to look up", len(x.claimString(identity.KeyOriginJTI)))
		}
		return fmt.Sprintf("sub %s, origin_jti %s: %s", quote(x.claimString("sub")), quote(x.claimString(identity.KeyOriginJTI)), x.meaning())
	}
	return ""
}

func (x *explainer) usageKeyDetail(result CheckResult) string {
	if result == CheckOff {
		return "no usage identifier claim (USAGE_IDENTIFIER_CLAIM)"
	}
	s := fmt.Sprintf("claim %s", quote(x.d.usageClaim))
	if x.d.usageRequired {
		s += ", required"
	}
	switch result {
	case CheckPass:
		if x.dec.UsageKey == "" {
			return s + ": absent, so no API key"
		}
		return s + fmt.Sprintf(": an API key of %d characters (not shown)", len(x.dec.UsageKey))
	case CheckFail:
		return s + ": " + x.meaning()
	}
	return s
}

func (x *explainer) requiredDetail(result CheckResult, what, env string, want, have []string) string {
	if result == CheckOff {
		return fmt.Sprintf("none required (%s)", env)
	}
	s := fmt.Sprintf("requires %s %s", what, strings.Join(want, ", "))
	if result != CheckNotReached {
		s += fmt.Sprintf("; the caller's: %s", listOrNone(have))
	}
	if result == CheckFail {
		var missing []string
		for _, w := range want {
			if !slices.Contains(have, w) {
				missing = append(missing, w)
			}
		}
		s += fmt.Sprintf("; missing %s: the whole stage is denied", strings.Join(missing, ", "))
	}
	return s
}

func (x *explainer) routeRulesDetail(result CheckResult) string {
	switch result {
	case CheckOff:
		if x.d.scope == policy.ScopeMethod {
			return "no route rules: an Allow covers the request's method and path only (POLICY_RESOURCE=method)"
		}
		return "no route rules: an Allow covers the whole stage, every method and path (POLICY_RESOURCE=stage)"
	case CheckPass:
		return fmt.Sprintf("the rule %s allows the caller", quote(x.dec.Route))
	case CheckFail:
		if x.dec.Reason == ReasonNoRule {
			return "no rule covers the request: " + x.meaning()
		}
		return fmt.Sprintf("the rule %s refuses the caller: %s", quote(x.dec.Route), x.meaning())
	}
	return fmt.Sprintf("%d rules", x.d.rules.Len())
}

// meaning is the registry's meaning of the decision's reason.
func (x *explainer) meaning() string {
	if info, ok := LookupReason(x.dec.Reason); ok {
		return info.Meaning
	}
	return string(x.dec.Reason)
}

func (x *explainer) errText() string {
	if x.dec.Err == nil {
		return ""
	}
	return x.dec.Err.Error()
}

// groups and scopes are the verified caller's.
func (x *explainer) groups() []string {
	if x.dec.Identity == nil {
		return nil
	}
	return x.dec.Identity.Groups
}

func (x *explainer) scopes() []string {
	if x.dec.Identity == nil {
		return nil
	}
	return x.dec.Identity.Scopes
}

func (x *explainer) headerString(name string) string {
	s, _ := x.header[name].(string)
	return s
}

func (x *explainer) claimString(name string) string {
	s, _ := x.claims[name].(string)
	return s
}

// quote shows a token's string value, cut to 80 bytes, or "(none)".
func quote(s string) string {
	if s == "" {
		return "(none)"
	}
	return fmt.Sprintf("%.80q", s)
}

// shortJSON shows a claim's value, cut to 80 characters.
func shortJSON(v any) string {
	if s, ok := v.(string); ok {
		return quote(s)
	}
	s := fmt.Sprintf("%v", v)
	if b, err := json.Marshal(v); err == nil {
		s = string(b)
	}
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return s
}

func listOrNone(vs []string) string {
	if len(vs) == 0 {
		return "none"
	}
	return strings.Join(vs, ", ")
}

// relative says how far t is from now, to the second: "in 59m0s" or
// "1h0m0s ago".
func relative(t, now time.Time) string {
	d := t.Sub(now).Truncate(time.Second)
	switch {
	case d == 0:
		return "now"
	case d > 0:
		return "in " + d.String()
	}
	return (-d).String() + " ago"
}

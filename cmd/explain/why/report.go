package why

import (
	"fmt"
	"strings"

	"github.com/gatehouse-dev/cognito-authorizer/internal/decide"
	"github.com/gatehouse-dev/cognito-authorizer/internal/policy"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
	"github.com/gatehouse-dev/cognito-authorizer/internal/verify"
)

// Report is one explained decision, in the order it is told: the request
// and the settings, the token and every check (the decision core's
// Explanation), the identity, every route rule's outcome, the policy, the
// answer and what a cached answer would do on other requests. Its JSON
// field names are stable; docs/explain.md documents them.
type Report struct {
	Request  Request  `json:"request"`
	Settings Settings `json:"settings"`
	// The decision core's explanation: now, leeway, verified, header,
	// claims and checks, at the top level of the JSON.
	*decide.Explanation
	// Identity is the verified caller; nil when the token did not verify.
	Identity *Identity `json:"identity"`
	// Rules is every route rule's outcome for the caller; nil without
	// route rules, or when the decision was made before them.
	Rules *policy.Explanation `json:"rules"`
	// Policy is the answer's IAM policy; nil for a 401 or an outage.
	Policy *policy.Document `json:"policy"`
	Answer Answer           `json:"answer"`
	Cache  Cache            `json:"cache"`
	// Notes say what this run did differently from the Lambda function.
	Notes []string `json:"notes,omitempty"`
}

// Request is the request explained.
type Request struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	// ARN is its methodArn, on a placeholder API, stage and account.
	ARN string `json:"arn"`
}

// Settings are what the decision depended on.
type Settings struct {
	// Source says where they were read: the environment, or an env-vars
	// file and its section.
	Source  string            `json:"source"`
	Issuers []settings.Issuer `json:"issuers"`
	// Keys says where the issuers' keys came from.
	Keys            string   `json:"keys"`
	RequiredScopes  []string `json:"required_scopes"`
	RequiredGroups  []string `json:"required_groups"`
	RouteRules      int      `json:"route_rules"`
	PolicyResource  string   `json:"policy_resource"`
	RevocationTable string   `json:"revocation_table"`
	UsageClaim      string   `json:"usage_identifier_claim,omitempty"`
}

// Identity is the verified caller, as the authorizer reads it.
type Identity struct {
	Issuer   string   `json:"iss"`
	Subject  string   `json:"sub"`
	Username string   `json:"username,omitempty"`
	ClientID string   `json:"client_id,omitempty"`
	TokenUse string   `json:"token_use,omitempty"`
	Email    string   `json:"email,omitempty"`
	Groups   []string `json:"groups"`
	Scopes   []string `json:"scopes"`
	// Unverified names claims the token carries that its issuer does not
	// vouch for (an email without email_verified): the context leaves
	// them out.
	Unverified []string `json:"unverified_claims,omitempty"`
}

// Answer is the authorizer's answer and its reason.
type Answer struct {
	// Outcome is allow, deny, unauthorized or unavailable.
	Outcome string `json:"outcome"`
	// Status is what API Gateway answers the client: 403 for a Deny, 401
	// Unauthorized, 503 for an outage (the deployed API's mapping of 500);
	// 0 for an Allow, which the integration answers.
	Status int `json:"status,omitempty"`
	// Reason is the log line's reason; Meaning and Check the README's
	// table's words for it (decide.Reasons).
	Reason  string `json:"reason,omitempty"`
	Meaning string `json:"meaning,omitempty"`
	Check   string `json:"check,omitempty"`
	// Route is the route rule that decided, if any.
	Route string `json:"route,omitempty"`
	// Principal is the policy's principalId, the caller's sub.
	Principal string `json:"principal,omitempty"`
	// Error is the refusal's detail, as the log line gives it.
	Error string `json:"error,omitempty"`
}

// Allowed reports whether the answer is an Allow.
func (a Answer) Allowed() bool { return a.Outcome == decide.Allow.String() }

// fill records dec, the answer to a, decided under cfg.
func (r *Report) fill(a policy.MethodARN, cfg settings.Authorizer, dec *decide.Decision) {
	r.Request = Request{Method: a.Method, Path: "/" + a.Path, ARN: a.String()}
	r.Explanation = dec.Explanation
	r.Identity = identityOf(dec.Identity)
	r.Rules = dec.Trace
	if dec.Answered() {
		p := dec.Policy
		r.Policy = &p
	}
	r.Answer = Answer{Outcome: dec.Outcome.String(), Status: status[dec.Outcome], Reason: string(dec.Reason),
		Route: dec.Route, Principal: dec.Principal()}
	if info, ok := decide.LookupReason(dec.Reason); ok {
		r.Answer.Meaning, r.Answer.Check = info.Meaning, info.Check
	}
	if dec.Err != nil {
		r.Answer.Error = dec.Err.Error()
	}
	r.Cache = cacheOf(a, cfg, dec)
}

// status is API Gateway's answer to the client for each outcome but Allow.
var status = map[decide.Outcome]int{decide.Deny: 403, decide.Unauthorized: 401, decide.Unavailable: 503}

func identityOf(id *verify.Identity) *Identity {
	if id == nil {
		return nil
	}
	return &Identity{Issuer: id.Issuer, Subject: id.Subject, Username: id.Username, ClientID: id.ClientID,
		TokenUse: id.TokenUse, Email: id.Email, Groups: orEmpty(id.Groups), Scopes: orEmpty(id.Scopes), Unverified: id.Unverified}
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// describeSettings records what the decision depends on, as the settings
// give it (before -keys changes where keys come from).
func describeSettings(o Options, cfg settings.Authorizer, rev settings.Revocation) Settings {
	s := Settings{
		Source:          o.SettingsSource,
		Issuers:         cfg.Issuers,
		Keys:            "fetched from each issuer's JWKS (JWKS_TIMEOUT " + cfg.JWKSTimeout.String() + ")",
		RequiredScopes:  orEmpty(cfg.RequiredScopes),
		RequiredGroups:  orEmpty(cfg.RequiredGroups),
		PolicyResource:  cfg.PolicyResource.String(),
		RevocationTable: rev.Table,
		UsageClaim:      cfg.Usage.Claim,
	}
	if o.Keys != nil {
		s.Keys = "the file " + o.KeysSource + ", for every issuer (offline)"
	}
	if cfg.Rules != nil {
		s.RouteRules = cfg.Rules.Len()
	}
	return s
}

// markRevocationSkipped says, on the revocation check, that it was not
// made although the settings name a table.
func (r *Report) markRevocationSkipped(table string) {
	if r.Explanation == nil {
		return
	}
	for i, c := range r.Checks {
		if c.Name == decide.CheckRevocation {
			r.Checks[i].Detail = fmt.Sprintf("not checked: -keys runs offline and did not read %s=%s, which the Lambda function reads", settings.EnvRevocationTable, table)
		}
	}
}

// describeIssuer says in one line which tokens an issuer's settings
// accept.
func describeIssuer(is settings.Issuer) string {
	switch {
	case is.Cognito != nil:
		c := is.Cognito
		uses := c.TokenUses
		if len(uses) == 0 {
			uses = []string{"id", "access"}
		}
		return fmt.Sprintf("Cognito pool %s: app clients %s; token use %s; keys %s",
			c.UserPoolID, strings.Join(c.ClientIDs, ", "), strings.Join(uses, ", "), orDefault(c.JWKSURL, "the pool's JWKS"))
	case is.OIDC != nil:
		o := is.OIDC
		algs := o.Algorithms
		if len(algs) == 0 {
			algs = []string{verify.Algorithm}
		}
		return fmt.Sprintf("OpenID provider %s: audiences %s; algorithms %s; keys %s",
			o.Issuer, strings.Join(o.Audiences, ", "), strings.Join(algs, ", "), orDefault(o.JWKSURL, "found by discovery"))
	}
	return "(an issuer of no known kind)"
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// routeMethods lists the methods a rule's route stands for, in a request.
func routeMethods(method string) []string {
	if method == "ANY" {
		return []string{"GET"}
	}
	if policy.IsMethod(method) {
		return []string{method}
	}
	return nil
}

package why

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"text/tabwriter"

	"github.com/gatehouse-dev/cognito-authorizer/internal/decide"
	"github.com/gatehouse-dev/cognito-authorizer/internal/policy"
)

// WriteJSON writes r as one indented JSON object.
func (r *Report) WriteJSON(w io.Writer) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// WriteText writes r for a person, section by section.
func (r *Report) WriteText(w io.Writer) error {
	var b bytes.Buffer
	r.writeRequest(&b)
	r.writeToken(&b)
	r.writeChecks(&b)
	r.writeIdentity(&b)
	r.writeRules(&b)
	r.writePolicy(&b)
	r.writeAnswer(&b)
	r.writeCache(&b)
	if len(r.Notes) > 0 {
		b.WriteString("\nNotes\n")
		for _, n := range r.Notes {
			fmt.Fprintf(&b, "  %s\n", n)
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

func (r *Report) writeRequest(b *bytes.Buffer) {
	fmt.Fprintf(b, "Request   %s %s\n", r.Request.Method, r.Request.Path)
	fmt.Fprintf(b, "          %s (a placeholder API, stage and account)\n", r.Request.ARN)
	s := r.Settings
	fmt.Fprintf(b, "Settings  from %s\n", s.Source)
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', 0)
	for _, is := range s.Issuers {
		fmt.Fprintf(tw, "  issuer\t%s\n", describeIssuer(is))
	}
	fmt.Fprintf(tw, "  keys\t%s\n", s.Keys)
	fmt.Fprintf(tw, "  required\tscopes: %s; groups: %s\n", list(s.RequiredScopes), list(s.RequiredGroups))
	if s.RouteRules > 0 {
		fmt.Fprintf(tw, "  route rules\t%d\n", s.RouteRules)
	} else {
		fmt.Fprintf(tw, "  route rules\tnone (POLICY_RESOURCE=%s)\n", s.PolicyResource)
	}
	if s.RevocationTable != "" {
		fmt.Fprintf(tw, "  revocation\ttable %s\n", s.RevocationTable)
	} else {
		fmt.Fprintf(tw, "  revocation\tno table (REVOCATION_TABLE)\n")
	}
	if s.UsageClaim != "" {
		fmt.Fprintf(tw, "  usage key\tclaim %s\n", s.UsageClaim)
	}
	tw.Flush()
}

func (r *Report) writeToken(b *bytes.Buffer) {
	ex := r.Explanation
	if ex == nil {
		return
	}
	trust := "verified"
	if !ex.Verified {
		trust = "as presented by the token, NOT verified"
	}
	fmt.Fprintf(b, "\nToken  header and claims, %s (the signature is never shown)\n", trust)
	if ex.Header == nil {
		b.WriteString("  (no token, or one whose header does not decode)\n")
		return
	}
	hdr, _ := json.Marshal(ex.Header)
	fmt.Fprintf(b, "  header  %s\n", hdr)
	if ex.Claims == nil {
		b.WriteString("  claims  (none that decode)\n")
		return
	}
	claims, _ := json.MarshalIndent(ex.Claims, "          ", "  ")
	fmt.Fprintf(b, "  claims  %s\n", claims)
}

// resultLabel is how a check's result reads in the text.
var resultLabel = map[decide.CheckResult]string{
	decide.CheckPass:       "pass",
	decide.CheckFail:       "FAIL",
	decide.CheckNotReached: "not reached",
	decide.CheckOff:        "off",
}

func (r *Report) writeChecks(b *bytes.Buffer) {
	ex := r.Explanation
	if ex == nil {
		return
	}
	fmt.Fprintf(b, "\nChecks  (clock %s, leeway %s)\n", ex.Now.Format("2006-01-02T15:04:05Z07:00"), orDefault(ex.Leeway, "unknown"))
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', 0)
	for _, c := range ex.Checks {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", resultLabel[c.Result], c.Name, c.Detail)
		if c.Result == decide.CheckFail {
			fmt.Fprintf(tw, "  \t\treason %s", c.Reason)
			if c.Error != "" {
				fmt.Fprintf(tw, "; error: %s", oneLine(c.Error))
			}
			fmt.Fprintln(tw)
		}
	}
	tw.Flush()
}

func (r *Report) writeIdentity(b *bytes.Buffer) {
	b.WriteString("\nIdentity\n")
	id := r.Identity
	if id == nil {
		b.WriteString("  none: the token did not verify (its claims above are as presented, not trusted)\n")
		return
	}
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', 0)
	for _, f := range [][2]string{
		{"iss", id.Issuer}, {"sub", id.Subject}, {"username", id.Username}, {"client_id", id.ClientID},
		{"token_use", id.TokenUse}, {"email", id.Email},
		{"groups", list(id.Groups)}, {"scopes", list(id.Scopes)},
	} {
		if f[1] != "" {
			fmt.Fprintf(tw, "  %s\t%s\n", f[0], f[1])
		}
	}
	if len(id.Unverified) > 0 {
		fmt.Fprintf(tw, "  unverified\t%s (carried, not vouched for by the issuer: not in the context)\n", list(id.Unverified))
	}
	tw.Flush()
}

func (r *Report) writeRules(b *bytes.Buffer) {
	b.WriteString("\nRoute rules")
	switch {
	case r.Settings.RouteRules == 0:
		b.WriteString("\n  none configured\n")
		return
	case r.Rules == nil:
		b.WriteString("\n  not reached: the decision was made before them (see the checks)\n")
		return
	}
	b.WriteString("  (every rule for this caller; -> the rule API Gateway routes this request to)\n")
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', 0)
	for _, rt := range r.Rules.Rules {
		mark := "  "
		if rt.Routed {
			mark = "->"
		}
		outcome := "passed"
		switch {
		case !rt.Passed:
			outcome = "refused: " + string(rt.Reason)
		case rt.Bound && rt.Routed && !r.Rules.Allowed:
			outcome = "passed for the caller's own values in the path (bind), and this path holds another: " + string(r.Rules.Reason)
		case rt.Bound:
			outcome = "passed, for the caller's own values in the path (bind)"
		case len(rt.Conditions) == 0 && rt.AnyOf == nil:
			outcome = "passed (no conditions)"
		}
		fmt.Fprintf(tw, "  %s %s\t%s\n", mark, rt.Route, outcome)
		for _, c := range rt.Conditions {
			fmt.Fprintf(tw, "       %s\t%s\n", condition(c), conditionResult(c))
		}
		for k, alt := range rt.AnyOf {
			for _, c := range alt {
				fmt.Fprintf(tw, "       anyOf[%d] %s\t%s\n", k, condition(c), conditionResult(c))
			}
		}
	}
	tw.Flush()
}

// condition says what a rule's condition asks.
func condition(c policy.ConditionTrace) string {
	switch c.Kind {
	case policy.KindGroups, policy.KindScopes:
		return fmt.Sprintf("%s: any of %s", c.Kind, strings.Join(c.Want, ", "))
	case policy.KindClaim:
		return fmt.Sprintf("claim %s: any of %s", c.Name, strings.Join(c.Want, ", "))
	case policy.KindBind:
		return fmt.Sprintf("bind {%s} to claim %s", c.Name, strings.Join(c.Want, ", "))
	}
	return c.Kind
}

// conditionResult says how a condition went, with what the caller has.
func conditionResult(c policy.ConditionTrace) string {
	s := "pass"
	if !c.Passed {
		s = "FAIL " + string(c.Reason)
		if c.Detail != "" {
			s += " (" + string(c.Detail) + ")"
		}
	}
	have := list(c.Have)
	if c.Omitted > 0 {
		have += fmt.Sprintf(" (+%d more)", c.Omitted)
	}
	return s + "; the caller's: " + have
}

func (r *Report) writePolicy(b *bytes.Buffer) {
	b.WriteString("\nPolicy\n")
	if r.Policy == nil {
		b.WriteString("  none: a 401 or an outage carries no policy\n")
		return
	}
	p, _ := json.MarshalIndent(r.Policy, "  ", "  ")
	fmt.Fprintf(b, "  %s\n", p)
}

func (r *Report) writeAnswer(b *bytes.Buffer) {
	a := r.Answer
	b.WriteString("\nAnswer\n")
	outcome := strings.ToUpper(a.Outcome[:1]) + a.Outcome[1:]
	switch {
	case a.Allowed():
		fmt.Fprintf(b, "  Allow: API Gateway calls the integration")
	default:
		fmt.Fprintf(b, "  %s: %d %s, reason %s", outcome, a.Status, http.StatusText(a.Status), a.Reason)
	}
	if a.Route != "" {
		fmt.Fprintf(b, " (rule %s)", a.Route)
	}
	b.WriteString("\n")
	if a.Meaning != "" {
		fmt.Fprintf(b, "  %s\n  Check: %s\n", a.Meaning, a.Check)
	}
	if a.Error != "" {
		fmt.Fprintf(b, "  error: %s\n", oneLine(a.Error))
	}
}

func (r *Report) writeCache(b *bytes.Buffer) {
	c := r.Cache
	fmt.Fprintf(b, "\nCached answer  (covers: %s)\n  %s\n", c.Covers, c.Summary)
	if len(c.Requests) == 0 {
		return
	}
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', 0)
	for _, q := range c.Requests {
		verdict := "denied"
		if q.Allowed {
			verdict = "allowed"
		}
		var about []string
		if q.Route != "" {
			about = append(about, "rule "+q.Route)
		}
		if q.Note != "" {
			about = append(about, q.Note)
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", verdict, q.Request, strings.Join(about, "; "))
	}
	tw.Flush()
}

func list(vs []string) string {
	if len(vs) == 0 {
		return "none"
	}
	return strings.Join(vs, ", ")
}

// oneLine keeps the first line of an error (a recovered panic's carries
// its stack).
func oneLine(s string) string {
	first, _, _ := strings.Cut(s, "\n")
	return first
}

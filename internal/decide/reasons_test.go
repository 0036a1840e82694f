package decide_test

import (
	"errors"
	"fmt"
	"regexp"
	"testing"

	"github.com/gatehouse-dev/cognito-authorizer/internal/decide"
	"github.com/gatehouse-dev/cognito-authorizer/internal/policy"
	"github.com/gatehouse-dev/cognito-authorizer/internal/revocation"
	"github.com/gatehouse-dev/cognito-authorizer/internal/verify"
)

// TestReasonsRegistry: every reason is listed once, with one outcome, a
// meaning and what to check, and is spelled as a metric dimension can be.
func TestReasonsRegistry(t *testing.T) {
	name := regexp.MustCompile(`^[a-z][a-z_]{1,30}[a-z]$`)
	seen := map[decide.Reason]bool{}
	for _, r := range decide.Reasons {
		if seen[r.Reason] {
			t.Errorf("reason %q listed twice", r.Reason)
		}
		seen[r.Reason] = true
		if !name.MatchString(string(r.Reason)) {
			t.Errorf("reason %q is not lower_snake_case", r.Reason)
		}
		if r.Outcome == decide.Allow || r.Meaning == "" || r.Check == "" {
			t.Errorf("reason %q: outcome %v, meaning %q, check %q", r.Reason, r.Outcome, r.Meaning, r.Check)
		}
	}
	// Route rules' reasons are policy's, listed here too.
	for _, r := range []policy.Reason{policy.ReasonMissingGroup, policy.ReasonMissingScope, policy.ReasonClaimMismatch, policy.ReasonNotOwner, policy.ReasonNoRule} {
		if !seen[decide.Reason(r)] {
			t.Errorf("policy's reason %q is not in decide.Reasons", r)
		}
	}
	if seen[decide.ReasonNone] {
		t.Error("the empty reason is listed")
	}
}

// TestReasonOf names every sentinel error of verify, revocation and the
// request, each with a reason of the registry whose outcome fits.
func TestReasonOf(t *testing.T) {
	outcome := map[decide.Reason]decide.Outcome{}
	for _, r := range decide.Reasons {
		outcome[r.Reason] = r.Outcome
	}
	tests := []struct {
		err  error
		want decide.Reason
	}{
		{verify.ErrNoToken, decide.ReasonNoToken},
		{verify.ErrTooLarge, decide.ReasonTooLarge},
		{verify.ErrMalformed, decide.ReasonMalformed},
		{verify.ErrAlgorithm, decide.ReasonAlgorithm},
		{verify.ErrHeader, decide.ReasonHeader},
		{verify.ErrMissingKeyID, decide.ReasonMissingKID},
		{verify.ErrUnknownKey, decide.ReasonUnknownKey},
		{verify.ErrKeysUnavailable, decide.ReasonKeysUnavailable},
		{verify.ErrBadSignature, decide.ReasonBadSignature},
		{verify.ErrWrongIssuer, decide.ReasonWrongIssuer},
		{verify.ErrWrongClient, decide.ReasonWrongClient},
		{verify.ErrWrongTokenUse, decide.ReasonWrongTokenUse},
		{verify.ErrExpired, decide.ReasonExpired},
		{verify.ErrNotYetValid, decide.ReasonNotYetValid},
		{verify.ErrInvalidClaims, decide.ReasonInvalidClaims},
		{revocation.ErrRevoked, decide.ReasonRevoked},
		{revocation.ErrUnavailable, decide.ReasonRevocationUnavailable},
		{decide.ErrBadEvent, decide.ReasonBadEvent},
		{decide.ErrBadARN, decide.ReasonBadARN},
		{policy.ErrBadMethodARN, decide.ReasonBadARN},
		{decide.ErrNoToken, decide.ReasonNoToken},
		{decide.ErrAmbiguousToken, decide.ReasonAmbiguousToken},
		{decide.ErrBadScheme, decide.ReasonBadScheme},
		{decide.ErrNotJWT, decide.ReasonNotJWT},
		{errors.New("other"), decide.ReasonUnverified},
	}
	for _, tt := range tests {
		if got := decide.ReasonOf(fmt.Errorf("wrapped: %w", tt.err)); got != tt.want {
			t.Errorf("ReasonOf(%v) = %q, want %q", tt.err, got, tt.want)
		}
		if _, ok := outcome[tt.want]; !ok {
			t.Errorf("reason %q is not in decide.Reasons", tt.want)
		}
	}
}

// TestOutcomeNames: the log's decision field.
func TestOutcomeNames(t *testing.T) {
	for o, want := range map[decide.Outcome]string{decide.Allow: "allow", decide.Deny: "deny", decide.Unauthorized: "unauthorized", decide.Unavailable: "unavailable", 0: "unknown"} {
		if got := o.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", o, got, want)
		}
	}
}

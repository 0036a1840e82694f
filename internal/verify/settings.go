package verify

import (
	"slices"
	"time"
)

// What a Verifier holds tokens to, for a tool that explains a decision
// (package decide's trace): the answer itself never needs them.

// Now returns the Verifier's clock's time, against which exp, nbf and iat
// are checked.
func (v *Verifier) Now() time.Time { return v.now() }

// Leeway returns the clock skew allowed on exp, nbf and iat.
func (v *Verifier) Leeway() time.Duration { return v.leeway }

// Algorithms returns every algorithm some issuer signs with: a token of
// any other is refused before its issuer is looked at.
func (v *Verifier) Algorithms() []string { return slices.Clone(v.algorithms) }

// Issuers returns the iss values accepted, sorted.
func (v *Verifier) Issuers() []string {
	names := make([]string, 0, len(v.issuers))
	for name := range v.issuers {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// IssuerAlgorithms returns the algorithms of the issuer named iss, and
// false if no issuer has that name.
func (v *Verifier) IssuerAlgorithms(iss string) ([]string, bool) {
	is := v.issuers[iss]
	if is == nil {
		return nil, false
	}
	return slices.Clone(is.algorithms), true
}

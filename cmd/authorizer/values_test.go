package main

import (
	"slices"
	"testing"

	"github.com/gatehouse-dev/cognito-authorizer/internal/authorizer"
	"github.com/gatehouse-dev/cognito-authorizer/internal/decide"
	"github.com/gatehouse-dev/cognito-authorizer/internal/jwks"
	"github.com/gatehouse-dev/cognito-authorizer/internal/oidc"
	"github.com/gatehouse-dev/cognito-authorizer/internal/revocation"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
)

// TestSettingsMatchThePackages: the settings name values the domain
// packages also hold as their own (they do not import settings); the two
// must not drift apart.
func TestSettingsMatchThePackages(t *testing.T) {
	for _, tt := range []struct {
		name      string
		set, have any
	}{
		{"AnswerMargin", settings.AnswerMargin, authorizer.AnswerMargin},
		{"DefaultTokenHeader", settings.DefaultTokenHeader, authorizer.DefaultTokenHeader},
		{"DefaultRevocationCacheTTL", settings.DefaultRevocationCacheTTL, revocation.DefaultCacheTTL},
		{"RevocationPartitionKey", settings.RevocationPartitionKey, revocation.AttrID},
		{"RevocationTTLAttribute", settings.RevocationTTLAttribute, revocation.AttrExpiresAt},
	} {
		if tt.set != tt.have {
			t.Errorf("settings.%s = %v, the package's = %v", tt.name, tt.set, tt.have)
		}
	}
}

// TestOIDCAlgorithmsAreTheVerifiers: ISSUERS accepts exactly the
// algorithms the verifier and the key cache serve, and its defaults are
// the providers' own.
func TestOIDCAlgorithmsAreTheVerifiers(t *testing.T) {
	if !slices.Equal(settings.OIDCAlgorithms, jwks.Algorithms()) {
		t.Errorf("settings.OIDCAlgorithms = %v, jwks.Algorithms() = %v", settings.OIDCAlgorithms, jwks.Algorithms())
	}
	for _, tt := range []struct{ name, set, have string }{
		{"DefaultOIDCAlgorithm", settings.DefaultOIDCAlgorithm, oidc.DefaultAlgorithm},
		{"DefaultGroupsClaim", settings.DefaultGroupsClaim, oidc.DefaultGroupsClaim},
		{"DefaultScopeClaim", settings.DefaultScopeClaim, oidc.DefaultScopeClaim},
	} {
		if tt.set != tt.have {
			t.Errorf("settings.%s = %q, oidc's = %q", tt.name, tt.set, tt.have)
		}
	}
}

// TestOutcomesAreTheDecisionCores: the dashboard's outcome dimension
// values (settings.Outcomes) are the decision core's outcomes, all of them.
func TestOutcomesAreTheDecisionCores(t *testing.T) {
	var have []string
	for o := decide.Allow; o <= decide.Unavailable; o++ {
		have = append(have, o.String())
	}
	if !slices.Equal(settings.Outcomes, have) {
		t.Errorf("settings.Outcomes = %v, the decision core's = %v", settings.Outcomes, have)
	}
}

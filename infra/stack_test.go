package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
)

func TestUserPool(t *testing.T) {
	s := defaultStack(t)
	assert(t, func() { s.template.ResourceCountIs(jsii.String("AWS::Cognito::UserPool"), jsii.Number(1)) })
	assert(t, func() {
		s.template.HasResource(jsii.String("AWS::Cognito::UserPool"), map[string]any{
			"DeletionPolicy": "Delete",
			"Properties": map[string]any{
				"UsernameAttributes":     []any{"email"},
				"AutoVerifiedAttributes": []any{"email"},
				"AdminCreateUserConfig":  map[string]any{"AllowAdminCreateUserOnly": false},
				"DeletionProtection":     "INACTIVE",
				"Policies": map[string]any{"PasswordPolicy": assertions.Match_Exact(map[string]any{
					"MinimumLength":                 12,
					"RequireLowercase":              true,
					"RequireUppercase":              true,
					"RequireNumbers":                true,
					"RequireSymbols":                false,
					"TemporaryPasswordValidityDays": 3,
				})},
			},
		})
	})
	// The groups the route rules name, and no other.
	assert(t, func() {
		s.template.ResourceCountIs(jsii.String("AWS::Cognito::UserPoolGroup"), jsii.Number(len(RuleGroups(Routes))))
	})
	for _, g := range []string{"writers", "admins"} {
		assert(t, func() {
			s.template.HasResourceProperties(jsii.String("AWS::Cognito::UserPoolGroup"), map[string]any{"GroupName": g})
		})
	}
}

func TestAppClient(t *testing.T) {
	s := defaultStack(t)
	poolID := s.id(t, "UserPool")
	assert(t, func() { s.template.ResourceCountIs(jsii.String("AWS::Cognito::UserPoolClient"), jsii.Number(1)) })
	assert(t, func() {
		s.template.HasResourceProperties(jsii.String("AWS::Cognito::UserPoolClient"), map[string]any{
			"UserPoolId": ref(poolID),
			"ExplicitAuthFlows": assertions.Match_Exact([]any{
				"ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH",
			}),
			"GenerateSecret":             false,
			"PreventUserExistenceErrors": "ENABLED",
			"AccessTokenValidity":        60,
			"IdTokenValidity":            60,
			"RefreshTokenValidity":       30 * 24 * 60,
			"TokenValidityUnits": map[string]any{
				"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "minutes",
			},
			"AllowedOAuthFlowsUserPoolClient": false,
		})
	})
}

func TestGroups(t *testing.T) {
	s := requestStack(t)
	poolID := s.id(t, "UserPool")
	// The context's groups beside the rules' groups, each once.
	assert(t, func() { s.template.ResourceCountIs(jsii.String("AWS::Cognito::UserPoolGroup"), jsii.Number(3)) })
	for _, g := range []string{"writers", "readers", "admins"} {
		assert(t, func() {
			s.template.HasResourceProperties(jsii.String("AWS::Cognito::UserPoolGroup"), map[string]any{
				"GroupName":  g,
				"UserPoolId": ref(poolID),
			})
		})
	}
}

func TestTable(t *testing.T) {
	s := defaultStack(t)
	assert(t, func() { s.template.ResourceCountIs(jsii.String("AWS::DynamoDB::Table"), jsii.Number(2)) })
	assert(t, func() {
		s.template.HasResource(jsii.String("AWS::DynamoDB::Table"), map[string]any{
			"DeletionPolicy":      "Retain",
			"UpdateReplacePolicy": "Retain",
			"Properties": map[string]any{
				"KeySchema": assertions.Match_Exact([]any{
					map[string]any{"AttributeName": settings.NotesPartitionKey, "KeyType": "HASH"},
					map[string]any{"AttributeName": settings.NotesSortKey, "KeyType": "RANGE"},
				}),
				"AttributeDefinitions": assertions.Match_Exact([]any{
					map[string]any{"AttributeName": settings.NotesPartitionKey, "AttributeType": "S"},
					map[string]any{"AttributeName": settings.NotesSortKey, "AttributeType": "S"},
				}),
				"BillingMode": "PAY_PER_REQUEST",
				"PointInTimeRecoverySpecification": map[string]any{
					"PointInTimeRecoveryEnabled": true,
				},
			},
		})
	})
}

// TestRevocationTable checks the table of issue 12: partition key id, no
// sort key, on-demand, TTL on expiresAt, point-in-time recovery.
func TestRevocationTable(t *testing.T) {
	s := defaultStack(t)
	r := s.resource(t, s.id(t, "RevocationTable"), "AWS::DynamoDB::Table")
	if r.DeletionPolicy != "Retain" {
		t.Errorf("RevocationTable DeletionPolicy = %q, want Retain", r.DeletionPolicy)
	}
	want := map[string]any{
		"KeySchema":            []any{map[string]any{"AttributeName": "id", "KeyType": "HASH"}},
		"AttributeDefinitions": []any{map[string]any{"AttributeName": "id", "AttributeType": "S"}},
		"BillingMode":          "PAY_PER_REQUEST",
		"TimeToLiveSpecification": map[string]any{
			"AttributeName": "expiresAt", "Enabled": true,
		},
		"PointInTimeRecoverySpecification": map[string]any{"PointInTimeRecoveryEnabled": true},
	}
	if diff := cmp.Diff(want, r.Properties); diff != "" {
		t.Errorf("RevocationTable (-want +got):\n%s", diff)
	}
	if settings.RevocationPartitionKey != "id" || settings.RevocationTTLAttribute != "expiresAt" {
		t.Errorf("settings' revocation schema is %s/%s; issue 12 fixes it as id/expiresAt",
			settings.RevocationPartitionKey, settings.RevocationTTLAttribute)
	}
}

// TestRemovalAndRetention checks the props that change what cdk destroy
// keeps and how long logs live.
func TestRemovalAndRetention(t *testing.T) {
	s := requestStack(t)
	assert(t, func() {
		s.template.HasResource(jsii.String("AWS::Cognito::UserPool"), map[string]any{
			"DeletionPolicy": "Retain",
			"Properties":     map[string]any{"DeletionProtection": "ACTIVE"},
		})
	})
	assert(t, func() {
		s.template.AllResources(jsii.String("AWS::DynamoDB::Table"), map[string]any{"DeletionPolicy": "Delete"})
	})
	assert(t, func() {
		s.template.AllResourcesProperties(jsii.String("AWS::Logs::LogGroup"), map[string]any{"RetentionInDays": 7})
	})
}

func TestOutputs(t *testing.T) {
	s := defaultStack(t)
	apiID := s.id(t, "NotesApi")
	want := map[string]any{
		"UserPoolId":          ref(s.id(t, "UserPool")),
		"UserPoolClientId":    ref(s.id(t, "UserPool", "ApiClient")),
		"NotesTableName":      ref(s.id(t, "NotesTable")),
		"RevocationTableName": ref(s.id(t, "RevocationTable")),
		// The functions log to groups of their own, not to
		// /aws/lambda/<name>: the outputs say where.
		"AuthorizerLogGroupName": ref(s.id(t, "Authorizer", "Logs")),
		"AddNoteLogGroupName":    ref(s.id(t, "AddNoteLogs")),
		"ListNotesLogGroupName":  ref(s.id(t, "ListNotesLogs")),
		"SignOutLogGroupName":    ref(s.id(t, "SignOutLogs")),
		"AccessLogGroupName":     ref(s.id(t, "ApiAccessLogs")),
		// The dashboard and the alarms, by the names CloudFormation
		// gives them.
		"DashboardName":               ref(s.id(t, "Authorizer", "Dashboard")),
		"UnavailableAlarmName":        ref(s.id(t, "Authorizer", "UnavailableAlarm")),
		"SignOutFlushErrorsAlarmName": ref(s.id(t, "SignOutFlushErrorsAlarm")),
	}
	got := map[string]any{}
	for name, o := range s.parsed.Outputs {
		if name == "ApiUrl" {
			continue
		}
		got[name] = o.Value
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("outputs (-want +got):\n%s", diff)
	}
	url, err := json.Marshal(s.parsed.Outputs["ApiUrl"].Value)
	if err != nil || !strings.Contains(string(url), `{"Ref":"`+apiID+`"}`) || !strings.Contains(string(url), ".execute-api.") {
		t.Errorf("ApiUrl = %s, want the execute-api URL of %s", url, apiID)
	}
}

func TestNotesStackCfnLint(t *testing.T) {
	cfnLint(t, defaultStack(t).file, cdkIgnoredChecks...)
	cfnLint(t, requestStack(t).file, cdkIgnoredChecks...)
}

// TestSelfSignUp checks that the selfSignUp context setting closes the
// pool's sign-up: only administrators create users then.
func TestSelfSignUp(t *testing.T) {
	for _, tt := range []struct {
		value     any
		adminOnly bool
	}{{nil, false}, {"true", false}, {"false", true}, {false, true}} {
		t.Run(fmt.Sprint(tt.value), func(t *testing.T) {
			p, err := propsFromContext(func(key string) any {
				if key == ctxSelfSignUp {
					return tt.value
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			s := synth(t, p)
			assert(t, func() {
				s.template.HasResourceProperties(jsii.String("AWS::Cognito::UserPool"), map[string]any{
					"AdminCreateUserConfig": map[string]any{"AllowAdminCreateUserOnly": tt.adminOnly},
				})
			})
		})
	}
}

// cognitoStandardAttributes are the user pool's standard attributes. An
// app client without WriteAttributes may write every one of them for the
// signed-in user (UpdateUserAttributes with their access token), and no
// custom attribute.
var cognitoStandardAttributes = []string{
	"address", "birthdate", "email", "family_name", "gender", "given_name", "locale", "middle_name", "name",
	"nickname", "phone_number", "picture", "preferred_username", "profile", "updated_at", "website", "zoneinfo",
}

// TestRuleClaimsNotUserWritable checks that the route rules' claims and
// binds name no attribute a user can set on themselves through the stack's
// app client: a rule on such an attribute admits whoever writes the value
// it wants.
func TestRuleClaimsNotUserWritable(t *testing.T) {
	s := defaultStack(t)
	client := s.resource(t, s.id(t, "UserPool", "ApiClient"), "AWS::Cognito::UserPoolClient")
	writable := cognitoStandardAttributes
	if attrs, ok := client.Properties["WriteAttributes"].([]any); ok {
		writable = nil
		for _, a := range attrs {
			writable = append(writable, fmt.Sprint(a))
		}
	}
	for _, claim := range ruleClaims(t, RouteRules(Routes)) {
		// The authorizer reads these only when verified: a user who
		// changes one loses its verification until they confirm it.
		if claim == "email" || claim == "phone_number" {
			continue
		}
		if slices.Contains(writable, claim) {
			t.Errorf("a route rule reads %s, which the app client lets users write", claim)
		}
	}
}

// ruleClaims returns the claims a rule set's claims and bind conditions
// read, its anyOf included.
func ruleClaims(t *testing.T, rules string) []string {
	t.Helper()
	var parsed []map[string]any
	if err := json.Unmarshal([]byte(rules), &parsed); err != nil {
		t.Fatalf("route rules: %v", err)
	}
	var claims []string
	for _, rule := range parsed {
		conditions := []any{rule}
		if anyOf, ok := rule["anyOf"].([]any); ok {
			conditions = append(conditions, anyOf...)
		}
		for _, c := range conditions {
			c, _ := c.(map[string]any)
			named, _ := c["claims"].(map[string]any)
			claims = append(claims, keys(named)...)
			bind, _ := c["bind"].(map[string]any)
			for _, v := range bind {
				claims = append(claims, fmt.Sprint(v))
			}
		}
	}
	slices.Sort(claims)
	return slices.Compact(claims)
}

func TestRuleClaims(t *testing.T) {
	rules := `[{"route": "ANY /admin/{proxy+}", "claims": {"custom:tenant": ["acme"]}},
		{"route": "GET /users/{userId}/notes", "anyOf": [{"bind": {"userId": "sub"}}, {"claims": {"name": ["x"]}}]}]`
	if diff := cmp.Diff([]string{"custom:tenant", "name", "sub"}, ruleClaims(t, rules)); diff != "" {
		t.Errorf("ruleClaims (-want +got):\n%s", diff)
	}
}

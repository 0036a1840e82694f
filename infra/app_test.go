package main

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"
	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/cognito-authorizer/internal/authorizer"
	"github.com/gatehouse-dev/cognito-authorizer/internal/notes"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/testenv"
)

func TestTokenPattern(t *testing.T) {
	const jwt = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJlLV9fLQ"
	tests := []struct {
		name   string
		header string
		want   bool
	}{
		{"bearer", "Bearer " + jwt, true},
		{"lower-case scheme", "bearer " + jwt, true},
		{"upper-case scheme", "BEARER " + jwt, true},
		{"bare JWT", jwt, true},
		{"two spaces", "Bearer  " + jwt, true},
		{"empty", "", false},
		{"scheme only", "Bearer", false},
		{"scheme and space", "Bearer ", false},
		{"basic auth", "Basic dXNlcjpwYXNz", false},
		{"other scheme", "Token " + jwt, false},
		{"two segments", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ", false},
		{"empty signature", "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiIxMjMifQ.", false},
		{"four segments", jwt + ".x", false},
		{"padding", "Bearer " + jwt + "==", false},
		{"standard base64", "Bearer a+b.c/d.e", false},
		{"trailing newline", "Bearer " + jwt + "\n", false},
		{"trailing space", jwt + " ", false},
		{"no space after scheme", "Bearer" + jwt, true}, // "Bearer<jwt>" reads as one base64url segment
	}
	re := regexp.MustCompile(TokenPattern)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := re.MatchString(tt.header); got != tt.want {
				t.Errorf("TokenPattern matches %q = %v, want %v", tt.header, got, tt.want)
			}
		})
	}
}

// TestNotesStack checks the stack that cdk deploy deploys by default, with
// a TOKEN authorizer.
func TestNotesStack(t *testing.T) {
	s := synth(t, NotesStackProps{})
	var (
		poolID        = s.id(t, "UserPool")
		clientID      = s.id(t, "UserPool", "ApiClient")
		tableID       = s.id(t, "NotesTable")
		authFnID      = s.id(t, "AuthorizerFunction")
		addNoteID     = s.id(t, "AddNoteFunction")
		authorizerID  = s.id(t, "TokenAuthorizer")
		apiID         = s.id(t, "NotesApi")
		accessLogsID  = s.id(t, "ApiAccessLogs")
		authLogsID    = s.id(t, "AuthorizerLogs")
		addNoteLogsID = s.id(t, "AddNoteLogs")
	)

	t.Run("UserPool", func(t *testing.T) {
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
		assert(t, func() { s.template.ResourceCountIs(jsii.String("AWS::Cognito::UserPoolGroup"), jsii.Number(0)) })
	})

	t.Run("AppClient", func(t *testing.T) {
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
	})

	t.Run("Functions", func(t *testing.T) {
		assert(t, func() { s.template.ResourceCountIs(jsii.String("AWS::Lambda::Function"), jsii.Number(2)) })
		for _, fn := range []struct {
			id, logsID string
			timeout    int
		}{
			{authFnID, authLogsID, 5},
			{addNoteID, addNoteLogsID, 10},
		} {
			r := s.resource(t, fn.id, "AWS::Lambda::Function")
			want := map[string]any{
				"Runtime":       "provided.al2023",
				"Architectures": []any{"arm64"},
				"Handler":       "bootstrap",
				"MemorySize":    float64(128),
				"Timeout":       float64(fn.timeout),
				"LoggingConfig": map[string]any{
					"LogFormat":           "JSON",
					"LogGroup":            ref(fn.logsID),
					"ApplicationLogLevel": "INFO",
					"SystemLogLevel":      "INFO",
				},
			}
			got := map[string]any{}
			for k := range want {
				got[k] = r.Properties[k]
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s properties (-want +got):\n%s", fn.id, diff)
			}
			logs := s.resource(t, fn.logsID, "AWS::Logs::LogGroup")
			if got := logs.Properties["RetentionInDays"]; got != float64(30) {
				t.Errorf("%s RetentionInDays = %v, want 30", fn.logsID, got)
			}
		}
	})

	t.Run("AuthorizerEnvironment", func(t *testing.T) {
		want := map[string]any{
			authorizer.EnvUserPoolID: ref(poolID),
			// The app client, not the pool (AWS's examples set the
			// audience to the pool id).
			authorizer.EnvClientIDs: ref(clientID),
			authorizer.EnvTokenUse:  "id,access",
			authorizer.EnvLogLevel:  "info",
		}
		if diff := cmp.Diff(want, envOf(t, s, authFnID)); diff != "" {
			t.Errorf("authorizer environment (-want +got):\n%s", diff)
		}
	})

	t.Run("AddNoteEnvironment", func(t *testing.T) {
		want := map[string]any{
			notes.EnvTable:    ref(tableID),
			notes.EnvLogLevel: "info",
		}
		if diff := cmp.Diff(want, envOf(t, s, addNoteID)); diff != "" {
			t.Errorf("add-note environment (-want +got):\n%s", diff)
		}
	})

	t.Run("EnvironmentNames", func(t *testing.T) {
		checkEnvNames(t, "AuthorizerFunction", keys(envOf(t, s, authFnID)), authorizer.Settings)
		checkEnvNames(t, "AddNoteFunction", keys(envOf(t, s, addNoteID)), notes.Settings)
	})

	t.Run("Authorizer", func(t *testing.T) {
		assert(t, func() { s.template.ResourceCountIs(jsii.String("AWS::ApiGateway::Authorizer"), jsii.Number(1)) })
		r := s.resource(t, authorizerID, "AWS::ApiGateway::Authorizer")
		want := map[string]any{
			"Type":                         "TOKEN",
			"IdentitySource":               "method.request.header.Authorization",
			"AuthorizerResultTtlInSeconds": float64(300),
			"IdentityValidationExpression": TokenPattern,
			"RestApiId":                    ref(apiID),
		}
		got := map[string]any{}
		for k := range want {
			got[k] = r.Properties[k]
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("authorizer (-want +got):\n%s", diff)
		}
		if uri, _ := json.Marshal(r.Properties["AuthorizerUri"]); !strings.Contains(string(uri), `"`+authFnID+`"`) {
			t.Errorf("AuthorizerUri = %s, want the authorizer function's ARN", uri)
		}
	})

	t.Run("Method", func(t *testing.T) {
		// POST /add-note only: no ANY, no OPTIONS.
		assert(t, func() { s.template.ResourceCountIs(jsii.String("AWS::ApiGateway::Method"), jsii.Number(1)) })
		assert(t, func() {
			s.template.HasResourceProperties(jsii.String("AWS::ApiGateway::Resource"), map[string]any{
				"PathPart": "add-note",
				"ParentId": getAtt(apiID, "RootResourceId"),
			})
		})
		assert(t, func() {
			s.template.HasResourceProperties(jsii.String("AWS::ApiGateway::Method"), map[string]any{
				"HttpMethod":        "POST",
				"AuthorizationType": "CUSTOM",
				"AuthorizerId":      ref(authorizerID),
				"Integration":       map[string]any{"Type": "AWS_PROXY"},
			})
		})
		for _, id := range s.ofType("AWS::ApiGateway::Method") {
			integration, _ := s.parsed.Resources[id].Properties["Integration"].(map[string]any)
			if uri, _ := json.Marshal(integration["Uri"]); !strings.Contains(string(uri), `"`+addNoteID+`"`) {
				t.Errorf("%s Integration.Uri = %s, want the add-note function's ARN", id, uri)
			}
		}
	})

	t.Run("AddNotePolicy", func(t *testing.T) {
		role := s.id(t, "AddNoteRole")
		checkRole(t, s, role, []any{
			map[string]any{
				"Effect":   "Allow",
				"Action":   []any{"logs:CreateLogStream", "logs:PutLogEvents"},
				"Resource": getAtt(addNoteLogsID, "Arn"),
			},
			// PutItem on the table, nothing more.
			map[string]any{
				"Effect":   "Allow",
				"Action":   "dynamodb:PutItem",
				"Resource": getAtt(tableID, "Arn"),
			},
		})
	})

	t.Run("AuthorizerPolicy", func(t *testing.T) {
		checkRole(t, s, s.id(t, "AuthorizerRole"), []any{
			map[string]any{
				"Effect":   "Allow",
				"Action":   []any{"logs:CreateLogStream", "logs:PutLogEvents"},
				"Resource": getAtt(authLogsID, "Arn"),
			},
		})
	})

	t.Run("InvokePermissions", func(t *testing.T) {
		// One for the authorizer, one for the method; none for the
		// console's test-invoke stage.
		assert(t, func() { s.template.ResourceCountIs(jsii.String("AWS::Lambda::Permission"), jsii.Number(2)) })
		for _, fn := range []string{authFnID, addNoteID} {
			assert(t, func() {
				s.template.HasResourceProperties(jsii.String("AWS::Lambda::Permission"), map[string]any{
					"Action":       "lambda:InvokeFunction",
					"Principal":    "apigateway.amazonaws.com",
					"FunctionName": getAtt(fn, "Arn"),
				})
			})
		}
	})

	t.Run("Table", func(t *testing.T) {
		assert(t, func() { s.template.ResourceCountIs(jsii.String("AWS::DynamoDB::Table"), jsii.Number(1)) })
		assert(t, func() {
			s.template.HasResource(jsii.String("AWS::DynamoDB::Table"), map[string]any{
				"DeletionPolicy":      "Retain",
				"UpdateReplacePolicy": "Retain",
				"Properties": map[string]any{
					"KeySchema": assertions.Match_Exact([]any{
						map[string]any{"AttributeName": notes.AttrUserID, "KeyType": "HASH"},
						map[string]any{"AttributeName": notes.AttrNoteID, "KeyType": "RANGE"},
					}),
					"AttributeDefinitions": assertions.Match_Exact([]any{
						map[string]any{"AttributeName": notes.AttrUserID, "AttributeType": "S"},
						map[string]any{"AttributeName": notes.AttrNoteID, "AttributeType": "S"},
					}),
					"BillingMode": "PAY_PER_REQUEST",
					"PointInTimeRecoverySpecification": map[string]any{
						"PointInTimeRecoveryEnabled": true,
					},
				},
			})
		})
	})

	t.Run("GatewayResponses", func(t *testing.T) {
		assert(t, func() { s.template.ResourceCountIs(jsii.String("AWS::ApiGateway::GatewayResponse"), jsii.Number(4)) })
		body := map[string]any{"application/json": `{"message":$context.error.messageString}`}
		for _, want := range []map[string]any{
			{"ResponseType": "UNAUTHORIZED", "StatusCode": "401", "ResponseTemplates": body,
				"ResponseParameters": map[string]any{"gatewayresponse.header.WWW-Authenticate": "'Bearer'"}},
			{"ResponseType": "ACCESS_DENIED", "StatusCode": "403", "ResponseTemplates": body,
				"ResponseParameters": assertions.Match_Absent()},
			{"ResponseType": "AUTHORIZER_FAILURE", "StatusCode": "503", "ResponseTemplates": body,
				"ResponseParameters": map[string]any{"gatewayresponse.header.Retry-After": "'5'"}},
			{"ResponseType": "AUTHORIZER_CONFIGURATION_ERROR", "StatusCode": "503", "ResponseTemplates": body,
				"ResponseParameters": map[string]any{"gatewayresponse.header.Retry-After": "'5'"}},
		} {
			want["RestApiId"] = ref(apiID)
			assert(t, func() {
				s.template.HasResourceProperties(jsii.String("AWS::ApiGateway::GatewayResponse"), assertions.Match_Exact(want))
			})
		}
	})

	t.Run("Stage", func(t *testing.T) {
		assert(t, func() { s.template.ResourceCountIs(jsii.String("AWS::ApiGateway::Stage"), jsii.Number(1)) })
		ids := s.ofType("AWS::ApiGateway::Stage")
		if len(ids) != 1 {
			t.Fatalf("stages: %v", ids)
		}
		stage := s.parsed.Resources[ids[0]].Properties
		if got := stage["StageName"]; got != DefaultStageName {
			t.Errorf("StageName = %v, want %s", got, DefaultStageName)
		}
		wantThrottle := []any{map[string]any{
			"HttpMethod": "*", "ResourcePath": "/*", "DataTraceEnabled": false,
			"ThrottlingRateLimit": float64(50), "ThrottlingBurstLimit": float64(100),
		}}
		if diff := cmp.Diff(wantThrottle, stage["MethodSettings"]); diff != "" {
			t.Errorf("MethodSettings (-want +got):\n%s", diff)
		}
		logging, _ := stage["AccessLogSetting"].(map[string]any)
		if diff := cmp.Diff(getAtt(accessLogsID, "Arn"), logging["DestinationArn"]); diff != "" {
			t.Errorf("AccessLogSetting.DestinationArn (-want +got):\n%s", diff)
		}
		format, _ := logging["Format"].(string)
		var fields map[string]string
		if err := json.Unmarshal([]byte(format), &fields); err != nil {
			t.Errorf("AccessLogSetting.Format = %q: not a JSON object: %v", format, err)
		}
		for _, k := range []string{"requestId", "status", "authorizerStatus", "authorizerError", "errorType"} {
			if fields[k] == "" {
				t.Errorf("AccessLogSetting.Format has no %s", k)
			}
		}
		if got := s.resource(t, accessLogsID, "AWS::Logs::LogGroup").Properties["RetentionInDays"]; got != float64(30) {
			t.Errorf("access log RetentionInDays = %v, want 30", got)
		}
		// Access logging needs the account's CloudWatch role.
		assert(t, func() { s.template.ResourceCountIs(jsii.String("AWS::ApiGateway::Account"), jsii.Number(1)) })
		assert(t, func() {
			s.template.HasResourceProperties(jsii.String("AWS::ApiGateway::RestApi"), map[string]any{
				"EndpointConfiguration": map[string]any{"Types": []any{"REGIONAL"}},
			})
		})
	})

	t.Run("Outputs", func(t *testing.T) {
		want := map[string]any{
			"UserPoolId":       ref(poolID),
			"UserPoolClientId": ref(clientID),
			"NotesTableName":   ref(tableID),
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
	})

	t.Run("CfnLint", func(t *testing.T) { cfnLint(t, s.file, cdkIgnoredChecks...) })
}

// TestNotesStackRequestAuthorizer checks the props that change the defaults:
// a REQUEST authorizer reading the header named token, as the first
// Cognito tutorial sends it, groups, and the removal and retention props.
func TestNotesStackRequestAuthorizer(t *testing.T) {
	s := synth(t, NotesStackProps{
		AuthorizerType:     RequestAuthorizer,
		TokenHeader:        "token",
		CacheTTL:           awscdk.Duration_Seconds(jsii.Number(0)),
		TokenUse:           "access",
		RequiredGroups:     []string{"writers"},
		RequiredScopes:     []string{"notes/write", "openid"},
		Groups:             []string{"writers", "readers"},
		LogLevel:           "debug",
		DeletionProtection: true,
		TableRemovalPolicy: awscdk.RemovalPolicy_DESTROY,
		LogRetention:       awslogs.RetentionDays_ONE_WEEK,
	})
	var (
		poolID       = s.id(t, "UserPool")
		clientID     = s.id(t, "UserPool", "ApiClient")
		authFnID     = s.id(t, "AuthorizerFunction")
		authorizerID = s.id(t, "RequestAuthorizer")
	)

	t.Run("Authorizer", func(t *testing.T) {
		assert(t, func() { s.template.ResourceCountIs(jsii.String("AWS::ApiGateway::Authorizer"), jsii.Number(1)) })
		assert(t, func() {
			s.template.HasResourceProperties(jsii.String("AWS::ApiGateway::Authorizer"), map[string]any{
				"Type":                         "REQUEST",
				"IdentitySource":               "method.request.header.token",
				"AuthorizerResultTtlInSeconds": 0,
				// API Gateway offers no validation expression for REQUEST.
				"IdentityValidationExpression": assertions.Match_Absent(),
			})
		})
		assert(t, func() {
			s.template.HasResourceProperties(jsii.String("AWS::ApiGateway::Method"), map[string]any{
				"AuthorizationType": "CUSTOM",
				"AuthorizerId":      ref(authorizerID),
			})
		})
	})

	t.Run("AuthorizerEnvironment", func(t *testing.T) {
		want := map[string]any{
			authorizer.EnvUserPoolID:     ref(poolID),
			authorizer.EnvClientIDs:      ref(clientID),
			authorizer.EnvTokenUse:       "access",
			authorizer.EnvTokenHeader:    "token",
			authorizer.EnvRequiredGroups: "writers",
			authorizer.EnvRequiredScopes: "notes/write openid",
			authorizer.EnvLogLevel:       "debug",
		}
		if diff := cmp.Diff(want, envOf(t, s, authFnID)); diff != "" {
			t.Errorf("authorizer environment (-want +got):\n%s", diff)
		}
		checkEnvNames(t, "AuthorizerFunction", keys(envOf(t, s, authFnID)), authorizer.Settings)
		assert(t, func() {
			s.template.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{
				"LoggingConfig": map[string]any{"ApplicationLogLevel": "DEBUG"},
			})
		})
	})

	t.Run("Groups", func(t *testing.T) {
		assert(t, func() { s.template.ResourceCountIs(jsii.String("AWS::Cognito::UserPoolGroup"), jsii.Number(2)) })
		for _, g := range []string{"writers", "readers"} {
			assert(t, func() {
				s.template.HasResourceProperties(jsii.String("AWS::Cognito::UserPoolGroup"), map[string]any{
					"GroupName":  g,
					"UserPoolId": ref(poolID),
				})
			})
		}
	})

	t.Run("RemovalAndRetention", func(t *testing.T) {
		assert(t, func() {
			s.template.HasResource(jsii.String("AWS::Cognito::UserPool"), map[string]any{
				"DeletionPolicy": "Retain",
				"Properties":     map[string]any{"DeletionProtection": "ACTIVE"},
			})
		})
		assert(t, func() {
			s.template.HasResource(jsii.String("AWS::DynamoDB::Table"), map[string]any{"DeletionPolicy": "Delete"})
		})
		assert(t, func() {
			s.template.AllResourcesProperties(jsii.String("AWS::Logs::LogGroup"), map[string]any{"RetentionInDays": 7})
		})
	})

	t.Run("CfnLint", func(t *testing.T) { cfnLint(t, s.file, cdkIgnoredChecks...) })
}

// TestPropsFromContext checks that cdk.json and the code agree on the
// defaults, and how context values are read.
func TestPropsFromContext(t *testing.T) {
	testenv.LookPath(t, "node", "install Node.js 20+ (https://nodejs.org)")
	cdkContext := readCDKContext(t)

	// summary flattens the props for comparison; jsii values are not
	// comparable with cmp.
	type summary struct {
		AuthorizerCodeDir, AddNoteCodeDir string
		AuthorizerType                    AuthorizerType
		TokenHeader                       string
		CacheTTLSeconds                   float64
		TokenUse                          string
		RequiredGroups, RequiredScopes    []string
		Groups                            []string
		LogLevel                          string
		DeletionProtection                bool
		TableRemovalPolicy                awscdk.RemovalPolicy
		LogRetention                      awslogs.RetentionDays
		ThrottleRate, ThrottleBurst       float64
		NoCloudWatchRole                  bool
	}
	summarize := func(p NotesStackProps) summary {
		return summary{
			p.AuthorizerCodeDir, p.AddNoteCodeDir, p.AuthorizerType, p.TokenHeader,
			*p.CacheTTL.ToSeconds(nil), p.TokenUse, p.RequiredGroups, p.RequiredScopes, p.Groups,
			p.LogLevel, p.DeletionProtection, p.TableRemovalPolicy, p.LogRetention,
			p.ThrottleRate, p.ThrottleBurst, p.NoCloudWatchRole,
		}
	}
	defaults := summary{
		AuthorizerCodeDir:  "../bin/authorizer",
		AddNoteCodeDir:     "../bin/add-note",
		AuthorizerType:     TokenAuthorizer,
		TokenHeader:        "Authorization",
		CacheTTLSeconds:    300,
		TokenUse:           "id,access",
		LogLevel:           "info",
		TableRemovalPolicy: awscdk.RemovalPolicy_RETAIN,
		LogRetention:       awslogs.RetentionDays_ONE_MONTH,
		ThrottleRate:       50,
		ThrottleBurst:      100,
	}
	cmpOpts := cmp.Options{cmp.Transformer("nilEmpty", func(s []string) []string {
		if len(s) == 0 {
			return nil
		}
		return s
	})}

	tests := []struct {
		name    string
		context map[string]any
		want    summary
	}{
		{"empty", nil, defaults},
		{"cdk.json", cdkContext, defaults},
		{"-c flags", map[string]any{
			ctxAuthorizerType:     "request",
			ctxTokenHeader:        "token",
			ctxCacheTTLSeconds:    "0",
			ctxTokenUse:           "access",
			ctxRequiredGroups:     "writers, admins",
			ctxRequiredScopes:     "notes/write",
			ctxGroups:             "writers,admins,",
			ctxLogLevel:           "DEBUG",
			ctxDeletionProtection: "true",
			ctxTableRemovalPolicy: "destroy",
			ctxLogRetentionDays:   "7",
			ctxThrottleRate:       "5",
			ctxThrottleBurst:      "10",
			ctxCloudWatchRole:     "false",
		}, summary{
			AuthorizerCodeDir:  "../bin/authorizer",
			AddNoteCodeDir:     "../bin/add-note",
			AuthorizerType:     RequestAuthorizer,
			TokenHeader:        "token",
			CacheTTLSeconds:    0,
			TokenUse:           "access",
			RequiredGroups:     []string{"writers", "admins"},
			RequiredScopes:     []string{"notes/write"},
			Groups:             []string{"writers", "admins"},
			LogLevel:           "debug",
			DeletionProtection: true,
			TableRemovalPolicy: awscdk.RemovalPolicy_DESTROY,
			LogRetention:       awslogs.RetentionDays_ONE_WEEK,
			ThrottleRate:       5,
			ThrottleBurst:      10,
			NoCloudWatchRole:   true,
		}},
		{"JSON values", map[string]any{
			ctxGroups:             []any{"a", "b"},
			ctxDeletionProtection: true,
			ctxCacheTTLSeconds:    float64(60),
		}, func() summary {
			s := defaults
			s.Groups = []string{"a", "b"}
			s.DeletionProtection = true
			s.CacheTTLSeconds = 60
			return s
		}()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := propsFromContext(func(key string) any { return tt.context[key] })
			if err != nil {
				t.Fatalf("propsFromContext: %v", err)
			}
			if diff := cmp.Diff(tt.want, summarize(p), cmpOpts); diff != "" {
				t.Errorf("propsFromContext (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("invalid", func(t *testing.T) {
		bad := map[string]any{
			ctxAuthorizerType:     "COGNITO",
			ctxTokenHeader:        "bad header",
			ctxCacheTTLSeconds:    "3601",
			ctxTokenUse:           "refresh",
			ctxLogLevel:           "trace",
			ctxDeletionProtection: "maybe",
			ctxTableRemovalPolicy: "keep",
			ctxLogRetentionDays:   "31",
			ctxThrottleRate:       "fast",
			ctxGroups:             []any{"a", 1.0},
		}
		_, err := propsFromContext(func(key string) any { return bad[key] })
		if err == nil {
			t.Fatal("propsFromContext: no error")
		}
		for key := range bad {
			if !strings.Contains(err.Error(), "context "+key+":") {
				t.Errorf("propsFromContext error does not name %s:\n%v", key, err)
			}
		}
	})
}

// envOf returns the environment variables of the function id.
func envOf(t *testing.T, s *synthesized, id string) map[string]any {
	t.Helper()
	r := s.resource(t, id, "AWS::Lambda::Function")
	env, _ := r.Properties["Environment"].(map[string]any)
	vars, _ := env["Variables"].(map[string]any)
	if len(vars) == 0 {
		t.Fatalf("%s has no environment variables", id)
	}
	return vars
}

func keys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// checkRole checks that the role has no managed policies and that its only
// policy holds exactly the statements want, with no wildcard anywhere.
func checkRole(t *testing.T, s *synthesized, role string, want []any) {
	t.Helper()
	if mp := s.resource(t, role, "AWS::IAM::Role").Properties["ManagedPolicyArns"]; mp != nil {
		t.Errorf("%s has managed policies %v, want none", role, mp)
	}
	var policies []cfnResource
	for _, id := range s.ofType("AWS::IAM::Policy") {
		r := s.parsed.Resources[id]
		if roles, _ := r.Properties["Roles"].([]any); slices.ContainsFunc(roles, func(v any) bool {
			return cmp.Equal(v, ref(role))
		}) {
			policies = append(policies, r)
		}
	}
	if len(policies) != 1 {
		t.Fatalf("%s has %d policies, want 1", role, len(policies))
	}
	doc, _ := policies[0].Properties["PolicyDocument"].(map[string]any)
	if diff := cmp.Diff(want, doc["Statement"]); diff != "" {
		t.Errorf("%s policy statements (-want +got):\n%s", role, diff)
	}
	if raw, _ := json.Marshal(doc); strings.Contains(string(raw), "*") {
		t.Errorf("%s policy has a wildcard: %s", role, raw)
	}
}

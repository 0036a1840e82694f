package main

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/google/go-cmp/cmp"
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

func TestTokenAuthorizer(t *testing.T) {
	s := defaultStack(t)
	authFnID := s.id(t, "AuthorizerFunction")
	assert(t, func() { s.template.ResourceCountIs(jsii.String("AWS::ApiGateway::Authorizer"), jsii.Number(1)) })
	r := s.resource(t, s.id(t, "TokenAuthorizer"), "AWS::ApiGateway::Authorizer")
	want := map[string]any{
		"Type":                         "TOKEN",
		"IdentitySource":               "method.request.header.Authorization",
		"AuthorizerResultTtlInSeconds": float64(300),
		"IdentityValidationExpression": TokenPattern,
		"RestApiId":                    ref(s.id(t, "NotesApi")),
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
}

func TestRequestAuthorizer(t *testing.T) {
	s := requestStack(t)
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
			"AuthorizerId":      ref(s.id(t, "RequestAuthorizer")),
		})
	})
}

func TestMethod(t *testing.T) {
	s := defaultStack(t)
	addNoteID := s.id(t, "AddNoteFunction")
	// POST /add-note only: no ANY, no OPTIONS.
	assert(t, func() { s.template.ResourceCountIs(jsii.String("AWS::ApiGateway::Method"), jsii.Number(1)) })
	assert(t, func() {
		s.template.HasResourceProperties(jsii.String("AWS::ApiGateway::Resource"), map[string]any{
			"PathPart": "add-note",
			"ParentId": getAtt(s.id(t, "NotesApi"), "RootResourceId"),
		})
	})
	assert(t, func() {
		s.template.HasResourceProperties(jsii.String("AWS::ApiGateway::Method"), map[string]any{
			"HttpMethod":        "POST",
			"AuthorizationType": "CUSTOM",
			"AuthorizerId":      ref(s.id(t, "TokenAuthorizer")),
			"Integration":       map[string]any{"Type": "AWS_PROXY"},
		})
	})
	for _, id := range s.ofType("AWS::ApiGateway::Method") {
		integration, _ := s.parsed.Resources[id].Properties["Integration"].(map[string]any)
		if uri, _ := json.Marshal(integration["Uri"]); !strings.Contains(string(uri), `"`+addNoteID+`"`) {
			t.Errorf("%s Integration.Uri = %s, want the add-note function's ARN", id, uri)
		}
	}
}

func TestInvokePermissions(t *testing.T) {
	s := defaultStack(t)
	// One for the authorizer, one for the method; none for the console's
	// test-invoke stage.
	assert(t, func() { s.template.ResourceCountIs(jsii.String("AWS::Lambda::Permission"), jsii.Number(2)) })
	for _, fn := range []string{s.id(t, "AuthorizerFunction"), s.id(t, "AddNoteFunction")} {
		assert(t, func() {
			s.template.HasResourceProperties(jsii.String("AWS::Lambda::Permission"), map[string]any{
				"Action":       "lambda:InvokeFunction",
				"Principal":    "apigateway.amazonaws.com",
				"FunctionName": getAtt(fn, "Arn"),
			})
		})
	}
}

func TestGatewayResponses(t *testing.T) {
	s := defaultStack(t)
	apiID := s.id(t, "NotesApi")
	assert(t, func() { s.template.ResourceCountIs(jsii.String("AWS::ApiGateway::GatewayResponse"), jsii.Number(4)) })
	body := map[string]any{"application/json": `{"message":$context.error.messageString}`}
	// $context.error.messageString is not documented for authorizer
	// failures: the 503s say what they mean themselves.
	unavailable := map[string]any{"application/json": `{"message":"Authorization is temporarily unavailable; retry later"}`}
	for _, want := range []map[string]any{
		{"ResponseType": "UNAUTHORIZED", "StatusCode": "401", "ResponseTemplates": body,
			"ResponseParameters": map[string]any{"gatewayresponse.header.WWW-Authenticate": "'Bearer'"}},
		{"ResponseType": "ACCESS_DENIED", "StatusCode": "403", "ResponseTemplates": body,
			"ResponseParameters": assertions.Match_Absent()},
		{"ResponseType": "AUTHORIZER_FAILURE", "StatusCode": "503", "ResponseTemplates": unavailable,
			"ResponseParameters": map[string]any{"gatewayresponse.header.Retry-After": "'5'"}},
		{"ResponseType": "AUTHORIZER_CONFIGURATION_ERROR", "StatusCode": "503", "ResponseTemplates": unavailable,
			"ResponseParameters": map[string]any{"gatewayresponse.header.Retry-After": "'5'"}},
	} {
		want["RestApiId"] = ref(apiID)
		assert(t, func() {
			s.template.HasResourceProperties(jsii.String("AWS::ApiGateway::GatewayResponse"), assertions.Match_Exact(want))
		})
	}
}

func TestStage(t *testing.T) {
	s := defaultStack(t)
	accessLogsID := s.id(t, "ApiAccessLogs")
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
}

// TestUnavailableBodyIsJSON keeps the 503 body a JSON object.
func TestUnavailableBodyIsJSON(t *testing.T) {
	var v map[string]string
	if err := json.Unmarshal([]byte(UnavailableBody), &v); err != nil || v["message"] == "" {
		t.Errorf("UnavailableBody = %s: %v, want a JSON object with a message", UnavailableBody, err)
	}
}

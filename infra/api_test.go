package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/cognito-authorizer/infra/cognitoauth"
)

func TestTokenAuthorizer(t *testing.T) {
	s := defaultStack(t)
	authFnID := s.id(t, "Authorizer", "Function")
	assert(t, func() { s.template.ResourceCountIs(jsii.String("AWS::ApiGateway::Authorizer"), jsii.Number(1)) })
	r := s.resource(t, s.id(t, "Authorizer", "TokenAuthorizer"), "AWS::ApiGateway::Authorizer")
	want := map[string]any{
		"Type":                         "TOKEN",
		"IdentitySource":               "method.request.header.Authorization",
		"AuthorizerResultTtlInSeconds": float64(300),
		"IdentityValidationExpression": cognitoauth.TokenPattern,
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
			"AuthorizerId":      ref(s.id(t, "Authorizer", "RequestAuthorizer")),
		})
	})
}

// TestMethods checks that the API has exactly the methods Routes
// declares, each behind the authorizer and integrated with its function.
func TestMethods(t *testing.T) {
	s := defaultStack(t)
	fnIDs := map[string]string{
		fnAddNote:   s.id(t, "AddNoteFunction"),
		fnListNotes: s.id(t, "ListNotesFunction"),
		fnSignOut:   s.id(t, "SignOutFunction"),
	}
	authorizerID := s.id(t, "Authorizer", "TokenAuthorizer")
	// The path of each resource, from its PathPart and parent.
	paths := map[string]string{}
	var pathOf func(id string) string
	pathOf = func(id string) string {
		if p, ok := paths[id]; ok {
			return p
		}
		r := s.resource(t, id, "AWS::ApiGateway::Resource")
		parent, _ := r.Properties["ParentId"].(map[string]any)
		p := "/" + r.Properties["PathPart"].(string)
		if ref, ok := parent["Ref"].(string); ok {
			p = pathOf(ref) + p
		}
		paths[id] = p
		return p
	}
	got := map[string]string{}
	for _, id := range s.ofType("AWS::ApiGateway::Method") {
		m := s.parsed.Resources[id].Properties
		resource, _ := m["ResourceId"].(map[string]any)
		route := fmt.Sprintf("%v %s", m["HttpMethod"], pathOf(resource["Ref"].(string)))
		if m["AuthorizationType"] != "CUSTOM" || !cmp.Equal(m["AuthorizerId"], ref(authorizerID)) {
			t.Errorf("%s: AuthorizationType %v, AuthorizerId %v; want CUSTOM with the authorizer", route, m["AuthorizationType"], m["AuthorizerId"])
		}
		integration, _ := m["Integration"].(map[string]any)
		uri, _ := json.Marshal(integration["Uri"])
		got[route] = integration["Type"].(string) + " " + string(uri)
	}
	want := map[string]string{}
	for _, r := range Routes {
		want[r.Method+" "+r.Path] = "AWS_PROXY " + fnIDs[r.Function]
	}
	for route, integration := range got {
		fnID := strings.Fields(want[route] + " ?")[1]
		if !strings.HasPrefix(integration, "AWS_PROXY ") || !strings.Contains(integration, `"`+fnID+`"`) {
			t.Errorf("%s integration = %s, want AWS_PROXY of %s", route, integration, fnID)
		}
		got[route] = want[route]
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("methods (-Routes +template):\n%s", diff)
	}
}

func TestInvokePermissions(t *testing.T) {
	s := defaultStack(t)
	// One for the authorizer, one per method; none for the console's
	// test-invoke stage.
	assert(t, func() {
		s.template.ResourceCountIs(jsii.String("AWS::Lambda::Permission"), jsii.Number(1+len(Routes)))
	})
	for _, fn := range []string{s.id(t, "Authorizer", "Function"), s.id(t, "AddNoteFunction"), s.id(t, "ListNotesFunction"), s.id(t, "SignOutFunction")} {
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

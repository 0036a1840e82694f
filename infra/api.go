package main

import (
	"encoding/json"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"
)

// AuthorizerType is the kind of Lambda authorizer API Gateway calls.
type AuthorizerType string

// The authorizer types API Gateway offers for REST APIs.
const (
	// TokenAuthorizer passes the value of one header as authorizationToken.
	// API Gateway checks it against TokenPattern first, so malformed headers
	// are refused without invoking (and paying for) the function.
	TokenAuthorizer AuthorizerType = "TOKEN"
	// RequestAuthorizer passes the whole request; the function reads the
	// token from the header named by TOKEN_HEADER. API Gateway applies no
	// validation expression to REQUEST authorizers.
	RequestAuthorizer AuthorizerType = "REQUEST"
)

// TokenPattern is the identity validation expression of the TOKEN
// authorizer: an optional Bearer scheme (any case, RFC 6750) followed by a
// JWT, three base64url segments joined by dots. API Gateway evaluates it as
// a Java regular expression; it uses nothing that Java and Go's RE2 read
// differently, so the tests check it with Go's regexp. template.yaml
// carries the same expression, and a test keeps the two equal.
const TokenPattern = `^(?:[Bb][Ee][Aa][Rr][Ee][Rr] +)?[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$`

// newNotesAPI adds the REST API: one stage, throttled and access-logged,
// POST /add-note behind the authorizer, and the gateway responses. It
// returns the API and its access log group.
func newNotesAPI(stack awscdk.Stack, p NotesStackProps, authFn, addNote awslambda.Function) (awsapigateway.RestApi, awslogs.LogGroup) {
	accessLogs := awslogs.NewLogGroup(stack, jsii.String("ApiAccessLogs"), &awslogs.LogGroupProps{
		Retention:     p.LogRetention,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	api := awsapigateway.NewRestApi(stack, jsii.String("NotesApi"), &awsapigateway.RestApiProps{
		Description:   jsii.String("Notes API guarded by a Cognito Lambda authorizer"),
		EndpointTypes: &[]awsapigateway.EndpointType{awsapigateway.EndpointType_REGIONAL},
		// Access logging needs the account's API Gateway CloudWatch role.
		CloudWatchRole: jsii.Bool(!p.NoCloudWatchRole),
		DeployOptions: &awsapigateway.StageOptions{
			StageName:            jsii.String(DefaultStageName),
			ThrottlingRateLimit:  jsii.Number(p.ThrottleRate),
			ThrottlingBurstLimit: jsii.Number(p.ThrottleBurst),
			AccessLogDestination: awsapigateway.NewLogGroupLogDestination(accessLogs),
			AccessLogFormat:      awsapigateway.AccessLogFormat_Custom(jsii.String(accessLogFormat())),
		},
	})

	api.Root().AddResource(jsii.String("add-note"), nil).AddMethod(jsii.String("POST"),
		// No permission for the console's test-invoke stage: only the
		// deployed method may invoke the function.
		awsapigateway.NewLambdaIntegration(addNote, &awsapigateway.LambdaIntegrationOptions{
			AllowTestInvoke: jsii.Bool(false),
		}),
		&awsapigateway.MethodOptions{
			AuthorizationType: awsapigateway.AuthorizationType_CUSTOM,
			Authorizer:        newAuthorizer(stack, p, authFn),
		})
	addGatewayResponses(api)
	return api, accessLogs
}

// newAuthorizer adds the Lambda authorizer of p.AuthorizerType, reading the
// token from p.TokenHeader.
func newAuthorizer(stack awscdk.Stack, p NotesStackProps, fn awslambda.Function) awsapigateway.IAuthorizer {
	identitySource := "method.request.header." + p.TokenHeader
	if p.AuthorizerType == RequestAuthorizer {
		return awsapigateway.NewRequestAuthorizer(stack, jsii.String("RequestAuthorizer"), &awsapigateway.RequestAuthorizerProps{
			Handler:         fn,
			IdentitySources: jsii.Strings(identitySource),
			ResultsCacheTtl: p.CacheTTL,
		})
	}
	return awsapigateway.NewTokenAuthorizer(stack, jsii.String("TokenAuthorizer"), &awsapigateway.TokenAuthorizerProps{
		Handler:         fn,
		IdentitySource:  jsii.String(identitySource),
		ValidationRegex: jsii.String(TokenPattern),
		ResultsCacheTtl: p.CacheTTL,
	})
}

// Gateway response bodies are JSON like the endpoint's own errors.
// messageString is the message already quoted as a JSON string: API
// Gateway's "Unauthorized" for 401, its access-denied message for 403.
const errorTemplate = `{"message":$context.error.messageString}`

// UnavailableBody is the body of the 503 answers. What API Gateway
// documents of $context.error.messageString does not cover authorizer
// failures, so these say what they mean themselves. template.yaml carries
// the same body, and a test keeps the two equal.
const UnavailableBody = `{"message":"Authorization is temporarily unavailable; retry later"}`

// addGatewayResponses makes API Gateway's answers to authorizer outcomes
// say what a client should do: 401 (sign in, with RFC 6750's
// WWW-Authenticate), 403 (signed in, not allowed), and 503 when the
// authorizer itself failed (retry later, do not sign in again).
func addGatewayResponses(api awsapigateway.RestApi) {
	retry := map[string]*string{"Retry-After": jsii.String("'5'")}
	responses := []struct {
		id      string
		typ     awsapigateway.ResponseType
		status  string
		body    string
		headers map[string]*string
	}{
		// Header values are mapping expressions: a literal is quoted.
		{"Unauthorized", awsapigateway.ResponseType_UNAUTHORIZED(), "401", errorTemplate,
			map[string]*string{"WWW-Authenticate": jsii.String("'Bearer'")}},
		{"AccessDenied", awsapigateway.ResponseType_ACCESS_DENIED(), "403", errorTemplate, nil},
		{"AuthorizerFailure", awsapigateway.ResponseType_AUTHORIZER_FAILURE(), "503", UnavailableBody, retry},
		{"AuthorizerConfigurationError", awsapigateway.ResponseType_AUTHORIZER_CONFIGURATION_ERROR(), "503", UnavailableBody, retry},
	}
	for _, r := range responses {
		opts := &awsapigateway.GatewayResponseOptions{
			Type:       r.typ,
			StatusCode: jsii.String(r.status),
			Templates:  &map[string]*string{"application/json": jsii.String(r.body)},
		}
		if r.headers != nil {
			opts.ResponseHeaders = &r.headers
		}
		api.AddGatewayResponse(jsii.String(r.id), opts)
	}
}

// accessLogFormat is one JSON object per request, with what it takes to
// tell why a request was refused: the authorizer's status, latency and
// error, and the gateway response type.
func accessLogFormat() string {
	fields := map[string]string{
		"requestId":         "$context.requestId",
		"ip":                "$context.identity.sourceIp",
		"requestTime":       "$context.requestTime",
		"httpMethod":        "$context.httpMethod",
		"resourcePath":      "$context.resourcePath",
		"status":            "$context.status",
		"protocol":          "$context.protocol",
		"responseLength":    "$context.responseLength",
		"responseLatency":   "$context.responseLatency",
		"principalId":       "$context.authorizer.principalId",
		"authorizerStatus":  "$context.authorizer.status",
		"authorizerLatency": "$context.authorizer.latency",
		"authorizerError":   "$context.authorizer.error",
		"errorType":         "$context.error.responseType",
	}
	b, err := json.Marshal(fields)
	if err != nil {
		panic(err) // a map of strings always marshals
	}
	return string(b)
}

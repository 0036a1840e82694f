package main

import (
	"encoding/json"
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"
)

// newNotesAPI adds the REST API: one stage, throttled and access-logged.
// It returns the API and its access log group; addRoutes adds the methods,
// cognitoauth the gateway responses.
func newNotesAPI(stack awscdk.Stack, p NotesStackProps) (awsapigateway.RestApi, awslogs.LogGroup) {
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
	return api, accessLogs
}

// deployedStageName is the name of the stage api deploys, as its
// AWS::ApiGateway::Stage has it. Not Stage.StageName(): that is a Ref to
// the stage, and a policy of the sign-out function's role naming it closes
// a cycle (the function waits for its role's policy, the stage for the
// deployment, the deployment for the methods, which integrate the
// function).
func deployedStageName(api awsapigateway.RestApi) string {
	stage, ok := api.DeploymentStage().Node().DefaultChild().(awsapigateway.CfnStage)
	if !ok || stage.StageName() == nil || *awscdk.Token_IsUnresolved(stage.StageName()) {
		panic("deployedStageName: the API's deployment stage has no literal name")
	}
	return *stage.StageName()
}

// addRoutes adds one method per route, each behind the authorizer and
// integrated with the function the route names.
func addRoutes(api awsapigateway.RestApi, routes []Route, functions map[string]awslambda.Function, authorizer awsapigateway.IAuthorizer) {
	for _, r := range routes {
		fn, ok := functions[r.Function]
		if !ok {
			panic(fmt.Sprintf("route %s %s: no function %q", r.Method, r.Path, r.Function))
		}
		api.Root().ResourceForPath(jsii.String(r.Path)).AddMethod(jsii.String(r.Method),
			// No permission for the console's test-invoke stage: only the
			// deployed method may invoke the function.
			awsapigateway.NewLambdaIntegration(fn, &awsapigateway.LambdaIntegrationOptions{
				AllowTestInvoke: jsii.Bool(false),
			}),
			&awsapigateway.MethodOptions{
				AuthorizationType: awsapigateway.AuthorizationType_CUSTOM,
				Authorizer:        authorizer,
			})
	}
}

// accessLogFormat is one JSON object per request, with what it takes to
// tell why a request was refused: the authorizer's status, latency and
// error, and the gateway response type. extendedRequestId is the
// x-amz-apigw-id response header, the id a client can quote (and AWS
// Support asks for); template.yaml's format is the same, which a test
// checks.
func accessLogFormat() string {
	fields := map[string]string{
		"requestId":         "$context.requestId",
		"extendedRequestId": "$context.extendedRequestId",
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

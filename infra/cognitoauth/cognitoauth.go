// Package cognitoauth is a CDK construct that puts the Cognito Lambda
// authorizer in front of a REST API: the authorizer function (Go on
// provided.al2023, arm64) with a least-privilege role and a log group of its
// own, the TOKEN or REQUEST authorizer API Gateway calls, and the gateway
// responses that make its answers say what a client should do (401 with
// WWW-Authenticate, 403, 503 with Retry-After). Unless Props say otherwise
// it adds a CloudWatch dashboard of the function's metrics and an alarm on
// its Unavailable decisions (Authorizer.Dashboard, UnavailableAlarm).
//
// For an HTTP API, NewHTTP makes the same function the API's Lambda
// authorizer instead (payload format 2.0, simple answers or IAM policies:
// HTTPProps), and AttachHTTP attaches an Authorizer to more HTTP APIs.
//
// It works as well with a user pool and an API of another stack or made by
// hand (awscognito.UserPool_FromUserPoolId,
// awsapigateway.RestApi_FromRestApiAttributes,
// awsapigatewayv2.HttpApi_FromHttpApiAttributes) as with ones of the same
// stack. The function's binary is built beforehand (make build writes
// bin/authorizer/bootstrap) and taken by path only, so that the CDK app
// never links the function's code.
//
// Every setting is checked with the function's own rules
// (internal/settings) before anything is created, so that no value deploys
// that would stop the function at start-up.
package cognitoauth

import (
	"fmt"
	"log/slog"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gatehouse-dev/cognito-authorizer/internal/apispec"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
)

// Type is the kind of Lambda authorizer API Gateway calls.
type Type string

// The authorizer types API Gateway offers for REST APIs.
const (
	// Token passes the value of one header as authorizationToken. API
	// Gateway checks it against TokenPattern first, so malformed headers
	// are refused without invoking (and paying for) the function.
	Token Type = "TOKEN"
	// Request passes the whole request; the function reads the token from
	// the header named by TOKEN_HEADER. API Gateway applies no validation
	// expression to REQUEST authorizers.
	Request Type = "REQUEST"
)

// TokenPattern is the identity validation expression of the TOKEN
// authorizer (apispec.TokenPattern): an optional Bearer scheme followed by a
// JWT. API Gateway evaluates it as a Java regular expression; template.yaml
// carries the same expression, and a test keeps the two equal.
const TokenPattern = apispec.TokenPattern

// Authorizer is the authorizer function and the API Gateway authorizer that
// calls it. Attach Authorizer to methods with AuthorizationType CUSTOM.
type Authorizer struct {
	constructs.Construct
	// Authorizer is the TokenAuthorizer or RequestAuthorizer (nil after
	// NewHTTP).
	Authorizer awsapigateway.IAuthorizer
	Function   awslambda.Function
	Role       awsiam.Role
	LogGroup   awslogs.LogGroup
	// HTTP is the HTTP API authorizer NewHTTP made (nil after New);
	// AttachHTTP adds others.
	HTTP *HTTPAuthorizer
	// Dashboard is the function's CloudWatch dashboard (nil with
	// Props.NoDashboard); AddWidgets adds rows below the authorizer's.
	Dashboard awscloudwatch.Dashboard
	// UnavailableAlarm goes off on any Unavailable decision in 5 minutes
	// (nil with Props.NoAlarms). It has no actions: add them with
	// AddAlarmAction (an SNS topic, awscloudwatchactions.NewSnsAction).
	UnavailableAlarm awscloudwatch.Alarm

	props        Props  // as New or NewHTTP got them, defaults filled in
	httpResponse string // HTTP_API_RESPONSE once an HTTP API is attached
}

// New adds the authorizer under scope. It panics, as CDK constructs do, on
// props the function would refuse at start-up; Props.Check returns the same
// problems as an error.
func New(scope constructs.Construct, id string, props *Props) *Authorizer {
	p := props.withDefaults()
	if err := p.check(); err != nil {
		panic(fmt.Sprintf("cognitoauth.New: %v", err))
	}
	a := newFunction(scope, id, p, "cognitoauth.New")
	c := a.Construct

	identitySource := "method.request.header." + p.TokenHeader
	if p.Type == Request {
		a.Authorizer = awsapigateway.NewRequestAuthorizer(c, jsii.String("RequestAuthorizer"), &awsapigateway.RequestAuthorizerProps{
			Handler:         a.Function,
			IdentitySources: jsii.Strings(identitySource),
			ResultsCacheTtl: p.CacheTTL,
		})
	} else {
		a.Authorizer = awsapigateway.NewTokenAuthorizer(c, jsii.String("TokenAuthorizer"), &awsapigateway.TokenAuthorizerProps{
			Handler:         a.Function,
			IdentitySource:  jsii.String(identitySource),
			ValidationRegex: jsii.String(TokenPattern),
			ResultsCacheTtl: p.CacheTTL,
		})
	}
	if p.RestApi != nil {
		addGatewayResponses(c, p.RestApi)
		if p.UsageIdentifierClaim != "" {
			useAuthorizerKeys(c, p.RestApi)
		}
	}
	return a
}

// newFunction adds the construct, with the function, its role and its log
// group, under scope: what New and NewHTTP share. caller names the
// constructor in panics.
func newFunction(scope constructs.Construct, id string, p Props, caller string) *Authorizer {
	c := constructs.NewConstruct(scope, jsii.String(id))
	a := &Authorizer{Construct: c, props: p}

	a.LogGroup = awslogs.NewLogGroup(c, jsii.String("Logs"), &awslogs.LogGroupProps{
		Retention:     p.LogRetention,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	// A role that may write to the function's own log group: the
	// AWSLambdaBasicExecutionRole managed policy would allow every group.
	a.Role = awsiam.NewRole(c, jsii.String("Role"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
	})
	a.LogGroup.GrantWrite(a.Role)
	if p.RevocationTable != nil {
		// Reads of the table only: Table.GrantReadData would also allow
		// Query, Scan, DescribeTable and more.
		a.Role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Effect:    awsiam.Effect_ALLOW,
			Actions:   jsii.Strings("dynamodb:BatchGetItem"),
			Resources: &[]*string{p.RevocationTable.TableArn()},
		}))
	}

	env := p.environment(forDeploy)
	code := awslambda.Code_FromAsset(jsii.String(p.CodeDir), nil)
	if p.issuersInFile() {
		dir, err := codeWithIssuers(c, p.CodeDir, []byte(p.issuersJSON(forDeploy)))
		if err != nil {
			panic(fmt.Sprintf("%s: Issuers: %v", caller, err))
		}
		code = awslambda.Code_FromAsset(jsii.String(dir), nil)
	}
	a.Function = awslambda.NewFunction(c, jsii.String("Function"), &awslambda.FunctionProps{
		Description:  jsii.String("Verifies Cognito JWTs for API Gateway"),
		Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture: awslambda.Architecture_ARM_64(),
		Handler:      jsii.String("bootstrap"),
		Code:         code,
		MemorySize:   jsii.Number(128),
		Timeout:      p.Timeout,
		Environment:  &env,
		Role:         a.Role,
		LogGroup:     a.LogGroup,
		// The function logs JSON lines with slog; Lambda filters them by
		// their level field, so its filter follows LOG_LEVEL.
		LoggingFormat:         awslambda.LoggingFormat_JSON,
		ApplicationLogLevelV2: ApplicationLogLevel(p.LogLevel),
		SystemLogLevelV2:      awslambda.SystemLogLevel_INFO,
	})
	a.addMonitoring()
	return a
}

// ApplicationLogLevel is Lambda's application log filter for a LOG_LEVEL
// the functions accept: the level settings.ParseLogLevel reads it as (INFO
// for a value it refuses).
func ApplicationLogLevel(level string) awslambda.ApplicationLogLevel {
	l, err := settings.ParseLogLevel(level)
	switch {
	case err != nil:
		return awslambda.ApplicationLogLevel_INFO
	case l < slog.LevelInfo:
		return awslambda.ApplicationLogLevel_DEBUG
	case l < slog.LevelWarn:
		return awslambda.ApplicationLogLevel_INFO
	case l < slog.LevelError:
		return awslambda.ApplicationLogLevel_WARN
	default:
		return awslambda.ApplicationLogLevel_ERROR
	}
}

// Command infra is the CDK app that deploys the Cognito authorizer, the
// sample POST /add-note endpoint it guards, and everything they need: the
// user pool and its app client, the notes table, the REST API and the log
// groups. Run it through the CDK CLI (make synth, make deploy); the Lambda
// binaries come from make build, by path only, so that the Lambda module
// never links the CDK.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gatehouse-dev/cognito-authorizer/internal/authorizer"
	"github.com/gatehouse-dev/cognito-authorizer/internal/notes"
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
	// token from the header named by TOKEN_HEADER.
	RequestAuthorizer AuthorizerType = "REQUEST"
)

// TokenPattern is the identity validation expression of the TOKEN
// authorizer: an optional Bearer scheme (any case, RFC 6750) followed by a
// JWT, three base64url segments joined by dots. API Gateway evaluates it as
// a Java regular expression; it uses nothing that Java and Go's RE2 read
// differently, so the tests check it with Go's regexp. template.yaml
// carries the same expression, and a test keeps the two equal.
const TokenPattern = `^(?:[Bb][Ee][Aa][Rr][Ee][Rr] +)?[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$`

// Defaults: the values NotesStackProps' zero values stand for, and the
// stage's name.
const (
	DefaultTokenHeader     = "Authorization"
	DefaultTokenUse        = "id,access"
	DefaultLogLevel        = "info"
	DefaultCacheTTLSeconds = 300
	DefaultThrottleRate    = 50
	DefaultThrottleBurst   = 100
	DefaultStageName       = "prod"
)

// NotesStackProps configures NewNotesStack. Zero values mean the documented
// defaults, except the two code directories, which are required.
type NotesStackProps struct {
	awscdk.StackProps

	// AuthorizerCodeDir and AddNoteCodeDir are directories holding each
	// function's bootstrap binary (linux/arm64), as make build writes them
	// to bin/authorizer and bin/add-note.
	AuthorizerCodeDir string
	AddNoteCodeDir    string

	// AuthorizerType is TokenAuthorizer (the default) or RequestAuthorizer.
	AuthorizerType AuthorizerType
	// TokenHeader is the header holding the token (default Authorization).
	// The first Cognito tutorials send it in a header named token.
	TokenHeader string
	// CacheTTL is how long API Gateway caches a decision per token (default
	// 5 minutes; awscdk.Duration_Seconds(jsii.Number(0)) turns caching off).
	CacheTTL awscdk.Duration
	// TokenUse says which Cognito tokens are accepted: "id", "access" or
	// "id,access" (the default).
	TokenUse string
	// RequiredGroups and RequiredScopes must all be in the token, or the
	// authorizer denies (403).
	RequiredGroups []string
	RequiredScopes []string
	// Groups are created in the user pool.
	Groups []string
	// LogLevel is the functions' LOG_LEVEL: debug, info (default), warn or
	// error.
	LogLevel string

	// DeletionProtection protects the user pool from deletion; with it off
	// (the default) cdk destroy deletes the pool and its users.
	DeletionProtection bool
	// TableRemovalPolicy says what cdk destroy does to the notes table
	// (default RETAIN: the notes outlive the stack).
	TableRemovalPolicy awscdk.RemovalPolicy
	// LogRetention bounds every log group (default one month).
	LogRetention awslogs.RetentionDays

	// ThrottleRate (requests per second) and ThrottleBurst limit the stage.
	ThrottleRate  float64
	ThrottleBurst float64
	// NoCloudWatchRole skips creating the account-wide role API Gateway
	// needs to write access logs: set it when the account already has one.
	NoCloudWatchRole bool
}

// NewNotesStack returns a stack with the user pool, the authorizer, the
// add-note function and its table, and the REST API that ties them together.
func NewNotesStack(scope constructs.Construct, id string, props *NotesStackProps) awscdk.Stack {
	p := props.withDefaults()
	stack := awscdk.NewStack(scope, &id, &p.StackProps)

	pool := awscognito.NewUserPool(stack, jsii.String("UserPool"), &awscognito.UserPoolProps{
		SelfSignUpEnabled:   jsii.Bool(true),
		SignInAliases:       &awscognito.SignInAliases{Email: jsii.Bool(true)},
		SignInCaseSensitive: jsii.Bool(false),
		AutoVerify:          &awscognito.AutoVerifiedAttrs{Email: jsii.Bool(true)},
		StandardAttributes: &awscognito.StandardAttributes{
			Email: &awscognito.StandardAttribute{Required: jsii.Bool(true), Mutable: jsii.Bool(true)},
		},
		// Length over composition (NIST SP 800-63B), short of dropping
		// Cognito's character classes altogether: no symbols required.
		PasswordPolicy: &awscognito.PasswordPolicy{
			MinLength:            jsii.Number(12),
			RequireLowercase:     jsii.Bool(true),
			RequireUppercase:     jsii.Bool(true),
			RequireDigits:        jsii.Bool(true),
			RequireSymbols:       jsii.Bool(false),
			TempPasswordValidity: awscdk.Duration_Days(jsii.Number(3)),
		},
		AccountRecovery:    awscognito.AccountRecovery_EMAIL_ONLY,
		DeletionProtection: jsii.Bool(p.DeletionProtection),
		RemovalPolicy:      poolRemovalPolicy(p.DeletionProtection),
	})
	client := pool.AddClient(jsii.String("ApiClient"), &awscognito.UserPoolClientOptions{
		AuthFlows:                  &awscognito.AuthFlow{UserPassword: jsii.Bool(true), UserSrp: jsii.Bool(true)},
		GenerateSecret:             jsii.Bool(false),
		DisableOAuth:               jsii.Bool(true),
		PreventUserExistenceErrors: jsii.Bool(true),
		EnableTokenRevocation:      jsii.Bool(true),
		AccessTokenValidity:        awscdk.Duration_Hours(jsii.Number(1)),
		IdTokenValidity:            awscdk.Duration_Hours(jsii.Number(1)),
		RefreshTokenValidity:       awscdk.Duration_Days(jsii.Number(30)),
	})
	for _, g := range p.Groups {
		// The construct id follows the name, not the position, so that
		// reordering the list replaces no group (and drops no membership).
		pool.AddGroup(jsii.String("Group"+strings.ReplaceAll(g, "/", "_")), &awscognito.UserPoolGroupOptions{
			GroupName: jsii.String(g),
		})
	}

	table := awsdynamodb.NewTable(stack, jsii.String("NotesTable"), &awsdynamodb.TableProps{
		PartitionKey: &awsdynamodb.Attribute{Name: jsii.String(notes.AttrUserID), Type: awsdynamodb.AttributeType_STRING},
		SortKey:      &awsdynamodb.Attribute{Name: jsii.String(notes.AttrNoteID), Type: awsdynamodb.AttributeType_STRING},
		BillingMode:  awsdynamodb.BillingMode_PAY_PER_REQUEST,
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(true),
		},
		RemovalPolicy: p.TableRemovalPolicy,
	})

	authEnv := map[string]*string{
		authorizer.EnvUserPoolID: pool.UserPoolId(),
		// The app client id, which ID tokens carry as aud and access
		// tokens as client_id; never the pool id.
		authorizer.EnvClientIDs: client.UserPoolClientId(),
		authorizer.EnvTokenUse:  jsii.String(p.TokenUse),
		authorizer.EnvLogLevel:  jsii.String(p.LogLevel),
	}
	if p.AuthorizerType == RequestAuthorizer {
		authEnv[authorizer.EnvTokenHeader] = jsii.String(p.TokenHeader)
	}
	if len(p.RequiredGroups) > 0 {
		authEnv[authorizer.EnvRequiredGroups] = jsii.String(strings.Join(p.RequiredGroups, ","))
	}
	if len(p.RequiredScopes) > 0 {
		authEnv[authorizer.EnvRequiredScopes] = jsii.String(strings.Join(p.RequiredScopes, " "))
	}
	authFn := newFunction(stack, "Authorizer", p, p.AuthorizerCodeDir, authEnv,
		"Verifies Cognito JWTs for API Gateway", awscdk.Duration_Seconds(jsii.Number(5)))

	addNote := newFunction(stack, "AddNote", p, p.AddNoteCodeDir, map[string]*string{
		notes.EnvTable:    table.TableName(),
		notes.EnvLogLevel: jsii.String(p.LogLevel),
	}, "Stores a note of the signed-in user (POST /add-note)", awscdk.Duration_Seconds(jsii.Number(10)))
	// PutItem on this table and nothing else: Table.GrantWriteData would
	// also allow UpdateItem, DeleteItem, BatchWriteItem and more.
	addNote.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Effect:    awsiam.Effect_ALLOW,
		Actions:   jsii.Strings("dynamodb:PutItem"),
		Resources: jsii.Strings(*table.TableArn()),
	}))

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

	identitySource := "method.request.header." + p.TokenHeader
	var auth awsapigateway.IAuthorizer
	switch p.AuthorizerType {
	case TokenAuthorizer:
		auth = awsapigateway.NewTokenAuthorizer(stack, jsii.String("TokenAuthorizer"), &awsapigateway.TokenAuthorizerProps{
			Handler:         authFn,
			IdentitySource:  jsii.String(identitySource),
			ValidationRegex: jsii.String(TokenPattern),
			ResultsCacheTtl: p.CacheTTL,
		})
	case RequestAuthorizer:
		auth = awsapigateway.NewRequestAuthorizer(stack, jsii.String("RequestAuthorizer"), &awsapigateway.RequestAuthorizerProps{
			Handler:         authFn,
			IdentitySources: jsii.Strings(identitySource),
			ResultsCacheTtl: p.CacheTTL,
		})
	default:
		panic(fmt.Sprintf("NewNotesStack: authorizer type %q: want %s or %s", p.AuthorizerType, TokenAuthorizer, RequestAuthorizer))
	}

	api.Root().AddResource(jsii.String("add-note"), nil).AddMethod(jsii.String("POST"),
		// No permission for the console's test-invoke stage: only the
		// deployed method may invoke the function.
		awsapigateway.NewLambdaIntegration(addNote, &awsapigateway.LambdaIntegrationOptions{
			AllowTestInvoke: jsii.Bool(false),
		}),
		&awsapigateway.MethodOptions{
			AuthorizationType: awsapigateway.AuthorizationType_CUSTOM,
			Authorizer:        auth,
		})
	addGatewayResponses(api)

	// ApiUrl replaces the Endpoint output RestApi adds under a generated
	// name, so that scripts can rely on the name.
	api.Node().TryRemoveChild(jsii.String("Endpoint"))
	awscdk.NewCfnOutput(stack, jsii.String("ApiUrl"), &awscdk.CfnOutputProps{
		Value:       api.Url(),
		Description: jsii.String("Base URL of the API; POST add-note below it"),
	})
	awscdk.NewCfnOutput(stack, jsii.String("UserPoolId"), &awscdk.CfnOutputProps{Value: pool.UserPoolId()})
	awscdk.NewCfnOutput(stack, jsii.String("UserPoolClientId"), &awscdk.CfnOutputProps{
		Value:       client.UserPoolClientId(),
		Description: jsii.String("App client for aws cognito-idp initiate-auth"),
	})
	awscdk.NewCfnOutput(stack, jsii.String("NotesTableName"), &awscdk.CfnOutputProps{Value: table.TableName()})
	return stack
}

// newFunction adds a Go function on provided.al2023/arm64 with a role that
// may write to the function's own log group and nothing else; the
// AWSLambdaBasicExecutionRole managed policy would allow every log group.
func newFunction(stack awscdk.Stack, name string, p NotesStackProps, codeDir string,
	env map[string]*string, description string, timeout awscdk.Duration) awslambda.Function {
	logs := awslogs.NewLogGroup(stack, jsii.String(name+"Logs"), &awslogs.LogGroupProps{
		Retention:     p.LogRetention,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	role := awsiam.NewRole(stack, jsii.String(name+"Role"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
	})
	logs.GrantWrite(role)
	return awslambda.NewFunction(stack, jsii.String(name+"Function"), &awslambda.FunctionProps{
		Description:  jsii.String(description),
		Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture: awslambda.Architecture_ARM_64(),
		Handler:      jsii.String("bootstrap"),
		Code:         awslambda.Code_FromAsset(jsii.String(codeDir), nil),
		MemorySize:   jsii.Number(128),
		Timeout:      timeout,
		Environment:  &env,
		Role:         role,
		LogGroup:     logs,
		// The functions log JSON lines with slog; Lambda filters them by
		// their level field, so its filter follows LOG_LEVEL.
		LoggingFormat:         awslambda.LoggingFormat_JSON,
		ApplicationLogLevelV2: applicationLogLevel(p.LogLevel),
		SystemLogLevelV2:      awslambda.SystemLogLevel_INFO,
	})
}

// poolRemovalPolicy lets cdk destroy delete an unprotected pool with the
// stack, and leave a protected one in place rather than fail on it.
func poolRemovalPolicy(deletionProtection bool) awscdk.RemovalPolicy {
	if deletionProtection {
		return awscdk.RemovalPolicy_RETAIN
	}
	return awscdk.RemovalPolicy_DESTROY
}

func applicationLogLevel(level string) awslambda.ApplicationLogLevel {
	switch level {
	case "debug":
		return awslambda.ApplicationLogLevel_DEBUG
	case "warn":
		return awslambda.ApplicationLogLevel_WARN
	case "error":
		return awslambda.ApplicationLogLevel_ERROR
	default:
		return awslambda.ApplicationLogLevel_INFO
	}
}

// Gateway response bodies are JSON like the endpoint's own errors.
// messageString is the message already quoted as a JSON string.
const errorTemplate = `{"message":$context.error.messageString}`

// addGatewayResponses makes API Gateway's answers to authorizer outcomes
// say what a client should do: 401 (sign in, with RFC 6750's
// WWW-Authenticate), 403 (signed in, not allowed), and 503 when the
// authorizer itself failed (retry later, do not sign in again).
func addGatewayResponses(api awsapigateway.RestApi) {
	templates := map[string]*string{"application/json": jsii.String(errorTemplate)}
	responses := []struct {
		id      string
		typ     awsapigateway.ResponseType
		status  string
		headers map[string]*string
	}{
		// Header values are mapping expressions: a literal is quoted.
		{"Unauthorized", awsapigateway.ResponseType_UNAUTHORIZED(), "401",
			map[string]*string{"WWW-Authenticate": jsii.String("'Bearer'")}},
		{"AccessDenied", awsapigateway.ResponseType_ACCESS_DENIED(), "403", nil},
		{"AuthorizerFailure", awsapigateway.ResponseType_AUTHORIZER_FAILURE(), "503",
			map[string]*string{"Retry-After": jsii.String("'5'")}},
		{"AuthorizerConfigurationError", awsapigateway.ResponseType_AUTHORIZER_CONFIGURATION_ERROR(), "503",
			map[string]*string{"Retry-After": jsii.String("'5'")}},
	}
	for _, r := range responses {
		opts := &awsapigateway.GatewayResponseOptions{
			Type:       r.typ,
			StatusCode: jsii.String(r.status),
			Templates:  &templates,
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

// withDefaults returns a copy of props with every zero value replaced by its
// default.
func (props *NotesStackProps) withDefaults() NotesStackProps {
	var p NotesStackProps
	if props != nil {
		p = *props
	}
	if p.AuthorizerCodeDir == "" || p.AddNoteCodeDir == "" {
		panic("NewNotesStack: AuthorizerCodeDir and AddNoteCodeDir are required")
	}
	if p.AuthorizerType == "" {
		p.AuthorizerType = TokenAuthorizer
	}
	if p.TokenHeader == "" {
		p.TokenHeader = DefaultTokenHeader
	}
	if p.CacheTTL == nil {
		p.CacheTTL = awscdk.Duration_Seconds(jsii.Number(DefaultCacheTTLSeconds))
	}
	if p.TokenUse == "" {
		p.TokenUse = DefaultTokenUse
	}
	if p.LogLevel == "" {
		p.LogLevel = DefaultLogLevel
	}
	if p.TableRemovalPolicy == "" {
		p.TableRemovalPolicy = awscdk.RemovalPolicy_RETAIN
	}
	if p.LogRetention == "" {
		p.LogRetention = awslogs.RetentionDays_ONE_MONTH
	}
	if p.ThrottleRate == 0 {
		p.ThrottleRate = DefaultThrottleRate
	}
	if p.ThrottleBurst == 0 {
		p.ThrottleBurst = DefaultThrottleBurst
	}
	return p
}

// StackName is the name of the stack the app deploys.
const StackName = "CognitoAuthorizerNotes"

func main() {
	os.Exit(run())
}

// run synthesizes the app; it returns the exit code so that main's exit
// comes after jsii.Close.
func run() int {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	props, err := propsFromContext(func(key string) any {
		return app.Node().TryGetContext(jsii.String(key))
	})
	if err == nil {
		err = checkCode(props.AuthorizerCodeDir, props.AddNoteCodeDir)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	NewNotesStack(app, StackName, &props)
	app.Synth(nil)
	return 0
}

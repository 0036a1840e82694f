// Package cognitoauth is a CDK construct that puts the Cognito Lambda
// authorizer in front of a REST API: the authorizer function (Go on
// provided.al2023, arm64) with a least-privilege role and a log group of its
// own, the TOKEN or REQUEST authorizer API Gateway calls, and the gateway
// responses that make its answers say what a client should do (401 with
// WWW-Authenticate, 403, 503 with Retry-After).
//
// It works as well with a user pool and an API of another stack or made by
// hand (awscognito.UserPool_FromUserPoolId,
// awsapigateway.RestApi_FromRestApiAttributes) as with ones of the same
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
	"path/filepath"
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

// Defaults: what Props' zero values stand for.
const (
	DefaultCacheTTLSeconds = apispec.DefaultCacheTTLSeconds
	DefaultTimeoutSeconds  = 5
	DefaultLogLevel        = "info"
	DefaultLogRetention    = awslogs.RetentionDays_ONE_MONTH
	// MaxCacheTTLSeconds is the longest authorizer cache API Gateway
	// offers (an hour).
	MaxCacheTTLSeconds = apispec.MaxCacheTTLSeconds
)

// TaskRoot is where Lambda puts the function's code (LAMBDA_TASK_ROOT):
// a RouteRulesFile shipped beside bootstrap is read from there.
const TaskRoot = "/var/task"

// maxInlineRules bounds ROUTE_RULES: Lambda's environment holds 4 KB in
// all, names and the other variables included.
const maxInlineRules = 3 << 10

// Props configures an Authorizer. UserPool, ClientIDs and CodeDir are
// required; zero values of the others mean the documented defaults.
type Props struct {
	// UserPool is the pool whose tokens are accepted: a UserPool of the
	// stack or one imported with awscognito.UserPool_FromUserPoolId.
	UserPool awscognito.IUserPool
	// ClientIDs are the app client ids an ID token's aud or an access
	// token's client_id must be one of (UserPoolClient.UserPoolClientId()
	// or literal ids), never the pool id.
	ClientIDs []*string
	// TokenUses are the tokens accepted: settings.TokenUseID and/or
	// settings.TokenUseAccess (default both).
	TokenUses []string
	// RequiredGroups and RequiredScopes must all be in every token, on
	// every route, or the authorizer denies (403).
	RequiredGroups []string
	RequiredScopes []string
	// RouteRules is the route rules' JSON (ROUTE_RULES), or RouteRulesFile
	// the name of a file holding it inside CodeDir, shipped beside
	// bootstrap (ROUTE_RULES_FILE; for rule sets too large for Lambda's
	// 4 KB environment). Not both; neither: every verified caller is
	// allowed on the whole stage.
	RouteRules     string
	RouteRulesFile string

	// Type is Token (the default) or Request.
	Type Type
	// TokenHeader is the header holding the token (default Authorization).
	TokenHeader string
	// CacheTTL is how long API Gateway reuses a decision per token
	// (default 5 minutes, at most an hour; awscdk.Duration_Seconds(0)
	// turns the cache off). A cached Allow outlives the token's exp and a
	// sign-out by up to this long.
	CacheTTL awscdk.Duration
	// TokenValidity, when set, is the shortest ID or access token validity
	// of the app clients; a CacheTTL longer than it is refused.
	TokenValidity awscdk.Duration

	// CodeDir is the directory holding the bootstrap binary (linux/arm64),
	// as make build writes it to bin/authorizer.
	CodeDir string
	// Timeout is the function's timeout (default 5 seconds); the function
	// gets it as FUNCTION_TIMEOUT, to check that its JWKS fetches fit.
	Timeout awscdk.Duration
	// LogLevel is the function's LOG_LEVEL (default info); Lambda's
	// application log filter follows it.
	LogLevel string
	// LogRetention is the retention of the function's log group (default
	// a month).
	LogRetention awslogs.RetentionDays

	// RevocationTable, when set, is the table of revoked sessions the
	// authorizer reads (REVOCATION_TABLE): its role may BatchGetItem (the
	// one call the revocation check makes) on that table and nothing else.
	RevocationTable awsdynamodb.ITable
	// RevocationCacheTTL is REVOCATION_CACHE_TTL (unset: the function's
	// default, 10 seconds).
	RevocationCacheTTL awscdk.Duration

	// RestApi, when set, gets the gateway responses: 401 with
	// WWW-Authenticate, 403, and 503 with Retry-After for authorizer
	// failures. They apply to the whole API.
	RestApi awsapigateway.IRestApi
}

// Authorizer is the authorizer function and the API Gateway authorizer that
// calls it. Attach Authorizer to methods with AuthorizationType CUSTOM.
type Authorizer struct {
	constructs.Construct
	// Authorizer is the TokenAuthorizer or RequestAuthorizer.
	Authorizer awsapigateway.IAuthorizer
	Function   awslambda.Function
	Role       awsiam.Role
	LogGroup   awslogs.LogGroup
}

// New adds the authorizer under scope. It panics, as CDK constructs do, on
// props the function would refuse at start-up; Props.Check returns the same
// problems as an error.
func New(scope constructs.Construct, id string, props *Props) *Authorizer {
	p := props.withDefaults()
	if err := p.check(); err != nil {
		panic(fmt.Sprintf("cognitoauth.New: %v", err))
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	a := &Authorizer{Construct: c}

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

	env := p.environment(false)
	a.Function = awslambda.NewFunction(c, jsii.String("Function"), &awslambda.FunctionProps{
		Description:  jsii.String("Verifies Cognito JWTs for API Gateway"),
		Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture: awslambda.Architecture_ARM_64(),
		Handler:      jsii.String("bootstrap"),
		Code:         awslambda.Code_FromAsset(jsii.String(p.CodeDir), nil),
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
	}
	return a
}

// Check reports every problem New would panic on, each starting with the
// variable or the field at fault.
func (props *Props) Check() error {
	return props.withDefaults().check()
}

// Environment returns the function's environment as New sets it.
// Values not known before deployment (the pool id, a client id of the
// stack) are CloudFormation tokens.
func (props *Props) Environment() map[string]*string {
	p := props.withDefaults()
	return p.environment(false)
}

func (props *Props) withDefaults() Props {
	var p Props
	if props != nil {
		p = *props
	}
	if p.Type == "" {
		p.Type = Token
	}
	if p.TokenHeader == "" {
		p.TokenHeader = settings.DefaultTokenHeader
	}
	if len(p.TokenUses) == 0 {
		p.TokenUses = []string{settings.TokenUseID, settings.TokenUseAccess}
	}
	if p.CacheTTL == nil {
		p.CacheTTL = awscdk.Duration_Seconds(jsii.Number(DefaultCacheTTLSeconds))
	}
	if p.Timeout == nil {
		p.Timeout = awscdk.Duration_Seconds(jsii.Number(DefaultTimeoutSeconds))
	}
	if p.LogLevel == "" {
		p.LogLevel = DefaultLogLevel
	}
	if p.LogRetention == "" {
		p.LogRetention = DefaultLogRetention
	}
	return p
}

// Stand-ins for values CloudFormation fills in at deploy time, so that the
// function's own validation reads an environment like the deployed one.
const (
	placeholderUserPoolID = "eu-west-1_Placeholder"
	placeholderClientID   = "placeholderclientid"
	placeholderTable      = "placeholder-table"
)

// environment is the function's environment. forCheck replaces the values
// known only at deploy time by placeholders, and points ROUTE_RULES_FILE
// at the file in CodeDir rather than where Lambda will have it.
func (p Props) environment(forCheck bool) map[string]*string {
	resolve := func(v *string, placeholder string) *string {
		if forCheck && (v == nil || *awscdk.Token_IsUnresolved(v)) {
			return jsii.String(placeholder)
		}
		return v
	}
	var userPoolID *string
	if p.UserPool != nil {
		userPoolID = p.UserPool.UserPoolId()
	}
	env := map[string]*string{
		settings.EnvUserPoolID:      resolve(userPoolID, placeholderUserPoolID),
		settings.EnvTokenUse:        jsii.String(strings.Join(p.TokenUses, ",")),
		settings.EnvLogLevel:        jsii.String(p.LogLevel),
		settings.EnvFunctionTimeout: jsii.String(fmt.Sprintf("%gs", *p.Timeout.ToSeconds(nil))),
	}
	if len(p.ClientIDs) > 0 {
		ids := make([]*string, len(p.ClientIDs))
		for i, id := range p.ClientIDs {
			ids[i] = resolve(id, placeholderClientID)
		}
		if forCheck {
			plain := make([]string, len(ids))
			for i, id := range ids {
				plain[i] = *id
			}
			env[settings.EnvClientIDs] = jsii.String(strings.Join(plain, ","))
		} else {
			env[settings.EnvClientIDs] = awscdk.Fn_Join(jsii.String(","), &ids)
		}
	}
	if p.Type == Request {
		env[settings.EnvTokenHeader] = jsii.String(p.TokenHeader)
	}
	if len(p.RequiredGroups) > 0 {
		env[settings.EnvRequiredGroups] = jsii.String(strings.Join(p.RequiredGroups, ","))
	}
	if len(p.RequiredScopes) > 0 {
		env[settings.EnvRequiredScopes] = jsii.String(strings.Join(p.RequiredScopes, " "))
	}
	if p.RouteRules != "" {
		env[settings.EnvRouteRules] = jsii.String(p.RouteRules)
	}
	if p.RouteRulesFile != "" {
		path := TaskRoot + "/" + p.RouteRulesFile
		if forCheck {
			path = filepath.Join(p.CodeDir, p.RouteRulesFile)
		}
		env[settings.EnvRouteRulesFile] = jsii.String(path)
	}
	if p.RevocationTable != nil {
		env[settings.EnvRevocationTable] = resolve(p.RevocationTable.TableName(), placeholderTable)
		if p.RevocationCacheTTL != nil {
			env[settings.EnvRevocationCacheTTL] = jsii.String(fmt.Sprintf("%gs", *p.RevocationCacheTTL.ToSeconds(nil)))
		}
	}
	return env
}

// check runs the environment through the function's own validation
// (settings.LoadAuthorizer and LoadRevocation) and checks what only the
// construct knows.
func (p Props) check() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if p.UserPool == nil {
		add("UserPool: required")
	}
	if len(p.ClientIDs) == 0 {
		add("ClientIDs: required: the app client ids (not the pool id)")
	}
	for i, id := range p.ClientIDs {
		if id == nil {
			add("ClientIDs[%d]: nil", i)
		}
	}
	if p.CodeDir == "" {
		add("CodeDir: required: the directory holding bootstrap (make build writes bin/authorizer)")
	}
	switch p.Type {
	case Token, Request:
	default:
		add("Type: %q: want %s or %s", p.Type, Token, Request)
	}
	// A TOKEN authorizer reads the header as its identity source, so it
	// must be a header name whichever the type.
	if p.Type != Request && !settings.IsHeaderName(p.TokenHeader) {
		add("%s: %q is not an HTTP header name", settings.EnvTokenHeader, p.TokenHeader)
	}
	if p.RouteRules != "" && p.RouteRulesFile != "" {
		add("RouteRules, RouteRulesFile: set one, not both")
	}
	if len(p.RouteRules) > maxInlineRules {
		add("%s: %d bytes: Lambda's environment holds 4 KB in all; ship the rules in a file (RouteRulesFile)", settings.EnvRouteRules, len(p.RouteRules))
	}
	if p.RouteRulesFile != "" && (filepath.Base(p.RouteRulesFile) != p.RouteRulesFile || strings.HasPrefix(p.RouteRulesFile, ".")) {
		add("RouteRulesFile: %q: want the name of a file in CodeDir", p.RouteRulesFile)
	}

	ttl := *p.CacheTTL.ToSeconds(nil)
	if ttl < 0 || ttl > MaxCacheTTLSeconds {
		add("CacheTTL: %v s: want 0 to %d", ttl, MaxCacheTTLSeconds)
	}
	if p.TokenValidity != nil {
		if v := *p.TokenValidity.ToSeconds(nil); ttl > v {
			add("CacheTTL: %v s is longer than the tokens' validity (%v s): API Gateway would keep allowing a token after it expires", ttl, v)
		}
	}
	if p.RevocationCacheTTL != nil && p.RevocationTable == nil {
		add("RevocationCacheTTL: set without a RevocationTable")
	}

	env := p.environment(true)
	getenv := func(name string) string {
		if v := env[name]; v != nil {
			return *v
		}
		return ""
	}
	if _, err := settings.LoadAuthorizer(getenv); err != nil {
		errs = append(errs, err)
	}
	if _, err := settings.LoadRevocation(getenv); err != nil {
		errs = append(errs, err)
	}
	return joinUnique(errs)
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

package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gatehouse-dev/cognito-authorizer/infra/cognitoauth"
	"github.com/gatehouse-dev/cognito-authorizer/internal/apispec"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
)

// Defaults: the values NotesStackProps' zero values stand for, and the
// stage's name.
const (
	DefaultTokenHeader          = settings.DefaultTokenHeader
	DefaultTokenUse             = settings.TokenUseID + "," + settings.TokenUseAccess
	DefaultLogLevel             = cognitoauth.DefaultLogLevel
	DefaultCacheTTLSeconds      = cognitoauth.DefaultCacheTTLSeconds
	DefaultTokenValidityMinutes = 60
	DefaultThrottleRate         = 50
	DefaultThrottleBurst        = 100
	DefaultStageName            = apispec.StageName
)

// AuthorizerType is the kind of Lambda authorizer API Gateway calls.
type AuthorizerType = cognitoauth.Type

// The authorizer types, as the context spells them.
const (
	TokenAuthorizer   = cognitoauth.Token
	RequestAuthorizer = cognitoauth.Request
)

// NotesStackProps configures NewNotesStack. Zero values mean the documented
// defaults, except the code directories, which are required.
type NotesStackProps struct {
	awscdk.StackProps

	// AuthorizerCodeDir, AddNoteCodeDir, ListNotesCodeDir and
	// SignOutCodeDir are directories holding each function's bootstrap
	// binary (linux/arm64), as make build writes them to bin/<name>.
	AuthorizerCodeDir string
	AddNoteCodeDir    string
	ListNotesCodeDir  string
	SignOutCodeDir    string

	// AuthorizerType is TokenAuthorizer (the default) or RequestAuthorizer.
	AuthorizerType AuthorizerType
	// TokenHeader is the header holding the token (default Authorization).
	// The first Cognito tutorials send it in a header named token.
	TokenHeader string
	// CacheTTL is how long API Gateway caches a decision per token (default
	// 5 minutes; awscdk.Duration_Seconds(jsii.Number(0)) turns caching off).
	// A cached Allow outlives the token's exp and a sign-out by up to this
	// long, so it may not exceed TokenValidity.
	CacheTTL awscdk.Duration
	// TokenValidity is the app client's ID and access token validity
	// (default an hour; Cognito takes 5 minutes to a day). The sign-out
	// function keeps revocations that long (TOKEN_MAX_VALIDITY).
	TokenValidity awscdk.Duration
	// TokenUse says which Cognito tokens are accepted, as COGNITO_TOKEN_USE
	// reads it: "id", "access" or both (the default).
	TokenUse string
	// RequiredGroups and RequiredScopes must all be in the token, on every
	// route, or the authorizer denies (403). Routes' own rules come on top.
	RequiredGroups []string
	RequiredScopes []string
	// Groups are created in the user pool, beside the ones Routes name.
	Groups []string
	// LogLevel is the functions' LOG_LEVEL (default info), any value
	// settings.ParseLogLevel reads; Lambda's log filter follows it.
	LogLevel string

	// RevocationCacheTTL is the authorizer's REVOCATION_CACHE_TTL (nil:
	// the function's default, 10 seconds; 0 with
	// FlushAuthorizerCacheOnSignOut, which refuses any other value).
	RevocationCacheTTL awscdk.Duration
	// FlushAuthorizerCacheOnSignOut makes each sign-out flush API
	// Gateway's authorizer cache of the stage (every user's cached
	// decisions), and allows the sign-out function that call only. The
	// authorizer then caches nothing it reads of the revocation table
	// (REVOCATION_CACHE_TTL=0s): a warm authorizer's "not revoked" would
	// otherwise put the Allow the flush removed back into the cache.
	FlushAuthorizerCacheOnSignOut bool

	// NoSelfSignUp closes the pool's public sign-up: only administrators
	// create users (admin-create-user). With sign-up open, the default,
	// anyone who has the app client id, which every browser or mobile
	// client carries, can register and call the API.
	NoSelfSignUp bool

	// DeletionProtection protects the user pool from deletion; with it off
	// (the default) cdk destroy deletes the pool and its users.
	DeletionProtection bool
	// TableRemovalPolicy says what cdk destroy does to the notes and
	// revocation tables (default RETAIN: they outlive the stack).
	TableRemovalPolicy awscdk.RemovalPolicy
	// LogRetention bounds every log group (default one month).
	LogRetention awslogs.RetentionDays

	// ThrottleRate (requests per second) and ThrottleBurst limit the stage.
	ThrottleRate  float64
	ThrottleBurst float64
	// NoCloudWatchRole skips creating the account-wide role API Gateway
	// needs to write access logs: set it when the account already has one.
	NoCloudWatchRole bool

	// NoDashboard leaves out the CloudWatch dashboard: the authorizer's
	// (cognitoauth's) and the sample API's row on it.
	NoDashboard bool
	// NoAlarms leaves out the alarms: the authorizer's on Unavailable
	// decisions and the sign-out's on failed flushes of the authorizer
	// cache. They have no actions; add an SNS topic's to be told.
	NoAlarms bool
}

// NewNotesStack returns a stack with the user pool, the authorizer (through
// the cognitoauth construct), the sample functions and their tables, and
// the REST API whose methods Routes declares. It panics on props the
// functions would refuse at start-up.
func NewNotesStack(scope constructs.Construct, id string, props *NotesStackProps) awscdk.Stack {
	p := props.withDefaults()
	if err := p.check(); err != nil {
		panic(fmt.Sprintf("NewNotesStack: %v", err))
	}
	stack := awscdk.NewStack(scope, &id, &p.StackProps)

	pool, client := newUserPool(stack, p)
	notes := awsdynamodb.NewTable(stack, jsii.String("NotesTable"), &awsdynamodb.TableProps{
		PartitionKey: &awsdynamodb.Attribute{Name: jsii.String(settings.NotesPartitionKey), Type: awsdynamodb.AttributeType_STRING},
		SortKey:      &awsdynamodb.Attribute{Name: jsii.String(settings.NotesSortKey), Type: awsdynamodb.AttributeType_STRING},
		BillingMode:  awsdynamodb.BillingMode_PAY_PER_REQUEST,
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(true),
		},
		RemovalPolicy: p.TableRemovalPolicy,
	})
	// Revoked sessions and users (issue 12): DynamoDB deletes each item
	// some time after its expiresAt, when no token it refuses is valid.
	revocations := awsdynamodb.NewTable(stack, jsii.String("RevocationTable"), &awsdynamodb.TableProps{
		PartitionKey:        &awsdynamodb.Attribute{Name: jsii.String(settings.RevocationPartitionKey), Type: awsdynamodb.AttributeType_STRING},
		BillingMode:         awsdynamodb.BillingMode_PAY_PER_REQUEST,
		TimeToLiveAttribute: jsii.String(settings.RevocationTTLAttribute),
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(true),
		},
		RemovalPolicy: p.TableRemovalPolicy,
	})

	api, accessLogs := newNotesAPI(stack, p)
	auth := cognitoauth.New(stack, "Authorizer", p.authorizerProps(pool, []*string{client.UserPoolClientId()}, revocations, api))
	functions := map[string]awslambda.Function{
		fnAddNote:   newAddNoteFunction(stack, p, notes),
		fnListNotes: newListNotesFunction(stack, p, notes),
		fnSignOut:   newSignOutFunction(stack, p, revocations, pool, api, deployedStageName(api)),
	}
	addRoutes(api, Routes, functions, auth.Authorizer)
	mon := addMonitoring(stack, p, auth, api, functions[fnSignOut])

	// ApiUrl replaces the Endpoint output RestApi adds under a generated
	// name, so that scripts can rely on the name.
	api.Node().TryRemoveChild(jsii.String("Endpoint"))
	awscdk.NewCfnOutput(stack, jsii.String("ApiUrl"), &awscdk.CfnOutputProps{
		Value:       api.Url(),
		Description: jsii.String("Base URL of the API; the routes (add-note, notes, users/{userId}/notes, sign-out) below it"),
	})
	awscdk.NewCfnOutput(stack, jsii.String("UserPoolId"), &awscdk.CfnOutputProps{Value: pool.UserPoolId()})
	awscdk.NewCfnOutput(stack, jsii.String("UserPoolClientId"), &awscdk.CfnOutputProps{
		Value:       client.UserPoolClientId(),
		Description: jsii.String("App client for aws cognito-idp initiate-auth"),
	})
	awscdk.NewCfnOutput(stack, jsii.String("NotesTableName"), &awscdk.CfnOutputProps{Value: notes.TableName()})
	awscdk.NewCfnOutput(stack, jsii.String("RevocationTableName"), &awscdk.CfnOutputProps{Value: revocations.TableName()})
	// The dashboard and alarms, by name (CloudFormation names them): the
	// console's CloudWatch pages, aws cloudwatch get-dashboard and
	// describe-alarms take these.
	if auth.Dashboard != nil {
		awscdk.NewCfnOutput(stack, jsii.String("DashboardName"), &awscdk.CfnOutputProps{Value: auth.Dashboard.DashboardName()})
	}
	if auth.UnavailableAlarm != nil {
		awscdk.NewCfnOutput(stack, jsii.String("UnavailableAlarmName"), &awscdk.CfnOutputProps{
			Value:       auth.UnavailableAlarm.AlarmName(),
			Description: jsii.String("Alarm: the authorizer answered Unavailable (503)"),
		})
	}
	if mon.FlushErrorsAlarm != nil {
		awscdk.NewCfnOutput(stack, jsii.String("SignOutFlushErrorsAlarmName"), &awscdk.CfnOutputProps{
			Value:       mon.FlushErrorsAlarm.AlarmName(),
			Description: jsii.String("Alarm: a sign-out could not flush the authorizer cache"),
		})
	}
	// The functions log to groups of their own, not /aws/lambda/<name>.
	// A slice, not a map, so that the template is the same on every run.
	for _, o := range []struct {
		name  string
		group awslogs.ILogGroup
	}{
		{"AuthorizerLogGroupName", auth.LogGroup},
		{"AddNoteLogGroupName", functions[fnAddNote].LogGroup()},
		{"ListNotesLogGroupName", functions[fnListNotes].LogGroup()},
		{"SignOutLogGroupName", functions[fnSignOut].LogGroup()},
		{"AccessLogGroupName", accessLogs},
	} {
		awscdk.NewCfnOutput(stack, jsii.String(o.name), &awscdk.CfnOutputProps{Value: o.group.LogGroupName()})
	}
	return stack
}

// authorizerProps are the cognitoauth props of the stack's authorizer.
// api is nil when only checking.
func (p NotesStackProps) authorizerProps(pool awscognito.IUserPool, clientIDs []*string,
	revocations awsdynamodb.ITable, api awsapigateway.IRestApi) *cognitoauth.Props {
	return &cognitoauth.Props{
		UserPool:           pool,
		ClientIDs:          clientIDs,
		TokenUses:          strings.Split(strings.ReplaceAll(p.TokenUse, " ", ""), ","),
		RequiredGroups:     p.RequiredGroups,
		RequiredScopes:     p.RequiredScopes,
		RouteRules:         RouteRules(Routes),
		Type:               p.AuthorizerType,
		TokenHeader:        p.TokenHeader,
		CacheTTL:           p.CacheTTL,
		TokenValidity:      p.TokenValidity,
		CodeDir:            p.AuthorizerCodeDir,
		LogLevel:           p.LogLevel,
		LogRetention:       p.LogRetention,
		RevocationTable:    revocations,
		RevocationCacheTTL: p.RevocationCacheTTL,
		RestApi:            api,
		NoDashboard:        p.NoDashboard,
		NoAlarms:           p.NoAlarms,
	}
}

// newUserPool adds the user pool, signing in by email, and its one app
// client, public (no secret) for the CLI and browser apps.
func newUserPool(stack awscdk.Stack, p NotesStackProps) (awscognito.UserPool, awscognito.UserPoolClient) {
	pool := awscognito.NewUserPool(stack, jsii.String("UserPool"), &awscognito.UserPoolProps{
		SelfSignUpEnabled:   jsii.Bool(!p.NoSelfSignUp),
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
		AccessTokenValidity:        p.TokenValidity,
		IdTokenValidity:            p.TokenValidity,
		RefreshTokenValidity:       awscdk.Duration_Days(jsii.Number(refreshTokenDays)),
	})
	groups := RuleGroups(Routes)
	for _, g := range p.Groups {
		if !slices.Contains(groups, g) {
			groups = append(groups, g)
		}
	}
	for _, g := range groups {
		// The construct id follows the name, not the position, so that
		// reordering the list replaces no group (and drops no membership).
		pool.AddGroup(jsii.String("Group"+strings.ReplaceAll(g, "/", "_")), &awscognito.UserPoolGroupOptions{
			GroupName: jsii.String(g),
		})
	}
	return pool, client
}

// poolRemovalPolicy lets cdk destroy delete an unprotected pool with the
// stack, and leave a protected one in place rather than fail on it.
func poolRemovalPolicy(deletionProtection bool) awscdk.RemovalPolicy {
	if deletionProtection {
		return awscdk.RemovalPolicy_RETAIN
	}
	return awscdk.RemovalPolicy_DESTROY
}

// withDefaults returns a copy of props with every zero value replaced by its
// default.
func (props *NotesStackProps) withDefaults() NotesStackProps {
	var p NotesStackProps
	if props != nil {
		p = *props
	}
	if p.AuthorizerCodeDir == "" || p.AddNoteCodeDir == "" || p.ListNotesCodeDir == "" || p.SignOutCodeDir == "" {
		panic("NewNotesStack: AuthorizerCodeDir, AddNoteCodeDir, ListNotesCodeDir and SignOutCodeDir are required")
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
	if p.TokenValidity == nil {
		p.TokenValidity = awscdk.Duration_Minutes(jsii.Number(DefaultTokenValidityMinutes))
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
	if p.FlushAuthorizerCacheOnSignOut && p.RevocationCacheTTL == nil {
		p.RevocationCacheTTL = awscdk.Duration_Seconds(jsii.Number(0))
	}
	return p
}

package main

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
)

// Defaults: the values NotesStackProps' zero values stand for, and the
// stage's name.
const (
	DefaultTokenHeader     = settings.DefaultTokenHeader
	DefaultTokenUse        = settings.TokenUseID + "," + settings.TokenUseAccess
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
	// TokenUse says which Cognito tokens are accepted, as COGNITO_TOKEN_USE
	// reads it: "id", "access" or both (the default).
	TokenUse string
	// RequiredGroups and RequiredScopes must all be in the token, or the
	// authorizer denies (403).
	RequiredGroups []string
	RequiredScopes []string
	// Groups are created in the user pool.
	Groups []string
	// LogLevel is the functions' LOG_LEVEL (default info), any value
	// settings.ParseLogLevel reads; Lambda's log filter follows it.
	LogLevel string

	// NoSelfSignUp closes the pool's public sign-up: only administrators
	// create users (admin-create-user). With sign-up open, the default,
	// anyone who has the app client id, which every browser or mobile
	// client carries, can register and call the API.
	NoSelfSignUp bool

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
// It panics on props the functions would refuse at start-up.
func NewNotesStack(scope constructs.Construct, id string, props *NotesStackProps) awscdk.Stack {
	p := props.withDefaults()
	if err := p.check(); err != nil {
		panic(fmt.Sprintf("NewNotesStack: %v", err))
	}
	stack := awscdk.NewStack(scope, &id, &p.StackProps)

	pool, client := newUserPool(stack, p)
	table := awsdynamodb.NewTable(stack, jsii.String("NotesTable"), &awsdynamodb.TableProps{
		PartitionKey: &awsdynamodb.Attribute{Name: jsii.String(settings.NotesPartitionKey), Type: awsdynamodb.AttributeType_STRING},
		SortKey:      &awsdynamodb.Attribute{Name: jsii.String(settings.NotesSortKey), Type: awsdynamodb.AttributeType_STRING},
		BillingMode:  awsdynamodb.BillingMode_PAY_PER_REQUEST,
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(true),
		},
		RemovalPolicy: p.TableRemovalPolicy,
	})

	authFn := newAuthorizerFunction(stack, p, pool.UserPoolId(), client.UserPoolClientId())
	addNote := newAddNoteFunction(stack, p, table)
	api, accessLogs := newNotesAPI(stack, p, authFn, addNote)

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
	// The functions log to groups of their own, not /aws/lambda/<name>.
	// A slice, not a map, so that the template is the same on every run.
	for _, o := range []struct {
		name  string
		group awslogs.ILogGroup
	}{
		{"AuthorizerLogGroupName", authFn.LogGroup()},
		{"AddNoteLogGroupName", addNote.LogGroup()},
		{"AccessLogGroupName", accessLogs},
	} {
		awscdk.NewCfnOutput(stack, jsii.String(o.name), &awscdk.CfnOutputProps{Value: o.group.LogGroupName()})
	}
	return stack
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

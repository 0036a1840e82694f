package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"

	"github.com/gatehouse-dev/cognito-authorizer/infra/cognitoauth"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
)

// Stand-ins for the values CloudFormation fills in at deploy time, so that
// the functions' own validation can read an environment like the deployed
// one before there is a pool, a client or a table.
const (
	placeholderUserPoolID = "eu-west-1_Placeholder"
	placeholderClientID   = "placeholderclientid"
	placeholderTable      = "placeholder-table"
)

// notesEnv is the environment of the note functions (add-note and
// list-notes).
func notesEnv(p NotesStackProps, table *string) map[string]*string {
	return map[string]*string{
		settings.EnvNotesTable: table,
		settings.EnvLogLevel:   jsii.String(p.LogLevel),
	}
}

// refreshTokenDays is the sample app client's refresh token validity; a
// session's revocation lives as long (REFRESH_TOKEN_MAX_VALIDITY).
const refreshTokenDays = 30

// signOutEnv is the sign-out function's environment. Revocations are kept
// as long as the app client's tokens live (TOKEN_MAX_VALIDITY), a session's
// as long as its refresh token (REFRESH_TOKEN_MAX_VALIDITY).
func signOutEnv(p NotesStackProps, table, userPoolID *string) map[string]*string {
	env := map[string]*string{
		settings.EnvRevocationTable:    table,
		settings.EnvUserPoolID:         userPoolID,
		settings.EnvTokenMaxValidity:   jsii.String(goDuration(p.TokenValidity)),
		settings.EnvRefreshMaxValidity: jsii.String(goDuration(awscdk.Duration_Days(jsii.Number(refreshTokenDays)))),
		settings.EnvLogLevel:           jsii.String(p.LogLevel),
	}
	if p.FlushAuthorizerCacheOnSignOut {
		env[settings.EnvFlushAuthorizerCache] = jsii.String("true")
	}
	return env
}

// goDuration writes d as a Go duration, as the functions read one.
func goDuration(d awscdk.Duration) string {
	return (time.Duration(*d.ToSeconds(nil)) * time.Second).String()
}

// check runs the settings the stack would write through the functions' own
// validation (cognitoauth's Check, which runs settings.LoadAuthorizer and
// LoadRevocation, then LoadNotes and LoadSignOut), so that no value deploys
// that would stop a function at start-up. Each error starts with the
// variable's or the field's name, each problem once.
func (p NotesStackProps) check() error {
	// A scratch stack for the imported stand-ins of the pool and table.
	scratch := awscdk.NewStack(nil, jsii.String("Check"), nil)
	pool := awscognito.UserPool_FromUserPoolId(scratch, jsii.String("Pool"), jsii.String(placeholderUserPoolID))
	table := awsdynamodb.Table_FromTableName(scratch, jsii.String("Revocations"), jsii.String(placeholderTable))
	errs := []error{
		p.checkFlush(),
		p.authorizerProps(pool, []*string{jsii.String(placeholderClientID)}, table, nil).Check(),
		loadEnv(settings.LoadNotes, notesEnv(p, jsii.String(placeholderTable))),
		loadEnv(settings.LoadSignOut, signOutEnv(p, jsii.String(placeholderTable), jsii.String(placeholderUserPoolID))),
	}
	var out []error
	seen := map[string]bool{}
	for _, err := range errs {
		for _, e := range unjoin(err) {
			if !seen[e.Error()] {
				seen[e.Error()] = true
				out = append(out, e)
			}
		}
	}
	return errors.Join(out...)
}

// checkFlush refuses a revocation cache beside the flush: the flush
// empties API Gateway's cache, but a warm authorizer that read "not
// revoked" before the sign-out would answer Allow from its own cache, and
// API Gateway would cache that Allow again for its whole TTL.
func (p NotesStackProps) checkFlush() error {
	if !p.FlushAuthorizerCacheOnSignOut || p.RevocationCacheTTL == nil {
		return nil
	}
	if ttl := *p.RevocationCacheTTL.ToSeconds(nil); ttl > 0 {
		return fmt.Errorf("%s: %v s with the flush on: a warm authorizer would answer from what it read before a sign-out "+
			"for that long after the flush; leave the revocation cache TTL unset (0 s with the flush) or set 0", flushAndRevocationTTL, ttl)
	}
	return nil
}

// flushAndRevocationTTL names the two props checkFlush weighs together.
const flushAndRevocationTTL = "RevocationCacheTTL, FlushAuthorizerCacheOnSignOut"

// loadEnv runs a settings loader over env.
func loadEnv[C any](load func(getenv func(string) string) (C, error), env map[string]*string) error {
	_, err := load(func(name string) string {
		if v := env[name]; v != nil {
			return *v
		}
		return ""
	})
	return err
}

// newAddNoteFunction adds the add-note function, which may PutItem on the
// notes table and nothing else: Table.GrantWriteData would also allow
// UpdateItem, DeleteItem, BatchWriteItem and more.
func newAddNoteFunction(stack awscdk.Stack, p NotesStackProps, table awsdynamodb.Table) awslambda.Function {
	fn := newFunction(stack, "AddNote", p, p.AddNoteCodeDir, notesEnv(p, table.TableName()),
		"Stores a note of the signed-in user (POST /add-note)", awscdk.Duration_Seconds(jsii.Number(10)))
	allow(fn, []string{"dynamodb:PutItem"}, table.TableArn())
	return fn
}

// newListNotesFunction adds the list-notes function (GET /notes, GET
// /users/{userId}/notes), which may Query the notes table and nothing
// else.
func newListNotesFunction(stack awscdk.Stack, p NotesStackProps, table awsdynamodb.Table) awslambda.Function {
	fn := newFunction(stack, "ListNotes", p, p.ListNotesCodeDir, notesEnv(p, table.TableName()),
		"Lists a user's notes (GET /notes, GET /users/{userId}/notes)", awscdk.Duration_Seconds(jsii.Number(10)))
	allow(fn, []string{"dynamodb:Query"}, table.TableArn())
	return fn
}

// newSignOutFunction adds the sign-out function (POST /sign-out). It may
// PutItem on the revocation table, sign the caller out everywhere in the
// pool and, with the flush on, flush the authorizer cache of the API's
// stage named stage: nothing else.
func newSignOutFunction(stack awscdk.Stack, p NotesStackProps, table awsdynamodb.Table,
	pool awscognito.IUserPool, api awsapigateway.IRestApi, stage string) awslambda.Function {
	fn := newFunction(stack, "SignOut", p, p.SignOutCodeDir, signOutEnv(p, table.TableName(), pool.UserPoolId()),
		"Signs the caller out (POST /sign-out)", awscdk.Duration_Seconds(jsii.Number(10)))
	allow(fn, []string{"dynamodb:PutItem"}, table.TableArn())
	allow(fn, []string{"cognito-idp:AdminUserGlobalSignOut"}, pool.UserPoolArn())
	if p.FlushAuthorizerCacheOnSignOut {
		// FlushStageAuthorizersCache is an HTTP DELETE of this path.
		allow(fn, []string{"apigateway:DELETE"}, jsii.String(fmt.Sprintf(
			"arn:%s:apigateway:%s::/restapis/%s/stages/%s/cache/authorizers",
			*awscdk.Aws_PARTITION(), *awscdk.Aws_REGION(), *api.RestApiId(), stage)))
	}
	return fn
}

// allow adds one statement to fn's role: actions on the resource.
func allow(fn awslambda.Function, actions []string, resource *string) {
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Effect:    awsiam.Effect_ALLOW,
		Actions:   jsii.Strings(actions...),
		Resources: &[]*string{resource},
	}))
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
		ApplicationLogLevelV2: cognitoauth.ApplicationLogLevel(p.LogLevel),
		SystemLogLevelV2:      awslambda.SystemLogLevel_INFO,
	})
}

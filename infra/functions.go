package main

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"

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

// authorizerEnv is the authorizer's environment: the pool and client ids
// are CloudFormation references in the stack, placeholders when checking.
func authorizerEnv(p NotesStackProps, userPoolID, clientID *string) map[string]*string {
	env := map[string]*string{
		settings.EnvUserPoolID: userPoolID,
		// The app client id, which ID tokens carry as aud and access
		// tokens as client_id; never the pool id.
		settings.EnvClientIDs: clientID,
		settings.EnvTokenUse:  jsii.String(p.TokenUse),
		settings.EnvLogLevel:  jsii.String(p.LogLevel),
	}
	if p.AuthorizerType == RequestAuthorizer {
		env[settings.EnvTokenHeader] = jsii.String(p.TokenHeader)
	}
	if len(p.RequiredGroups) > 0 {
		env[settings.EnvRequiredGroups] = jsii.String(strings.Join(p.RequiredGroups, ","))
	}
	if len(p.RequiredScopes) > 0 {
		env[settings.EnvRequiredScopes] = jsii.String(strings.Join(p.RequiredScopes, " "))
	}
	return env
}

// addNoteEnv is the add-note function's environment.
func addNoteEnv(p NotesStackProps, table *string) map[string]*string {
	return map[string]*string{
		settings.EnvNotesTable: table,
		settings.EnvLogLevel:   jsii.String(p.LogLevel),
	}
}

// check runs the environments the stack would write through the functions'
// own validation (settings.LoadAuthorizer and LoadNotes), so that no value
// deploys that would stop a function at start-up. The header is checked
// for either authorizer type: a TOKEN authorizer reads it as its identity
// source. Each error starts with the variable's name.
func (p NotesStackProps) check() error {
	errs := []error{
		loadEnv(settings.LoadAuthorizer, authorizerEnv(p, jsii.String(placeholderUserPoolID), jsii.String(placeholderClientID))),
		loadEnv(settings.LoadNotes, addNoteEnv(p, jsii.String(placeholderTable))),
	}
	if p.AuthorizerType != RequestAuthorizer && !settings.IsHeaderName(p.TokenHeader) {
		errs = append(errs, fmt.Errorf("%s: %q is not an HTTP header name", settings.EnvTokenHeader, p.TokenHeader))
	}
	switch p.AuthorizerType {
	case TokenAuthorizer, RequestAuthorizer:
	default:
		errs = append(errs, fmt.Errorf("authorizer type %q: want %s or %s", p.AuthorizerType, TokenAuthorizer, RequestAuthorizer))
	}
	// One problem once: LOG_LEVEL is read by both functions.
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

func newAuthorizerFunction(stack awscdk.Stack, p NotesStackProps, userPoolID, clientID *string) awslambda.Function {
	return newFunction(stack, "Authorizer", p, p.AuthorizerCodeDir, authorizerEnv(p, userPoolID, clientID),
		"Verifies Cognito JWTs for API Gateway", awscdk.Duration_Seconds(jsii.Number(5)))
}

// newAddNoteFunction adds the add-note function, which may PutItem on the
// table and nothing else: Table.GrantWriteData would also allow UpdateItem,
// DeleteItem, BatchWriteItem and more.
func newAddNoteFunction(stack awscdk.Stack, p NotesStackProps, table awsdynamodb.Table) awslambda.Function {
	fn := newFunction(stack, "AddNote", p, p.AddNoteCodeDir, addNoteEnv(p, table.TableName()),
		"Stores a note of the signed-in user (POST /add-note)", awscdk.Duration_Seconds(jsii.Number(10)))
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Effect:    awsiam.Effect_ALLOW,
		Actions:   jsii.Strings("dynamodb:PutItem"),
		Resources: jsii.Strings(*table.TableArn()),
	}))
	return fn
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

// applicationLogLevel is Lambda's filter for a LOG_LEVEL the functions
// accept (check has run): the level settings.ParseLogLevel reads it as.
func applicationLogLevel(level string) awslambda.ApplicationLogLevel {
	l, _ := settings.ParseLogLevel(level)
	switch {
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

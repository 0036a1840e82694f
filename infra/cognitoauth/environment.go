package cognitoauth

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
)

// TaskRoot is where Lambda puts the function's code (LAMBDA_TASK_ROOT):
// a RouteRulesFile shipped beside bootstrap is read from there.
const TaskRoot = "/var/task"

// Environment returns the function's environment as New sets it.
// Values not known before deployment (the pool id, a client id of the
// stack) are CloudFormation tokens.
func (props *Props) Environment() map[string]*string {
	p := props.withDefaults()
	return p.environment(false)
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

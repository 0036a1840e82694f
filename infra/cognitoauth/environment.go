package cognitoauth

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
)

// TaskRoot is where Lambda puts the function's code (LAMBDA_TASK_ROOT):
// a RouteRulesFile shipped beside bootstrap is read from there.
const TaskRoot = "/var/task"

// IssuersFileName is the file beside bootstrap that holds the issuers'
// JSON when it does not fit in Lambda's environment: ISSUERS_FILE then
// names TaskRoot/IssuersFileName.
const IssuersFileName = "issuers.json"

// maxEnvironment is Lambda's limit on the function's environment: 4 KB
// of names and values in all.
const maxEnvironment = 4 << 10

// Environment returns the function's environment as New sets it.
// Values not known before deployment (the pool id, a client id of the
// stack) are CloudFormation tokens.
func (props *Props) Environment() map[string]*string {
	p := props.withDefaults()
	return p.environment(forDeploy)
}

// Stand-ins for values CloudFormation fills in at deploy time, so that the
// function's own validation reads an environment like the deployed one.
const (
	placeholderUserPoolID = "eu-west-1_Placeholder"
	placeholderClientID   = "placeholderclientid"
	placeholderTable      = "placeholder-table"
)

// The longest values CloudFormation may fill in (the API references'
// maximum lengths), for measuring the environment before deployment.
const (
	maxUserPoolIDLen = 55
	maxClientIDLen   = 128
	maxTableNameLen  = 255
)

// envMode says what environment renders.
type envMode int

const (
	// forDeploy: the environment as deployed, deploy-time values as
	// tokens.
	forDeploy envMode = iota
	// forCheck: deploy-time values replaced by placeholders, files read
	// from CodeDir rather than from where Lambda will have them.
	forCheck
	// forMeasure: deploy-time values replaced by stand-ins of their
	// longest length, ISSUERS inline: the largest the deployed
	// environment can be.
	forMeasure
)

// environment is the function's environment, rendered for mode.
func (p Props) environment(mode envMode) map[string]*string {
	// resolve replaces a deploy-time value v (nil: no value yet) unless
	// for deployment: by placeholder to check, by maxLen bytes to measure.
	resolve := func(v *string, placeholder string, maxLen int) *string {
		if v != nil && !*awscdk.Token_IsUnresolved(v) {
			return v
		}
		switch mode {
		case forCheck:
			return jsii.String(placeholder)
		case forMeasure:
			return jsii.String(strings.Repeat("x", maxLen))
		}
		return v
	}
	env := map[string]*string{
		settings.EnvLogLevel:        jsii.String(p.LogLevel),
		settings.EnvFunctionTimeout: jsii.String(fmt.Sprintf("%gs", *p.Timeout.ToSeconds(nil))),
	}
	// Only another namespace than the function's default is written, so
	// that the dashboard and the function agree either way.
	if p.MetricsNamespace != "" && p.MetricsNamespace != settings.DefaultMetricsNamespace {
		env[settings.EnvMetricsNamespace] = jsii.String(p.MetricsNamespace)
	}
	if len(p.Issuers) > 0 {
		if mode == forDeploy && p.issuersInFile() {
			env[settings.EnvIssuersFile] = jsii.String(TaskRoot + "/" + IssuersFileName)
		} else {
			env[settings.EnvIssuers] = jsii.String(p.issuersJSON(mode))
		}
	} else {
		var userPoolID *string
		if p.UserPool != nil {
			userPoolID = p.UserPool.UserPoolId()
		}
		env[settings.EnvUserPoolID] = resolve(userPoolID, placeholderUserPoolID, maxUserPoolIDLen)
		env[settings.EnvTokenUse] = jsii.String(strings.Join(p.TokenUses, ","))
	}
	if len(p.ClientIDs) > 0 && len(p.Issuers) == 0 {
		ids := make([]*string, len(p.ClientIDs))
		for i, id := range p.ClientIDs {
			ids[i] = resolve(id, placeholderClientID, maxClientIDLen)
		}
		if mode != forDeploy {
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
		if mode == forCheck {
			path = filepath.Join(p.CodeDir, p.RouteRulesFile)
		}
		env[settings.EnvRouteRulesFile] = jsii.String(path)
	}
	if p.UsageIdentifierClaim != "" {
		env[settings.EnvUsageIdentifierClaim] = jsii.String(p.UsageIdentifierClaim)
	}
	if p.UsageIdentifierRequired {
		env[settings.EnvUsageIdentifierRequired] = jsii.String("true")
	}
	if p.RevocationTable != nil {
		env[settings.EnvRevocationTable] = resolve(p.RevocationTable.TableName(), placeholderTable, maxTableNameLen)
		if p.RevocationCacheTTL != nil {
			env[settings.EnvRevocationCacheTTL] = jsii.String(fmt.Sprintf("%gs", *p.RevocationCacheTTL.ToSeconds(nil)))
		}
	}
	return env
}

// issuersJSON is the value of ISSUERS: Issuers as settings reads them.
// For deployment, the ids known only at deploy time stay tokens inside
// the string, which the CDK writes as an Fn::Join; to check, each is a
// placeholder of its own (pools are told apart by their ids); to
// measure, a stand-in of its longest length.
func (p Props) issuersJSON(mode envMode) string {
	n := 0
	resolve := func(v *string, placeholder string, maxLen int) string {
		if v != nil && (mode == forDeploy || !*awscdk.Token_IsUnresolved(v)) {
			return *v
		}
		switch mode {
		case forCheck:
			n++
			return placeholder + strconv.Itoa(n)
		case forMeasure:
			return strings.Repeat("x", maxLen)
		}
		return ""
	}
	list := make([]settings.Issuer, len(p.Issuers))
	for i, is := range p.Issuers {
		if is.OIDC != nil {
			o := settings.OIDCIssuer(*is.OIDC)
			if o.Audiences == nil {
				o.Audiences = []string{} // settings reads a null as a mistake of its own
			}
			list[i].OIDC = &o
		}
		c := is.Cognito
		if c == nil {
			continue
		}
		s := &settings.CognitoIssuer{TokenUses: c.TokenUses, JWKSURL: c.JWKSURL, ClientIDs: []string{}}
		var poolID *string
		if c.UserPool != nil {
			poolID = c.UserPool.UserPoolId()
		}
		s.UserPoolID = resolve(poolID, placeholderUserPoolID, maxUserPoolIDLen)
		for _, id := range c.ClientIDs {
			s.ClientIDs = append(s.ClientIDs, resolve(id, placeholderClientID, maxClientIDLen))
		}
		list[i].Cognito = s
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(list); err != nil {
		// Strings, slices and pointers only: Encode cannot fail.
		panic(fmt.Sprintf("cognitoauth: encoding the issuers: %v", err))
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// issuersHaveTokens reports whether ISSUERS holds values known only at
// deploy time, which a file written at synth cannot.
func (p Props) issuersHaveTokens() bool {
	return *awscdk.Token_IsUnresolved(jsii.String(p.issuersJSON(forDeploy)))
}

// issuersInFile reports whether ISSUERS does not fit in the environment,
// at the longest the deploy-time values can be, so that the issuers are
// shipped in IssuersFileName instead.
func (p Props) issuersInFile() bool {
	return len(p.Issuers) > 0 && environmentSize(p.environment(forMeasure)) > maxEnvironment
}

// environmentSize is the size of env as Lambda's API receives it, a JSON
// object of names and values (quotes and escapes included, so that it errs
// on the large side).
func environmentSize(env map[string]*string) int {
	b, err := json.Marshal(env)
	if err != nil {
		panic(fmt.Sprintf("cognitoauth: encoding the environment: %v", err))
	}
	return len(b)
}

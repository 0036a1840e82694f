package cognitoauth

import (
	"fmt"
	"maps"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gatehouse-dev/cognito-authorizer/internal/apispec"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
)

// The function's answers to an HTTP API (HTTP_API_RESPONSE), as strings a
// module outside this repository can name.
const (
	HTTPSimple = settings.HTTPAPISimple // {"isAuthorized": ..., "context": ...}, per route
	HTTPIAM    = settings.HTTPAPIIAM    // an IAM policy over every rule's route
)

// HTTPProps configures the authorizer of an HTTP API (NewHTTP, AttachHTTP).
type HTTPProps struct {
	// HttpApi is the API whose routes the authorizer guards: an HttpApi of
	// the stack or one imported with awsapigatewayv2.HttpApi_FromHttpApiAttributes.
	// Required.
	HttpApi awsapigatewayv2.IHttpApi
	// Response is how the function answers the API's payload 2.0 events,
	// HTTP_API_RESPONSE: HTTPSimple (the default: allowed or
	// not, for the request's route) or HTTPIAM (a policy over
	// every route rule's resource, a function of the token alone). The
	// function answers every HTTP API one way: the attachments of one
	// Authorizer must agree.
	Response string
	// CacheTTL is how long API Gateway reuses an answer (default the
	// Props' CacheTTL, itself 5 minutes by default; at most an hour;
	// awscdk.Duration_Seconds(0) turns the cache off). The cache key is
	// HTTPIdentitySource's list.
	CacheTTL awscdk.Duration
	// AuthorizerName is the authorizer's name in the API (default the id).
	AuthorizerName string
}

// HTTPAuthorizer is the function as an HTTP API's Lambda authorizer.
type HTTPAuthorizer struct {
	// Route is what a route takes as its authorizer
	// (awsapigatewayv2.AddRoutesOptions.Authorizer, HttpRouteProps.Authorizer):
	// CUSTOM authorization by Authorizer. Use it on routes of HttpApi only.
	Route awsapigatewayv2.IHttpRouteAuthorizer
	// Authorizer is the AWS::ApiGatewayV2::Authorizer: REQUEST, payload
	// format 2.0.
	Authorizer awsapigatewayv2.HttpAuthorizer
	// Response is HTTP_API_RESPONSE: HTTPSimple or HTTPIAM.
	Response string
	// IdentitySource is the authorizer's identity sources, as
	// HTTPIdentitySource gives them.
	IdentitySource []string
}

// HTTPIdentitySource is the identity sources of an HTTP API's authorizer
// (API Gateway's cache key), apispec.HTTPIdentitySources: the token's header
// and, when the answer is simple and route rules are on, the request's
// route, method and path, on which the answer then depends.
func HTTPIdentitySource(tokenHeader, response string, routeRules bool) []string {
	return apispec.HTTPIdentitySources(tokenHeader, response == settings.HTTPAPISimple, routeRules)
}

// NewHTTP adds the authorizer under scope for an HTTP API: the function,
// its role and log group as New makes them, and the API's Lambda
// authorizer (HTTP). It makes no REST authorizer, which would fail
// synthesis unattached; Props.RestApi and Props.Type are for New. It
// panics on props the function would refuse at start-up, as New does.
func NewHTTP(scope constructs.Construct, id string, props *Props, http *HTTPProps) *Authorizer {
	p := props.withDefaults()
	if err := p.checkForHTTP(http); err != nil {
		panic(fmt.Sprintf("cognitoauth.NewHTTP: %v", err))
	}
	a := newFunction(scope, id, p, "cognitoauth.NewHTTP")
	a.HTTP = a.attachHTTP("HttpAuthorizer", http)
	return a
}

// CheckHTTP reports every problem NewHTTP would panic on, each starting
// with the variable or the field at fault.
func (props *Props) CheckHTTP(http *HTTPProps) error {
	return props.withDefaults().checkForHTTP(http)
}

// checkForHTTP is check, and checkHTTP of a first attachment, for NewHTTP.
func (p Props) checkForHTTP(http *HTTPProps) error {
	var errs []error
	if err := p.check(); err != nil {
		errs = append(errs, err)
	}
	if p.RestApi != nil {
		errs = append(errs, fmt.Errorf("RestApi: gateway responses are a REST API's, and NewHTTP makes no REST authorizer: use New, then AttachHTTP, for both"))
	}
	if err := p.checkHTTP(http, ""); err != nil {
		errs = append(errs, err)
	}
	return joinUnique(errs)
}

// AttachHTTP makes the function the Lambda authorizer of another HTTP API
// (or of one beside the REST API New attached it to): an
// AWS::ApiGatewayV2::Authorizer named id under the construct, payload
// format 2.0, simple responses or IAM policies as http.Response says and
// the function's HTTP_API_RESPONSE follows, identity sources as
// HTTPIdentitySource gives them, and the permission for API Gateway to
// invoke the function through that authorizer only. It panics on props
// the function or API Gateway would refuse, or on a Response other than
// an earlier attachment's.
func (a *Authorizer) AttachHTTP(id string, http *HTTPProps) *HTTPAuthorizer {
	if err := a.props.checkHTTP(http, a.httpResponse); err != nil {
		panic(fmt.Sprintf("cognitoauth.AttachHTTP: %v", err))
	}
	return a.attachHTTP(id, http)
}

// httpDefaults returns h with its defaults filled in from p.
func (p Props) httpDefaults(h *HTTPProps) HTTPProps {
	var out HTTPProps
	if h != nil {
		out = *h
	}
	if out.Response == "" {
		out.Response = settings.HTTPAPISimple
	}
	if out.CacheTTL == nil {
		out.CacheTTL = p.CacheTTL
	}
	return out
}

// httpEnvironment is what an HTTP API's events need of the function's
// environment beyond what New sets: HTTP_API_RESPONSE, and TOKEN_HEADER
// when it is not the default (New sets it for REQUEST authorizers only).
func (p Props) httpEnvironment(response string) map[string]*string {
	env := map[string]*string{settings.EnvHTTPAPIResponse: jsii.String(response)}
	if p.TokenHeader != settings.DefaultTokenHeader {
		env[settings.EnvTokenHeader] = jsii.String(p.TokenHeader)
	}
	return env
}

// checkHTTP reports what attaching h would panic on, each problem starting
// with the field or variable at fault: attached is the response an earlier
// attachment set ("" for none).
func (p Props) checkHTTP(props *HTTPProps, attached string) error {
	h := p.httpDefaults(props)
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if h.HttpApi == nil {
		add("HttpApi: required")
	}
	switch h.Response {
	case settings.HTTPAPISimple, settings.HTTPAPIIAM:
		if attached != "" && attached != h.Response {
			add("Response: %q, but the function already answers an HTTP API %q (%s): one function answers every HTTP API one way", h.Response, attached, settings.EnvHTTPAPIResponse)
		}
	default:
		add("Response: %q: want %s or %s", h.Response, settings.HTTPAPISimple, settings.HTTPAPIIAM)
	}
	// The token header, the rest of the environment and the function's
	// own validation are check's (New's, NewHTTP's).
	p.checkCacheTTL(h.CacheTTL, add)

	// What an HTTP API adds to the environment must fit Lambda's 4 KB.
	extra := p.httpEnvironment(h.Response)
	measure := p.environment(forMeasure)
	if p.issuersInFile() {
		delete(measure, settings.EnvIssuers)
		measure[settings.EnvIssuersFile] = jsii.String(TaskRoot + "/" + IssuersFileName)
	}
	maps.Copy(measure, extra)
	if size := environmentSize(measure); size > maxEnvironment {
		names := make([]string, 0, len(extra))
		for name := range extra {
			names = append(names, name)
		}
		add("%s: the environment could reach %d bytes with it, more than Lambda's 4 KB", strings.Join(names, ", "), size)
	}
	return joinUnique(errs)
}

// attachHTTP adds the authorizer of h.HttpApi, checked beforehand.
func (a *Authorizer) attachHTTP(id string, props *HTTPProps) *HTTPAuthorizer {
	p := a.props
	h := p.httpDefaults(props)
	for name, v := range p.httpEnvironment(h.Response) {
		a.Function.AddEnvironment(jsii.String(name), v, nil)
	}
	a.httpResponse = h.Response

	routeRules := p.RouteRules != "" || p.RouteRulesFile != ""
	sources := HTTPIdentitySource(p.TokenHeader, h.Response, routeRules)
	name := h.AuthorizerName
	if name == "" {
		name = id
	}
	stack := awscdk.Stack_Of(a.Construct)
	auth := awsapigatewayv2.NewHttpAuthorizer(a.Construct, jsii.String(id), &awsapigatewayv2.HttpAuthorizerProps{
		HttpApi:        h.HttpApi,
		Type:           awsapigatewayv2.HttpAuthorizerType_LAMBDA,
		AuthorizerName: jsii.String(name),
		// The function's ARN in API Gateway's URI for Lambda, as the
		// CDK's HttpLambdaAuthorizer writes it.
		AuthorizerUri: jsii.String(fmt.Sprintf("arn:%s:apigateway:%s:lambda:path/2015-03-31/functions/%s/invocations",
			*stack.Partition(), *stack.Region(), *a.Function.FunctionArn())),
		// HttpLambdaAuthorizer would send IAM authorizers payload 1.0:
		// the function reads 2.0 events, whatever it answers.
		PayloadFormatVersion:  awsapigatewayv2.AuthorizerPayloadVersion_VERSION_2_0,
		EnableSimpleResponses: jsii.Bool(h.Response == settings.HTTPAPISimple),
		IdentitySource:        jsii.Strings(sources...),
		ResultsCacheTtl:       h.CacheTTL,
	})
	// API Gateway may invoke the function as this authorizer only.
	a.Function.AddPermission(jsii.String(id+"Invoke"), &awslambda.Permission{
		Principal: awsiam.NewServicePrincipal(jsii.String("apigateway.amazonaws.com"), nil),
		Action:    jsii.String("lambda:InvokeFunction"),
		SourceArn: stack.FormatArn(&awscdk.ArnComponents{
			Service:      jsii.String("execute-api"),
			Resource:     h.HttpApi.ApiId(),
			ResourceName: jsii.String("authorizers/" + *auth.AuthorizerId()),
		}),
	})
	route := awsapigatewayv2.HttpAuthorizer_FromHttpAuthorizerAttributes(a.Construct, jsii.String(id+"Route"), &awsapigatewayv2.HttpAuthorizerAttributes{
		AuthorizerId:   auth.AuthorizerId(),
		AuthorizerType: jsii.String("CUSTOM"),
	})
	return &HTTPAuthorizer{Route: route, Authorizer: auth, Response: h.Response, IdentitySource: sources}
}

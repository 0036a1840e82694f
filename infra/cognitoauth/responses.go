package cognitoauth

import (
	"errors"
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gatehouse-dev/cognito-authorizer/internal/apispec"
)

// UnavailableBody is the body of the 503 answers (apispec.UnavailableBody).
// template.yaml carries the same body, and a test keeps the two equal.
const UnavailableBody = apispec.UnavailableBody

// RetryAfterSeconds is the Retry-After of the 503 answers.
const RetryAfterSeconds = apispec.RetryAfterSeconds

// addGatewayResponses makes API Gateway's answers to authorizer outcomes
// say what a client should do (apispec.GatewayResponses): 401 (sign in,
// with RFC 6750's WWW-Authenticate), 403 (signed in, not allowed), and 503
// when the authorizer itself failed (retry later, do not sign in again; API
// Gateway answers 500 by default).
func addGatewayResponses(scope constructs.Construct, api awsapigateway.IRestApi) {
	ids := map[string]string{
		apispec.ResponseUnauthorized:                 "Unauthorized",
		apispec.ResponseAccessDenied:                 "AccessDenied",
		apispec.ResponseAuthorizerFailure:            "AuthorizerFailure",
		apispec.ResponseAuthorizerConfigurationError: "AuthorizerConfigurationError",
	}
	for _, r := range apispec.GatewayResponses() {
		props := &awsapigateway.GatewayResponseProps{
			RestApi:    api,
			Type:       awsapigateway.ResponseType_Of(jsii.String(r.Type)),
			StatusCode: jsii.String(strconv.Itoa(r.StatusCode)),
			Templates:  &map[string]*string{"application/json": jsii.String(r.Body)},
		}
		if len(r.Headers) > 0 {
			// Header values are mapping expressions: a literal is quoted.
			headers := make(map[string]*string, len(r.Headers))
			for k, v := range r.Headers {
				headers[k] = jsii.String("'" + v + "'")
			}
			props.ResponseHeaders = &headers
		}
		// The ids of the first four stay as they were deployed (a new id
		// replaces the resource); a type added later is named by itself.
		id := ids[r.Type]
		if id == "" {
			id = r.Type
		}
		awsapigateway.NewGatewayResponse(scope, jsii.String(id), props)
	}
}

// joinUnique joins errs, flattening joined errors and reporting each
// message once (LOG_LEVEL, say, is read by two loaders).
func joinUnique(errs []error) error {
	var out []error
	seen := map[string]bool{}
	for _, err := range errs {
		list := []error{err}
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			list = j.Unwrap()
		}
		for _, e := range list {
			if !seen[e.Error()] {
				seen[e.Error()] = true
				out = append(out, e)
			}
		}
	}
	return errors.Join(out...)
}

package cognitoauth

import (
	"errors"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Gateway response bodies are JSON like the endpoints' own errors.
// messageString is the message already quoted as a JSON string: API
// Gateway's "Unauthorized" for 401, its access-denied message for 403.
const errorTemplate = `{"message":$context.error.messageString}`

// UnavailableBody is the body of the 503 answers. What API Gateway
// documents of $context.error.messageString does not cover authorizer
// failures, so these say what they mean themselves. template.yaml carries
// the same body, and a test keeps the two equal.
const UnavailableBody = `{"message":"Authorization is temporarily unavailable; retry later"}`

// RetryAfterSeconds is the Retry-After of the 503 answers.
const RetryAfterSeconds = "5"

// addGatewayResponses makes API Gateway's answers to authorizer outcomes
// say what a client should do: 401 (sign in, with RFC 6750's
// WWW-Authenticate), 403 (signed in, not allowed), and 503 when the
// authorizer itself failed (retry later, do not sign in again; API Gateway
// answers 500 by default).
func addGatewayResponses(scope constructs.Construct, api awsapigateway.IRestApi) {
	// Header values are mapping expressions: a literal is quoted.
	retry := map[string]*string{"Retry-After": jsii.String("'" + RetryAfterSeconds + "'")}
	responses := []struct {
		id      string
		typ     awsapigateway.ResponseType
		status  string
		body    string
		headers map[string]*string
	}{
		{"Unauthorized", awsapigateway.ResponseType_UNAUTHORIZED(), "401", errorTemplate,
			map[string]*string{"WWW-Authenticate": jsii.String("'Bearer'")}},
		{"AccessDenied", awsapigateway.ResponseType_ACCESS_DENIED(), "403", errorTemplate, nil},
		{"AuthorizerFailure", awsapigateway.ResponseType_AUTHORIZER_FAILURE(), "503", UnavailableBody, retry},
		{"AuthorizerConfigurationError", awsapigateway.ResponseType_AUTHORIZER_CONFIGURATION_ERROR(), "503", UnavailableBody, retry},
	}
	for _, r := range responses {
		props := &awsapigateway.GatewayResponseProps{
			RestApi:    api,
			Type:       r.typ,
			StatusCode: jsii.String(r.status),
			Templates:  &map[string]*string{"application/json": jsii.String(r.body)},
		}
		if r.headers != nil {
			props.ResponseHeaders = &r.headers
		}
		awsapigateway.NewGatewayResponse(scope, jsii.String(r.id), props)
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

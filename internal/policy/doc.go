// Package policy turns an API Gateway methodArn and, optionally, route rules
// into the IAM policy a REST API Lambda authorizer returns.
//
// It imports the standard library only, so that the CDK app in infra/ can
// use it to validate rules before deploying them.
//
// A methodArn is parsed strictly by ParseMethodARN into a MethodARN; its
// errors never quote the input, which may carry a token in its path. Without
// route rules the answer is ScopedDocument: Allow or Deny over the whole
// stage or over the methodArn alone.
package policy

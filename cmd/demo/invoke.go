package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/apigwtest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/lambdatest"
)

// answer is what an authorizer invocation came to, in API Gateway's terms.
type answer struct {
	Outcome   string // Allow, Deny 403, Unauthorized 401, Error 500
	Principal string
	Context   map[string]any
	Rule      string // the route rule that decided, from the log line
	Reason    string // from the authorizer's log line
	Took      string // handler time, from the same line
}

// invoke sends c's event, with its token in place of {{token}} and its
// method and path in the methodArn, to the function, and reads the answer,
// as API Gateway evaluates its policy for that methodArn, and the
// authorizer's log line for it.
func invoke(ctx context.Context, fn *lambdatest.Function, logs *lambdatest.Output, eventsDir string, c demoCase) (answer, error) {
	ev, err := apigwtest.ReadEvent(filepath.Join(eventsDir, c.event), c.token)
	if err != nil {
		return answer{}, err
	}
	var fields map[string]any
	if err := json.Unmarshal(ev, &fields); err != nil {
		return answer{}, fmt.Errorf("%s: %w", c.event, err)
	}
	methodARN, _ := fields["methodArn"].(string)
	if c.method != "" {
		methodARN = stagePrefix + c.method + c.path
		fields["methodArn"] = methodARN
		if ev, err = json.Marshal(fields); err != nil {
			return answer{}, err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	res, err := fn.Invoke(ctx, ev)
	if err != nil {
		return answer{}, err
	}
	var a answer
	switch {
	case res.Error != nil && res.Error.Message == "Unauthorized":
		a.Outcome = "Unauthorized 401"
	case res.Error != nil:
		a.Outcome = "Error 500"
	default:
		var resp events.APIGatewayCustomAuthorizerResponse
		if err := json.Unmarshal(res.Payload, &resp); err != nil {
			return answer{}, fmt.Errorf("decoding the answer: %w", err)
		}
		a.Outcome, a.Principal, a.Context = "Allow", resp.PrincipalID, resp.Context
		if !apigwtest.Allows(resp.PolicyDocument, methodARN) {
			a.Outcome = "Deny 403"
		}
	}
	a.Rule, a.Reason, a.Took = decision(ctx, logs, res.RequestID)
	return a, nil
}

// decision returns the rule, reason and handler time of the authorizer's
// log line for requestID. The line may reach the pipe a moment after the
// answer.
func decision(ctx context.Context, logs *lambdatest.Output, requestID string) (rule, reason, took string) {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	line, err := logs.Line(ctx, requestID)
	if err != nil || line["msg"] != "authorizer decision" {
		return "", "", "?"
	}
	rule, _ = line["route"].(string)
	reason, _ = line["reason"].(string)
	// The line says "none" (a metric dimension's value) where the table
	// shows a dash: no rule matched, or no reason for an Allow.
	if rule == "none" {
		rule = ""
	}
	if reason == "none" {
		reason = ""
	}
	ms, _ := line["duration_ms"].(float64)
	return rule, reason, fmt.Sprintf("%.2f ms", ms)
}

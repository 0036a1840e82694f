package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/apigwtest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/cognitotest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/lambdatest"
)

// httpCase is one HTTP API request (payload 2.0) and what each kind of
// answer must say of it.
type httpCase struct {
	name         string
	method, path string // the request; its route key is the rule's route
	routeKey     string
	token        string
	simple, iam  string // Allow, Deny 403, Unauthorized 401
	reason       string
}

// httpAPI runs the binary as an HTTP API's authorizer (payload 2.0), once
// with HTTP_API_RESPONSE=simple and once with iam, with the first part's
// pool and rules, and says whether each case got the answers it should.
func httpAPI(ctx context.Context, w io.Writer, binary, eventsDir, rules, jwksURL string, pool *cognitotest.Pool, verbose bool) (ok bool, n int, err error) {
	fns := map[string]*lambdatest.Function{}
	logs := map[string]*lambdatest.Output{}
	for _, kind := range []string{settings.HTTPAPISimple, settings.HTTPAPIIAM} {
		logs[kind] = &lambdatest.Output{}
		fn, err := lambdatest.StartFunction(ctx, binary, map[string]string{
			settings.EnvUserPoolID:      poolID,
			settings.EnvClientIDs:       clientID,
			settings.EnvJWKSURL:         jwksURL,
			settings.EnvRouteRules:      rules,
			settings.EnvHTTPAPIResponse: kind,
		}, logs[kind])
		if err != nil {
			return false, 0, err
		}
		defer fn.Stop()
		fns[kind] = fn
	}
	fmt.Fprintf(w, "\nThe same binary as an HTTP API's authorizer (payload 2.0 events from %s, stage $default),\n", filepath.Join(eventsDir, "http-api.json"))
	fmt.Fprintf(w, "answering %s=simple ({\"isAuthorized\": ...}, per route) and =iam (the REST policy);\n", settings.EnvHTTPAPIResponse)
	fmt.Fprintf(w, "a missing header never reaches it (HTTP API answers 401 itself):\n\n")

	now := time.Now()
	token := func(u cognitotest.User, at time.Time) string {
		tok, terr := pool.IDToken(u, at)
		if terr != nil && err == nil {
			err = terr
		}
		return tok
	}
	cases := []httpCase{
		{"alice, writer", "POST", "/add-note", "POST /add-note", token(alice, now), "Allow", "Allow", ""},
		{"bob, no group", "POST", "/add-note", "POST /add-note", token(bob, now), "Deny 403", "Deny 403", "missing_group"},
		{"bob: rule without conditions", "GET", "/notes", "GET /notes", token(bob, now), "Allow", "Allow", ""},
		{"alice, her own notes", "GET", "/users/" + alice.Sub + "/notes", "GET /users/{userId}/notes", token(alice, now), "Allow", "Allow", ""},
		{"alice, bob's notes", "GET", "/users/" + bob.Sub + "/notes", "GET /users/{userId}/notes", token(alice, now), "Deny 403", "Deny 403", "not_owner"},
		{"expired token", "POST", "/add-note", "POST /add-note", token(alice, now.Add(-2*time.Hour)), "Unauthorized 401", "Unauthorized 401", "expired"},
	}
	if err != nil {
		return false, 0, err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CASE\tREQUEST\tSIMPLE\tIAM\tREASON\t")
	ok = true
	for _, c := range cases {
		ev, err := httpEvent(eventsDir, c)
		if err != nil {
			return false, 0, err
		}
		simple, reason, err := invokeHTTP(ctx, fns[settings.HTTPAPISimple], logs[settings.HTTPAPISimple], ev)
		if err != nil {
			return false, 0, fmt.Errorf("%s: %w", c.name, err)
		}
		iam, _, err := invokeHTTP(ctx, fns[settings.HTTPAPIIAM], logs[settings.HTTPAPIIAM], ev)
		if err != nil {
			return false, 0, fmt.Errorf("%s: %w", c.name, err)
		}
		mark := ""
		if simple != c.simple || iam != c.iam || reason != c.reason {
			ok = false
			mark = fmt.Sprintf("  <-- want %s / %s %s", c.simple, c.iam, c.reason)
		}
		fmt.Fprintf(tw, "%s\t%s %s\t%s\t%s\t%s\t%s\n", c.name, c.method, shownPath(c), simple, iam, dash(reason), mark)
	}
	tw.Flush()
	if verbose {
		fmt.Fprintf(w, "\nThe authorizer's log (HTTP API, simple):\n%s", logs[settings.HTTPAPISimple].String())
	}
	return ok, len(cases), nil
}

// shownPath names a user's id in a path by the user's name.
func shownPath(c httpCase) string {
	for _, u := range []cognitotest.User{alice, bob} {
		if strings.Contains(c.path, u.Sub) {
			return strings.Replace(c.path, u.Sub, "{"+u.Username+"}", 1)
		}
	}
	return c.path
}

// httpEvent is events/http-api.json with c's token, method, path and route.
func httpEvent(eventsDir string, c httpCase) ([]byte, error) {
	raw, err := apigwtest.ReadEvent(filepath.Join(eventsDir, "http-api.json"), c.token)
	if err != nil {
		return nil, err
	}
	var ev events.APIGatewayV2CustomAuthorizerV2Request
	if err := json.Unmarshal(raw, &ev); err != nil {
		return nil, fmt.Errorf("http-api.json: %w", err)
	}
	prefix, _, found := strings.Cut(ev.RouteArn, "/$default/")
	if !found {
		return nil, fmt.Errorf("http-api.json: routeArn %q is not on the $default stage", ev.RouteArn)
	}
	ev.RouteArn = prefix + "/$default/" + c.method + c.path
	ev.RouteKey, ev.RawPath = c.routeKey, c.path
	ev.RequestContext.RouteKey = c.routeKey
	ev.RequestContext.HTTP.Method, ev.RequestContext.HTTP.Path = c.method, c.path
	return json.Marshal(ev)
}

// invokeHTTP sends ev to fn and reads its answer as an HTTP API does:
// isAuthorized, or the policy evaluated for the routeArn; and the reason
// of its log line.
func invokeHTTP(ctx context.Context, fn *lambdatest.Function, logs *lambdatest.Output, ev []byte) (outcome, reason string, err error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	res, err := fn.Invoke(ctx, ev)
	if err != nil {
		return "", "", err
	}
	_, reason, _ = decision(ctx, logs, res.RequestID)
	switch {
	case res.Error != nil && res.Error.Message == "Unauthorized":
		return "Unauthorized 401", reason, nil
	case res.Error != nil:
		return "Error 500", reason, nil
	}
	var answer struct {
		IsAuthorized   *bool                                    `json:"isAuthorized"`
		PolicyDocument *events.APIGatewayCustomAuthorizerPolicy `json:"policyDocument"`
	}
	if err := json.Unmarshal(res.Payload, &answer); err != nil {
		return "", "", fmt.Errorf("decoding the answer: %w", err)
	}
	var routeArn struct {
		RouteArn string `json:"routeArn"`
	}
	_ = json.Unmarshal(ev, &routeArn)
	allowed := false
	switch {
	case answer.IsAuthorized != nil:
		allowed = *answer.IsAuthorized
	case answer.PolicyDocument != nil:
		allowed = apigwtest.Allows(*answer.PolicyDocument, routeArn.RouteArn)
	default:
		return "", "", fmt.Errorf("answer %s is neither simple nor a policy", res.Payload)
	}
	if allowed {
		return "Allow", reason, nil
	}
	return "Deny 403", reason, nil
}

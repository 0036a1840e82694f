package authorizer_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/gatehouse-dev/cognito-authorizer/internal/authorizer"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/apigwtest"
)

// FuzzHTTPEvent feeds HandleEvent payload 2.0 events (and whatever the
// fuzzer makes of them) under the sample API's route rules, answered
// simply or with IAM policies. Whatever the input: no panic, one log line,
// the errors Unauthorized or unavailable only, and an answer only for the
// one token the fixture minted, carried in the authorization header, with
// resources on the routeArn's API and stage.
func FuzzHTTPEvent(f *testing.F) {
	rules, err := os.ReadFile("../../events/rules.json")
	if err != nil {
		f.Fatal(err)
	}
	fx := newFixture(f, map[string]string{settings.EnvRouteRules: string(rules)})
	token := fx.idToken(f)
	handlers := map[bool]*authorizer.Handler{false: fx.httpHandler(f, settings.HTTPAPISimple), true: fx.httpHandler(f, settings.HTTPAPIIAM)}
	sample, err := os.ReadFile("../../events/http-api.json")
	if err != nil {
		f.Fatal(err)
	}
	seeds := [][]byte{
		apigwtest.FillToken(sample, token),
		httpEvent("POST", "/add-note", "POST /add-note", bearer(token+"x")),
		httpEvent("POST", "/add-note", "POST /add-note", bearer("")),
		httpEvent("GET", "/users/"+alice.Sub+"/notes", "$default", bearer(token)),
		httpEvent("DELETE", "/admin/users/%2e%2e/1", "ANY /admin/{proxy+}", map[string]string{"Authorization": token}),
		httpEvent("GET", "/", "$default", map[string]string{"authorization": "Bearer " + token + "," + token}),
		httpEvent("GET", "/notes", "GET /notes", map[string]string{"authorization": "Bearer " + token, "AUTHORIZATION": "Bearer " + token}),
		[]byte(`{"version":"2.0","type":"REQUEST","routeArn":"arn:aws:execute-api:eu-west-1:123456789012:a/$default/GET/","rawPath":"/","headers":{"authorization":null}}`),
		[]byte(`{"version":"2.0","type":"REQUEST","headers":{"authorization":"` + token + `"}}`),
		[]byte(`{"version":"1.0","type":"REQUEST"}`),
		[]byte(`{"version":"2.0"}`),
		[]byte(`null`),
	}
	for _, s := range seeds {
		f.Add(s, false)
		f.Add(s, true)
	}
	sig := token[strings.LastIndexByte(token, '.')+1:]
	f.Fuzz(func(t *testing.T, ev []byte, iam bool) {
		fx.logs.Reset()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		resp, err := handlers[iam].HandleEvent(ctx, ev)
		logs := fx.logs.String()
		if strings.Contains(logs, `"reason":"panic"`) {
			t.Fatalf("HandleEvent() panicked:\n%s", logs)
		}
		if n := strings.Count(logs, "\n"); n != 1 {
			t.Fatalf("%d log lines, want 1:\n%s", n, logs)
		}
		if err != nil {
			if resp != nil || !errors.Is(err, authorizer.ErrUnauthorized) && !errors.Is(err, authorizer.ErrUnavailable) {
				t.Fatalf("HandleEvent() = %#v, %v, want no answer and Unauthorized or unavailable", resp, err)
			}
			return
		}
		// An answer, even a Deny, is for a verified token: the minted one.
		if !bytes.Contains(ev, []byte(sig)) {
			t.Fatalf("HandleEvent(%q) answered %#v for an event without the minted token", ev, resp)
		}
		var principal string
		var doc *events.APIGatewayCustomAuthorizerPolicy
		switch a := resp.(type) {
		case events.APIGatewayV2CustomAuthorizerSimpleResponse:
			if iam {
				t.Fatalf("a simple answer from the IAM handler")
			}
			principal, _ = a.Context["sub"].(string)
			if a.IsAuthorized != strings.Contains(logs, `"decision":"allow"`) {
				t.Fatalf("isAuthorized %v, log %s", a.IsAuthorized, logs)
			}
		case events.APIGatewayV2CustomAuthorizerIAMPolicyResponse:
			if !iam {
				t.Fatalf("an IAM answer from the simple handler")
			}
			principal, doc = a.PrincipalID, &a.PolicyDocument
		case events.APIGatewayCustomAuthorizerResponse:
			return // not a payload 2.0 event: FuzzEvent's
		default:
			t.Fatalf("HandleEvent() = %T", resp)
		}
		if principal != alice.Sub {
			t.Fatalf("answered principal %q", principal)
		}
		var typed events.APIGatewayV2CustomAuthorizerV2Request
		if err := json.Unmarshal(ev, &typed); err != nil {
			t.Fatalf("answered an event that does not decode: %v", err)
		}
		var values []string
		for k, v := range typed.Headers {
			if strings.EqualFold(k, "authorization") {
				values = append(values, v)
			}
		}
		if len(values) == 0 {
			t.Fatalf("answered without an authorization header: %v", typed.Headers)
		}
		for _, v := range values {
			v = strings.Trim(v, " \t")
			if scheme, rest, ok := strings.Cut(v, " "); ok && strings.EqualFold(scheme, "bearer") {
				v = strings.TrimLeft(rest, " ")
			}
			if v != token {
				t.Fatalf("answered for the header %q, which is not the minted token", v)
			}
		}
		if doc == nil {
			return
		}
		// arn:...:<api>/<stage>/: the resources' common prefix.
		i := strings.Index(typed.RouteArn, "/")
		j := strings.Index(typed.RouteArn[i+1:], "/")
		if i < 0 || j < 0 {
			t.Fatalf("answered for routeArn %q", typed.RouteArn)
		}
		prefix := typed.RouteArn[:i+1+j+1]
		for _, st := range doc.Statement {
			for _, res := range st.Resource {
				if !strings.HasPrefix(res, prefix) {
					t.Fatalf("resource %q is not on the routeArn's API and stage %q", res, prefix)
				}
			}
		}
	})
}

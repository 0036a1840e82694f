package authorizer_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/gatehouse-dev/cognito-authorizer/internal/authorizer"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/apigwtest"
)

// checkAnswer is what every answer must satisfy, whatever the input: one of
// the two errors, or a policy for the one user whose tokens the fixture mints,
// over an execute-api resource.
func checkAnswer(t *testing.T, resp events.APIGatewayCustomAuthorizerResponse, err error) {
	t.Helper()
	if err != nil {
		if !errors.Is(err, authorizer.ErrUnauthorized) && !errors.Is(err, authorizer.ErrUnavailable) {
			t.Fatalf("Handle() error = %v, want Unauthorized or unavailable", err)
		}
		return
	}
	if resp.PrincipalID != alice.Sub {
		t.Fatalf("Handle() allowed principal %q", resp.PrincipalID)
	}
	res := resp.PolicyDocument.Statement[0].Resource[0]
	if !strings.HasPrefix(res, "arn:") || !strings.HasSuffix(res, "/*/*") {
		t.Fatalf("policy resource = %q", res)
	}
}

func FuzzEvent(f *testing.F) {
	fx := newFixture(f, nil)
	token := fx.idToken(f)
	files, _ := filepath.Glob("../../events/*.json")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(apigwtest.FillToken(b, token))
	}
	f.Add([]byte(tokenEvent("Bearer " + token)))
	f.Add([]byte(requestEvent(map[string]string{"authorization": token}, nil)))
	f.Add([]byte(`{"type":"REQUEST","methodArn":"arn:aws:execute-api:r:123456789012:a/s/GET/","multiValueHeaders":{"Authorization":[]}}`))
	f.Add([]byte(`{"type":"TOKEN","authorizationToken":null,"methodArn":1}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, ev []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		// The Lambda function's entry: an HTTP API's payload 2.0 event (in
		// events/) gets its own answer, held to the same rules.
		resp, err := fx.handler.HandleEvent(ctx, ev)
		switch r := resp.(type) {
		case events.APIGatewayV2CustomAuthorizerSimpleResponse:
			if err != nil || r.IsAuthorized && r.Context["sub"] != alice.Sub {
				t.Fatalf("HandleEvent() = %+v, %v", r, err)
			}
		case events.APIGatewayV2CustomAuthorizerIAMPolicyResponse:
			t.Fatalf("HandleEvent() answered an IAM policy to a payload 2.0 event with simple answers: %+v", r)
		default:
			rest, _ := resp.(events.APIGatewayCustomAuthorizerResponse)
			checkAnswer(t, rest, err)
		}
		if strings.Contains(fx.logs.String(), `"reason":"panic"`) {
			t.Fatalf("Handle() panicked:\n%s", fx.logs)
		}
		fx.logs.Reset()
	})
}

func FuzzTokenExtraction(f *testing.F) {
	fx := newFixture(f, nil)
	token := fx.idToken(f)
	for _, s := range []string{"Bearer " + token, token, "bearer  " + token, "Basic " + token, "Bearer", "",
		"Bearer a.b.c", "Bearer " + token + "x", " \t", "Bearer\t" + token, "Bearer " + token + "\r", token + "\n", "\u00a0" + token} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, value string, inHeader bool) {
		ev := tokenEvent(value)
		if inHeader {
			ev = requestEvent(map[string]string{"Authorization": value}, nil)
		}
		resp, err := fx.handler.Handle(context.Background(), ev)
		checkAnswer(t, resp, err)
		// Only the minted token, with or without its scheme, between
		// spaces and tabs only, is allowed.
		if err == nil {
			v := strings.Trim(value, " \t")
			if scheme, rest, ok := strings.Cut(v, " "); ok && strings.EqualFold(scheme, "bearer") {
				v = strings.TrimLeft(rest, " ")
			}
			if v != token {
				t.Fatalf("Handle(%q) allowed a value that is not the minted token", value)
			}
		}
		fx.logs.Reset()
	})
}

func TestEventFilesDecode(t *testing.T) {
	files, err := filepath.Glob("../../events/*.json")
	if err != nil {
		t.Fatal(err)
	}
	var seen int
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		var probe struct {
			Type    string `json:"type"`
			Version string `json:"version"`
		}
		if err := json.Unmarshal(b, &probe); err != nil || (probe.Type != "TOKEN" && probe.Type != "REQUEST") {
			continue // not an authorizer event
		}
		if probe.Version == "2.0" {
			continue // an HTTP API's payload 2.0 event: TestHTTPEventFilesDecode
		}
		seen++
		t.Run(filepath.Base(name), func(t *testing.T) {
			fx := newFixture(t, nil)
			ev := apigwtest.FillToken(b, fx.idToken(t))
			var typed events.APIGatewayCustomAuthorizerRequestTypeRequest
			dec := json.NewDecoder(bytes.NewReader(ev))
			if err := dec.Decode(&typed); err != nil {
				t.Fatalf("decoding %s: %v", name, err)
			}
			if typed.MethodArn == "" || (probe.Type == "REQUEST" && typed.Headers["Authorization"] == "") {
				t.Errorf("%s decodes to %+v, want a methodArn and, for REQUEST, an Authorization header", name, typed)
			}
			resp, err := invoke(fx, ev)
			wantAllow(t, resp, err, stageARN)
		})
	}
	if seen < 2 {
		t.Errorf("found %d authorizer events in events/, want a TOKEN and a REQUEST one", seen)
	}
}

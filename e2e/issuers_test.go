package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	idp "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/cognito-authorizer/internal/identity"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/mototest"
)

// TestTwoPools runs the real authorizer with ISSUERS listing two moto
// pools (a pool per tenant): each pool's users are verified (through their
// own pool's JWKS URL; moto signs every pool with one key, so that keys
// are kept apart is cmd/authorizer/wire's test, with pools of their own keys)
// and carry their issuer in the context; route rules apply to both alike;
// a third pool's tokens are refused.
func TestTwoPools(t *testing.T) {
	binaries := buildAll(t, "../cmd/authorizer")
	rules, err := os.ReadFile(filepath.Join("..", "events", "rules.json"))
	if err != nil {
		t.Fatal(err)
	}
	endpoint := mototest.Start(t)
	cognito := idp.NewFromConfig(mototest.Config(endpoint))

	type tenant struct {
		pool, client, issuer string
	}
	newTenant := func(name string) tenant {
		pool := createPool(t, cognito, name)
		if _, err := cognito.CreateGroup(t.Context(), &idp.CreateGroupInput{UserPoolId: &pool, GroupName: aws.String("writers")}); err != nil {
			t.Fatalf("CreateGroup error = %v", err)
		}
		return tenant{pool: pool, client: createClient(t, cognito, pool, name+"-web"), issuer: "https://cognito-idp." + mototest.Region + ".amazonaws.com/" + pool}
	}
	a, b, c := newTenant("tenant-a"), newTenant("tenant-b"), newTenant("not-ours")
	alice := signUp(t, cognito, a.pool, a.client, user{Username: "alice", Email: "alice@a.example", Password: "Correct-Horse-9-Battery"})
	addToGroup(t, cognito, a.pool, alice, "writers")
	bob := signUp(t, cognito, b.pool, b.client, user{Username: "bob", Email: "bob@b.example", Password: "Stapled-Bob-4-Battery"})
	addToGroup(t, cognito, b.pool, bob, "writers")
	dave := signUp(t, cognito, b.pool, b.client, user{Username: "dave", Email: "dave@b.example", Password: "No-Group-Dave-5-Battery"})
	carol := signUp(t, cognito, c.pool, c.client, user{Username: "carol", Email: "carol@c.example", Password: "Other-Carol-8-Battery"})

	var issuers []settings.Issuer
	for _, tn := range []tenant{a, b} {
		issuers = append(issuers, settings.Issuer{Cognito: &settings.CognitoIssuer{
			UserPoolID: tn.pool, ClientIDs: []string{tn.client},
			JWKSURL: endpoint + "/" + tn.pool + "/.well-known/jwks.json",
		}})
	}
	list, err := json.Marshal(issuers)
	if err != nil {
		t.Fatal(err)
	}
	authz := startFunction(t, binaries()[0], map[string]string{
		settings.EnvIssuers:    string(list),
		settings.EnvRouteRules: string(rules),
	})

	for _, tt := range []struct {
		name   string
		tn     tenant
		u      user
		client string
		want   string // decision: allow, or the reason of a refusal
	}{
		{"tenant A's writer", a, alice, a.client, "allow"},
		{"tenant B's writer", b, bob, b.client, "allow"},
		{"tenant B's user in no group", b, dave, b.client, "missing_group"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tok := signIn(t, cognito, tt.client, tt.u)
			for _, token := range []string{tok.ID, tok.Access} {
				ev := routeEvent(t, "token.json", token, "POST", "/add-note")
				if tt.want != "allow" {
					refused(t, authz, ev, tt.want)
					continue
				}
				resp := authorize(t, authz, ev)
				got := pick(resp.Context, []string{identity.KeySub, identity.KeyIssuer, identity.KeyUsername})
				want := map[string]any{identity.KeySub: tt.u.Sub, identity.KeyIssuer: tt.tn.issuer, identity.KeyUsername: tt.u.Username}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("context (-want +got):\n%s", diff)
				}
			}
		})
	}

	t.Run("a pool not listed", func(t *testing.T) {
		tok := signIn(t, cognito, c.client, carol)
		res, line := authz.invoke(t, routeEvent(t, "token.json", tok.ID, "POST", "/add-note"))
		if res.Error == nil || res.Error.Message != "Unauthorized" || line["reason"] != "wrong_issuer" {
			t.Errorf("answer %s, error %v, log %v: want Unauthorized, wrong_issuer", res.Payload, res.Error, line)
		}
	})
}

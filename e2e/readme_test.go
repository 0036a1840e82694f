package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	idp "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	idptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/authorizertest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/mototest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/testenv"
)

// documentation returns README.md and every page of docs/, one after the
// other.
func documentation(tb testing.TB) string {
	tb.Helper()
	pages, err := filepath.Glob("../docs/*.md")
	if err != nil {
		tb.Fatal(err)
	}
	var all strings.Builder
	for _, p := range append([]string{"../README.md"}, pages...) {
		b, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		all.Write(b)
		all.WriteString("\n")
	}
	return all.String()
}

// readmeBlock returns the first ```sh block after the heading in README.md
// or docs/.
func readmeBlock(tb testing.TB, heading string) string {
	tb.Helper()
	return readmeSh(tb, "\n"+heading+"\n", "")
}

// readmeSh returns the first ```sh block after start in README.md or a
// page of docs/, which must end before end when end is not empty.
func readmeSh(tb testing.TB, start, end string) string {
	tb.Helper()
	b := documentation(tb)
	_, after, ok := strings.Cut(b, start)
	if !ok {
		tb.Fatalf("README.md and docs/ have no %q", strings.TrimSpace(start))
	}
	if end != "" {
		if after, _, ok = strings.Cut(after, end); !ok {
			tb.Fatalf("README.md has no %q after %q", end, start)
		}
	}
	_, block, ok := strings.Cut(after, "```sh\n")
	if !ok {
		tb.Fatalf("README.md has no sh block after %q", strings.TrimSpace(start))
	}
	block, _, _ = strings.Cut(block, "```")
	return block
}

// TestREADMEUserAndTokens runs the README's AWS CLI commands that sign a
// user up, confirm them and take their tokens, against moto's Cognito with a
// pool shaped like the CDK stack's (email as the username), and checks that
// the authorizer's verifier accepts both tokens.
func TestREADMEUserAndTokens(t *testing.T) {
	awsCLI := testenv.LookPath(t, "aws", "pip install awscli")
	script := readmeBlock(t, "### A user and their tokens")
	endpoint := mototest.Start(t)
	client := idp.NewFromConfig(mototest.Config(endpoint))

	pool, err := client.CreateUserPool(t.Context(), &idp.CreateUserPoolInput{
		PoolName:               aws.String("readme"),
		UsernameAttributes:     []idptypes.UsernameAttributeType{idptypes.UsernameAttributeTypeEmail},
		AutoVerifiedAttributes: []idptypes.VerifiedAttributeType{idptypes.VerifiedAttributeTypeEmail},
	})
	if err != nil {
		t.Fatal(err)
	}
	poolID := aws.ToString(pool.UserPool.Id)
	clientID := createClient(t, client, poolID, "readme-client")

	cmd := exec.CommandContext(t.Context(), "bash", "-c",
		"set -euo pipefail\n"+script+"\nprintf '%s\\n%s\\n' \"$ID_TOKEN\" \"$ACCESS_TOKEN\"\n")
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + t.TempDir(),
		"AWS_ENDPOINT_URL=" + endpoint,
		"AWS_ACCESS_KEY_ID=testing",
		"AWS_SECRET_ACCESS_KEY=testing",
		"AWS_DEFAULT_REGION=" + mototest.Region,
		"POOL_ID=" + poolID,
		"CLIENT_ID=" + clientID,
	}
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("the README's commands (%s) failed: %v\n%s\n%s", awsCLI, err, out, stderr)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) < 2 {
		t.Fatalf("the README's commands printed %q, want the two tokens last", out)
	}
	idToken, accessToken := lines[len(lines)-2], lines[len(lines)-1]

	v := authorizertest.NewVerifier(t, func(k string) string {
		return map[string]string{
			settings.EnvUserPoolID: poolID,
			settings.EnvClientIDs:  clientID,
			settings.EnvJWKSURL:    endpoint + "/" + poolID + "/.well-known/jwks.json",
		}[k]
	})
	for name, tok := range map[string]string{"ID_TOKEN": idToken, "ACCESS_TOKEN": accessToken} {
		claims, err := v.Verify(context.Background(), tok)
		if err != nil {
			t.Errorf("Verify(%s from the README's commands) = %v", name, err)
			continue
		}
		if claims.Subject() == "" {
			t.Errorf("%s has no sub", name)
		}
	}
}

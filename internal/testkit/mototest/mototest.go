// Package mototest runs moto_server, moto's emulation of AWS APIs
// (DynamoDB, Cognito user pools ...), for the tests that need a real AWS API
// without an account or a network.
//
// moto_server comes with `pip install 'moto[server]'`. Where it is missing,
// Start skips the test with that hint, or fails it under CI=true.
package mototest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/lambdatest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/testenv"
)

// Install says how to get moto_server.
const Install = "pip install 'moto[server]'"

// Region is the region Config uses. moto serves every region; tests that
// build ids with a region in them (user pool ids, ARNs) use this one.
const Region = "us-east-1"

// startTimeout bounds how long Start waits for moto_server to answer; it
// usually takes one to three seconds.
const startTimeout = 20 * time.Second

// Start runs moto_server on a free loopback port until the test and its
// subtests end, and returns its endpoint URL, e.g. http://127.0.0.1:40123.
// moto_server's output is logged only if the test fails.
func Start(t testing.TB) string {
	t.Helper()
	path := testenv.LookPath(t, "moto_server", Install)
	srv, err := Run(path)
	if err != nil {
		t.Fatalf("moto_server did not start: %v", err)
	}
	t.Cleanup(func() {
		srv.Stop()
		if t.Failed() {
			t.Logf("moto_server at %s said:\n%s", srv.Endpoint, srv.Output())
		}
	})
	return srv.Endpoint
}

// Server is a moto_server process on a loopback port.
type Server struct {
	// Endpoint is its URL, e.g. http://127.0.0.1:40123.
	Endpoint string
	out      *lambdatest.Output
	stop     func()
}

// Output returns what moto_server wrote.
func (s *Server) Output() string { return s.out.String() }

// Stop kills moto_server and waits for it to exit.
func (s *Server) Stop() { s.stop() }

// Run starts the moto_server at path on a free loopback port and waits
// until it answers, for local tools (make start-api); tests use Start.
func Run(path string) (*Server, error) {
	// A free port can be taken between asking for it and moto_server
	// binding it; then moto_server exits, and Run tries another.
	var errs []error
	for range 3 {
		srv, err := run(path)
		if err == nil {
			return srv, nil
		}
		errs = append(errs, err)
	}
	return nil, errors.Join(errs...)
}

func run(path string) (*Server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	endpoint := "http://127.0.0.1:" + strconv.Itoa(port)

	out := &lambdatest.Output{}
	cmd := exec.Command(path, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	cmd.Env = serverEnv(os.Environ())
	cmd.Stdout = out
	cmd.Stderr = out
	setProcessGroup(cmd)
	// Wait also waits for the output to be copied; should a child of
	// moto_server outlive the kill and hold the pipe, this bounds that.
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", path, err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	stop := func() {
		killProcessGroup(cmd)
		<-exited
	}
	if err := waitReady(endpoint, exited); err != nil {
		stop()
		return nil, fmt.Errorf("%w; its output:\n%s", err, out.String())
	}
	return &Server{Endpoint: endpoint, out: out, stop: stop}, nil
}

// waitReady polls endpoint until it answers, the process exits or
// startTimeout passes.
func waitReady(endpoint string, exited <-chan struct{}) error {
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	client := &http.Client{Timeout: time.Second}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint+"/moto-api/", nil)
		if err != nil {
			return err
		}
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			return nil
		}
		select {
		case <-exited:
			return errors.New("moto_server exited before answering")
		case <-ctx.Done():
			return fmt.Errorf("moto_server did not answer at %s within %v", endpoint, startTimeout)
		case <-tick.C:
		}
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Config returns an AWS configuration for the moto_server at endpoint:
// Region, static dummy credentials and BaseEndpoint set to endpoint. Every
// service client built from it talks to moto_server. Nothing is read from the
// environment or ~/.aws, so the developer's own settings cannot send a test
// to a real account.
func Config(endpoint string) aws.Config {
	return aws.Config{
		Region:       Region,
		Credentials:  credentials.NewStaticCredentialsProvider("testing", "testing", ""),
		BaseEndpoint: aws.String(endpoint),
	}
}

// serverEnv is env without the AWS variables a test emptied (IsolateAWS):
// moto_server reads an empty AWS_PROFILE as a profile named "" and fails.
func serverEnv(env []string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		if k, v, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "AWS_") && v == "" {
			continue
		}
		out = append(out, kv)
	}
	return out
}

// IsolateAWS keeps the developer's AWS settings out of a test: no shared
// config or credentials files, no profile, region, endpoint or credentials
// from the shell (the SDK takes an empty variable for an unset one).
func IsolateAWS(tb testing.TB) {
	tb.Helper()
	dir := tb.TempDir()
	tb.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	tb.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	for _, name := range []string{
		"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION",
		"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER",
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
	} {
		tb.Setenv(name, "")
	}
}

// CreateRevocationTable creates the revocation table as the deploy
// templates do: partition key settings.RevocationPartitionKey (string), no
// sort key, on-demand. moto ignores TTL, which the authorizer does not rely
// on.
func CreateRevocationTable(tb testing.TB, client *dynamodb.Client, name string) {
	tb.Helper()
	_, err := client.CreateTable(tb.Context(), &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String(settings.RevocationPartitionKey), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String(settings.RevocationPartitionKey), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
	})
	if err != nil {
		tb.Fatalf("CreateTable(%s) error = %v", name, err)
	}
}

package coldbench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/apigwtest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/cognitotest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/dynamotest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/mototest"
)

// The local pool, the table and the event every invocation carries.
const (
	poolID          = "us-east-1_ColdBench1"
	clientID        = "coldbenchclient0000000001"
	region          = "us-east-1"
	revocationTable = "revocations"
	// methodARN is a route of Rules that the caller (group writers) may
	// take: an Allow under every configuration.
	methodARN = "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/POST/projects"
	// rulesFile is the rules' file beside bootstrap, as shipped.
	rulesFile = "rules.json"
)

// subject is one process to measure: ours in one configuration, or the
// Node anchor.
type subject struct {
	name   string // a configuration, nodeName or floorName
	binary string
	env    map[string]string
}

// The subjects that are not ours: the Node anchor, and the floor, a Go
// function that answers at once (what the local Runtime API and
// aws-lambda-go cost by themselves).
const (
	nodeName  = "node"
	floorName = "floor"
)

// floorPackage is the floor's main package, lambdatest's echo.
const floorPackage = "internal/testkit/lambdatest/testdata/echo"

// fixture is what the subjects run against.
type fixture struct {
	sub      string // the caller's sub: the answer's principalId
	jwksURL  string
	event    []byte
	dynamoDB string // where the revocation table is, for the report
	subjects []subject
	closers  []func()
}

func (f *fixture) close() {
	for _, c := range slices.Backward(f.closers) {
		c()
	}
}

// subject returns the subject named name.
func (f *fixture) subject(name string) subject {
	for _, s := range f.subjects {
		if s.name == name {
			return s
		}
	}
	panic("coldbench: no subject " + name) // Run measures only what it set up
}

// newFixture builds the authorizer, starts the pool's JWKS (and the table
// when a configuration needs it), mints the token and lists the subjects
// of configs.
func newFixture(ctx context.Context, opts Options, configs []string, p *progress) (f *fixture, err error) {
	f = &fixture{}
	defer func() {
		if err != nil {
			f.close()
		}
	}()
	pool, err := cognitotest.New(poolID, clientID)
	if err != nil {
		return nil, err
	}
	jwksURL, stop, err := pool.Serve(context.WithoutCancel(ctx))
	if err != nil {
		return nil, err
	}
	f.closers = append(f.closers, stop)
	f.sub = "7d8ca528-4931-4254-9273-ea5ee853f271"
	token, err := pool.IDToken(cognitotest.User{Sub: f.sub, Username: "alice", Email: "alice@example.com", Groups: []string{"writers"}}, time.Now())
	if err != nil {
		return nil, err
	}
	f.event, err = json.Marshal(events.APIGatewayCustomAuthorizerRequest{Type: "TOKEN", AuthorizationToken: "Bearer " + token, MethodArn: methodARN})
	if err != nil {
		return nil, err
	}

	dir := filepath.Join(opts.Dir, "authorizer")
	p.say("building the authorizer with make build-AuthorizerFunction for %s/%s (a cold build cache: about a minute)", runtime.GOOS, runtime.GOARCH)
	quiet := p.while("building")
	binary, err := build(ctx, opts.Root, dir)
	quiet()
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, rulesFile), Rules(), 0o644); err != nil {
		return nil, err
	}
	p.say("building the floor, %s, as ours", floorPackage)
	quiet = p.while("building")
	floor, err := buildFloor(ctx, opts.Root, filepath.Join(opts.Dir, floorName))
	quiet()
	if err != nil {
		return nil, err
	}
	var endpoint string
	if slices.Contains(configs, WithRevocation) || slices.Contains(configs, Both) {
		if endpoint, err = f.startDynamoDB(ctx, opts.DynamoDB, p); err != nil {
			return nil, err
		}
		if err := createRevocationTable(ctx, endpoint); err != nil {
			return nil, err
		}
	}

	f.jwksURL = jwksURL
	for _, c := range configs {
		env := f.anchorEnv()
		// Lambda gives every function its role's credentials; these reach
		// only the local table.
		env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"], env["AWS_REGION"] = "coldbench", "coldbench", region
		if c == WithRules || c == Both {
			env[settings.EnvRouteRulesFile] = rulesFile // beside bootstrap, the working directory
		}
		if c == WithRevocation || c == Both {
			env[settings.EnvRevocationTable] = revocationTable
			env[settings.EnvEndpointDynamoDB] = endpoint
		}
		f.subjects = append(f.subjects, subject{name: c, binary: binary, env: env})
	}
	f.subjects = append(f.subjects, subject{name: floorName, binary: floor})
	return f, nil
}

// anchorEnv is the settings ours and the Node anchor share: the pool, its
// app client and its local JWKS.
func (f *fixture) anchorEnv() map[string]string {
	return map[string]string{
		settings.EnvUserPoolID: poolID,
		settings.EnvClientIDs:  clientID,
		settings.EnvJWKSURL:    f.jwksURL,
	}
}

// nodeSubject is the Node anchor at bootstrap.
func (f *fixture) nodeSubject(bootstrap string) subject {
	return subject{name: nodeName, binary: bootstrap, env: f.anchorEnv()}
}

// startDynamoDB starts the DynamoDB that kind names and returns its
// endpoint; f.dynamoDB says which it is.
func (f *fixture) startDynamoDB(ctx context.Context, kind string, p *progress) (string, error) {
	switch kind {
	case "", DynamoDBAuto, DynamoDBMoto:
		path, err := exec.LookPath("moto_server")
		if err == nil {
			p.say("starting moto_server for the revocation table")
			var srv *mototest.Server
			if srv, err = mototest.Run(path); err == nil {
				f.closers = append(f.closers, srv.Stop)
				f.dynamoDB = "moto_server (mototest), DynamoDB's HTTP API in Python on 127.0.0.1"
				return srv.Endpoint, nil
			}
		} else {
			err = fmt.Errorf("moto_server not found (%s)", mototest.Install)
		}
		if kind == DynamoDBMoto {
			return "", err
		}
		p.say("%v: the revocation table is in memory (dynamotest)", err)
	case DynamoDBMemory:
	default:
		return "", fmt.Errorf("DynamoDB %q: want %s, %s or %s", kind, DynamoDBAuto, DynamoDBMoto, DynamoDBMemory)
	}
	db, err := dynamotest.Start("")
	if err != nil {
		return "", err
	}
	f.closers = append(f.closers, func() { db.Close() })
	f.dynamoDB = "the in-memory DynamoDB (dynamotest), in Go on 127.0.0.1"
	return db.URL(), nil
}

// createRevocationTable creates the revocation table as the deploy
// templates declare it.
func createRevocationTable(ctx context.Context, endpoint string) error {
	client := dynamodb.New(dynamodb.Options{
		Region:       region,
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("coldbench", "coldbench", ""),
	})
	key := settings.RevocationPartitionKey
	_, err := client.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String(revocationTable),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String(key), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String(key), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
	})
	if err != nil {
		return fmt.Errorf("creating the revocation table at %s: %w", endpoint, err)
	}
	return nil
}

// build runs make build-AuthorizerFunction in root, as sam build does, with
// ARTIFACTS_DIR set to dir and the platform (LAMBDA_ENV) this machine's,
// and returns the bootstrap it wrote: the recipe that ships (-trimpath,
// -tags lambda.norpc, -ldflags='-s -w -buildid=', CGO_ENABLED=0).
func build(ctx context.Context, root, dir string) (string, error) {
	makeBin, err := exec.LookPath("make")
	if err != nil {
		return "", fmt.Errorf("make not found: install GNU make; the authorizer is built by make build-AuthorizerFunction: %w", err)
	}
	dir, err = filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, makeBin, "--no-print-directory", "-C", root, "build-AuthorizerFunction",
		"ARTIFACTS_DIR="+dir, "LAMBDA_ENV=CGO_ENABLED=0 GOOS="+runtime.GOOS+" GOARCH="+runtime.GOARCH)
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("make build-AuthorizerFunction: %w\n%s", err, b)
	}
	binary := filepath.Join(dir, "bootstrap")
	if _, err := os.Stat(binary); err != nil {
		return "", errors.New("make build-AuthorizerFunction wrote no bootstrap")
	}
	return binary, nil
}

// buildFloor builds the floor into dir/bootstrap with the flags of the
// Makefile's recipe, as ours is built.
func buildFloor(ctx context.Context, root, dir string) (string, error) {
	out, err := filepath.Abs(filepath.Join(dir, "bootstrap"))
	if err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-tags", "lambda.norpc", "-ldflags=-s -w -buildid=", "-o", out, "./"+floorPackage)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+runtime.GOOS, "GOARCH="+runtime.GOARCH)
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %w\n%s", floorPackage, err, b)
	}
	return out, nil
}

// checkAllow checks that payload is an Allow for the caller, its policy
// evaluated for the event's methodArn as API Gateway evaluates it: the
// answer every invocation must get, or the figures measure something else.
func (f *fixture) checkAllow(payload []byte) error {
	var answer events.APIGatewayCustomAuthorizerResponse
	if err := json.Unmarshal(payload, &answer); err != nil {
		return fmt.Errorf("%w: %w: %s", errNoAnswer, err, payload)
	}
	if !apigwtest.Allows(answer.PolicyDocument, methodARN) || answer.PrincipalID != f.sub {
		return fmt.Errorf("%w: not an Allow for %s: %s", errNoAnswer, f.sub, strings.TrimSpace(string(payload)))
	}
	return nil
}

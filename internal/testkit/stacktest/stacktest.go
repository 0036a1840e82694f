// Package stacktest runs the sample stack on this machine, the way it runs
// in AWS, for make start-api and the tests that drive the whole system: the
// four real bootstrap binaries (authorizer, add-note, list-notes,
// sign-out) under the local Lambda Runtime API (lambdatest), behind the
// local API Gateway (apigwtest.Gateway) with the stack's routes, route
// rules, validation expression, authorizer cache and gateway responses
// (internal/apispec); a local user pool (cognitotest) with the users alice
// (writers), bob (no group) and carol (admins); and the notes and
// revocation tables in memory (dynamotest) or in a DynamoDB at an endpoint
// (moto_server). With Options.API APIHTTP an HTTP API's $default stage
// (apigwtest.HTTPGateway) is in front instead, the authorizer answering
// payload 2.0 events.
package stacktest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/gatehouse-dev/cognito-authorizer/internal/apispec"
	"github.com/gatehouse-dev/cognito-authorizer/internal/notes"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/apigwtest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/cognitotest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/dynamotest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/lambdatest"
)

// The local pool, its app client and the tables.
const (
	PoolID          = "eu-west-1_LocalApi01"
	ClientID        = "localapi4app4client"
	NotesTable      = "notes"
	RevocationTable = "revocations"
	region          = "eu-west-1"
)

// Function timeouts as the stack deploys them: the authorizer's 5 s, the
// endpoints' 10 s.
const (
	authorizerTimeout = 5 * time.Second
	endpointTimeout   = 10 * time.Second
)

// The sample's users, with fixed subs so that paths such as
// /users/<sub>/notes stay the same from run to run.
var (
	Alice = cognitotest.User{Sub: "a11ce000-0000-4000-8000-00000000a11c", Username: "alice", Email: "alice@example.com", Groups: []string{apispec.GroupWriters}}
	Bob   = cognitotest.User{Sub: "b0b00000-0000-4000-8000-000000000b0b", Username: "bob", Email: "bob@example.com"}
	Carol = cognitotest.User{Sub: "ca201000-0000-4000-8000-0000000ca201", Username: "carol", Email: "carol@example.com", Groups: []string{apispec.GroupAdmins}}
	Users = []cognitotest.User{Alice, Bob, Carol}
)

// functions maps the routes' function names to their mains.
var functions = map[string]string{
	"authorizer":              "github.com/gatehouse-dev/cognito-authorizer/cmd/authorizer",
	apispec.FunctionAddNote:   "github.com/gatehouse-dev/cognito-authorizer/cmd/add-note",
	apispec.FunctionListNotes: "github.com/gatehouse-dev/cognito-authorizer/cmd/list-notes",
	apispec.FunctionSignOut:   "github.com/gatehouse-dev/cognito-authorizer/cmd/sign-out",
}

// Options configure Start. The zero value serves on a free port with the
// cache off; make start-api sets the stack's 300 s.
type Options struct {
	// Addr is where the API listens (default 127.0.0.1:0, a free port).
	Addr string
	// CacheTTL is the authorizer cache's TTL; 0 turns it off.
	CacheTTL time.Duration
	// FlushOnSignOut has the sign-out flush the authorizer cache, and the
	// authorizer cache no "not revoked" answer (REVOCATION_CACHE_TTL=0s),
	// as the stack does with flushAuthorizerCacheOnSignOut.
	FlushOnSignOut bool
	// RevocationCacheTTL is the authorizer's REVOCATION_CACHE_TTL when set
	// (and FlushOnSignOut is off).
	RevocationCacheTTL string
	// DynamoDBEndpoint is a DynamoDB to create the tables in (moto_server);
	// empty: tables in memory.
	DynamoDBEndpoint string
	// BinDir holds the built binaries (default a new temporary directory,
	// removed by Close).
	BinDir string
	// Log gets the API's one line per request; Functions the functions'
	// own output. nil discards.
	Log, Functions io.Writer
	// Progress gets what Start is doing (building, starting); nil
	// discards.
	Progress io.Writer
	// Now is the authorizer cache's clock (default time.Now), for tests
	// that move past its TTL without waiting.
	Now func() time.Time
	// OnRequest, if set, is told of each request the API answered.
	OnRequest func(apigwtest.Entry)
	// API is the kind of API in front: APIREST (the default), the REST
	// API's stage as the stack deploys it, or APIHTTP, an HTTP API's
	// $default stage (apigwtest.HTTPGateway) with the authorizer answering
	// payload 2.0 events.
	API string
	// HTTPAPIResponse is the authorizer's HTTP_API_RESPONSE with APIHTTP:
	// settings.HTTPAPISimple (the default) or settings.HTTPAPIIAM; the
	// identity sources follow it as cognitoauth.HTTPIdentitySource sets
	// them.
	HTTPAPIResponse string
}

// The kinds of API Start serves.
const (
	APIREST = "rest"
	APIHTTP = "http"
)

// HTTPIdentitySource is the HTTP API authorizer's identity sources for the
// answer kind response under the sample's route rules, as the CDK
// construct sets them (apispec.HTTPIdentitySources).
func HTTPIdentitySource(response string) []string {
	return apispec.HTTPIdentitySources(apispec.IdentityHeader, response == settings.HTTPAPISimple, true)
}

// User is a user of the local pool and their tokens.
type User struct {
	cognitotest.User
	IDToken, AccessToken string
}

// Stack is the running sample stack.
type Stack struct {
	// URL is the API's base URL, e.g. http://127.0.0.1:3000.
	URL string
	// Users are alice, bob and carol with fresh tokens.
	Users map[string]User
	Pool  *cognitotest.Pool
	// Gateway is the REST API's stage (Options.API APIREST), HTTPGateway
	// the HTTP API's (APIHTTP); the other is nil.
	Gateway     *apigwtest.Gateway
	HTTPGateway *apigwtest.HTTPGateway
	// DynamoDB is the tables' endpoint.
	DynamoDB string

	closers []func() error
	once    sync.Once
	err     error
}

// Start builds the functions and starts the stack; Close stops it. It
// stops what it started when it fails.
func Start(ctx context.Context, opts Options) (s *Stack, err error) {
	s = &Stack{Users: map[string]User{}}
	defer func() {
		if err != nil {
			s.Close()
			s = nil
		}
	}()
	switch opts.API {
	case "", APIREST:
		opts.API = APIREST
	case APIHTTP:
		if opts.HTTPAPIResponse == "" {
			opts.HTTPAPIResponse = settings.HTTPAPISimple
		}
		if opts.HTTPAPIResponse != settings.HTTPAPISimple && opts.HTTPAPIResponse != settings.HTTPAPIIAM {
			return s, fmt.Errorf("HTTP_API_RESPONSE: %q: want %s or %s", opts.HTTPAPIResponse, settings.HTTPAPISimple, settings.HTTPAPIIAM)
		}
		if opts.FlushOnSignOut {
			// The sign-out flushes REST stages (FlushStageAuthorizersCache).
			return s, errors.New("FLUSH_AUTHORIZER_CACHE_ON_SIGN_OUT: the sign-out flushes REST stages only, not an HTTP API's (API=http)")
		}
	default:
		return s, fmt.Errorf("API: %q: want %s or %s", opts.API, APIREST, APIHTTP)
	}
	progress := opts.Progress
	if progress == nil {
		progress = io.Discard
	}
	binDir := opts.BinDir
	if binDir == "" {
		if binDir, err = os.MkdirTemp("", "stacktest"); err != nil {
			return s, err
		}
		s.onClose(func() error { return os.RemoveAll(binDir) })
	}
	// The API's address first: a port in use is said before the builds.
	ln, err := net.Listen("tcp", addrOr(opts.Addr))
	if err != nil {
		return s, fmt.Errorf("listening for the API: %w", err)
	}
	s.onClose(func() error {
		if err := ln.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			return err
		}
		return nil
	})
	s.URL = "http://" + ln.Addr().String()
	fmt.Fprintf(progress, "building the authorizer, add-note, list-notes and sign-out for this machine (the first time: a minute or two)...\n")
	binaries, err := buildAll(ctx, binDir)
	if err != nil {
		return s, err
	}

	// The user pool: JWKS and the AdminUserGlobalSignOut the sign-out calls.
	s.Pool, err = cognitotest.New(PoolID, ClientID)
	if err != nil {
		return s, err
	}
	now := time.Now()
	for _, u := range Users {
		s.Pool.AddUser(u)
		id, access, err := s.Pool.SignIn(u, now)
		if err != nil {
			return s, err
		}
		s.Users[u.Username] = User{User: u, IDToken: id, AccessToken: access}
	}
	poolURL, err := s.serve(s.Pool, "127.0.0.1:0")
	if err != nil {
		return s, err
	}

	// The tables.
	s.DynamoDB = opts.DynamoDBEndpoint
	if s.DynamoDB == "" {
		db, err := dynamotest.Start("")
		if err != nil {
			return s, err
		}
		s.onClose(db.Close)
		s.DynamoDB = db.URL()
	}
	if err := createTables(ctx, s.DynamoDB); err != nil {
		return s, err
	}

	fnLog := opts.Functions
	if fnLog == nil {
		fnLog = io.Discard
	}
	start := func(name string, env map[string]string) (*lambdatest.Function, error) {
		for k, v := range map[string]string{
			"AWS_REGION": region, "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
			settings.EnvEndpointDynamoDB: s.DynamoDB, settings.EnvLogLevel: "info",
		} {
			if _, set := env[k]; !set {
				env[k] = v
			}
		}
		fn, err := lambdatest.StartFunction(context.WithoutCancel(ctx), binaries[name], env, fnLog)
		if err != nil {
			return nil, err
		}
		s.onClose(fn.Stop)
		return fn, nil
	}

	revocationTTL := opts.RevocationCacheTTL
	if opts.FlushOnSignOut {
		revocationTTL = "0s"
	}
	authEnv := map[string]string{
		settings.EnvUserPoolID:      PoolID,
		settings.EnvClientIDs:       ClientID,
		settings.EnvJWKSURL:         poolURL + s.Pool.JWKSPath(),
		settings.EnvRouteRules:      apispec.RouteRules(apispec.SampleRoutes()),
		settings.EnvRevocationTable: RevocationTable,
		settings.EnvFunctionTimeout: authorizerTimeout.String(),
	}
	if revocationTTL != "" {
		authEnv[settings.EnvRevocationCacheTTL] = revocationTTL
	}
	if opts.API == APIHTTP {
		authEnv[settings.EnvHTTPAPIResponse] = opts.HTTPAPIResponse
	}
	authorizer, err := start("authorizer", authEnv)
	if err != nil {
		return s, err
	}
	// The sign-out needs the control plane's URL before the gateway, which
	// needs the sign-out, exists.
	var control atomic.Pointer[http.Handler]
	controlURL, err := s.serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h := control.Load(); h != nil {
			(*h).ServeHTTP(w, r)
			return
		}
		http.Error(w, "the API is not up yet", http.StatusServiceUnavailable)
	}), "127.0.0.1:0")
	if err != nil {
		return s, err
	}
	endpoints := map[string]*lambdatest.Function{}
	for name, env := range map[string]map[string]string{
		apispec.FunctionAddNote:   {settings.EnvNotesTable: NotesTable},
		apispec.FunctionListNotes: {settings.EnvNotesTable: NotesTable},
		apispec.FunctionSignOut: {
			settings.EnvRevocationTable:                  RevocationTable,
			settings.EnvUserPoolID:                       PoolID,
			settings.EnvTokenMaxValidity:                 cognitotest.TokenLifetime.String(),
			settings.EnvRefreshMaxValidity:               (30 * 24 * time.Hour).String(),
			settings.EnvFlushAuthorizerCache:             strconv.FormatBool(opts.FlushOnSignOut),
			"AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER": poolURL,
			"AWS_ENDPOINT_URL_API_GATEWAY":               controlURL,
		},
	} {
		if endpoints[name], err = start(name, env); err != nil {
			return s, err
		}
	}

	var routes []apigwtest.Route
	for _, r := range apispec.SampleRoutes() {
		routes = append(routes, apigwtest.Route{Method: r.Method, Path: r.Path, Function: endpoints[r.Function], FunctionTimeout: endpointTimeout})
	}
	log := opts.Log
	if log == nil {
		log = io.Discard
	}
	var api, ctl http.Handler
	if opts.API == APIHTTP {
		gw, err := apigwtest.NewHTTPGateway(apigwtest.HTTPConfig{
			Routes: routes,
			Authorizer: &apigwtest.HTTPAuthorizer{
				SimpleResponses: opts.HTTPAPIResponse == settings.HTTPAPISimple,
				IdentitySource:  HTTPIdentitySource(opts.HTTPAPIResponse),
				CacheTTL:        opts.CacheTTL, Function: authorizer, FunctionTimeout: authorizerTimeout,
			},
			Log:       slog.New(slog.NewJSONHandler(log, nil)),
			Now:       opts.Now,
			OnRequest: opts.OnRequest,
		})
		if err != nil {
			return s, err
		}
		s.HTTPGateway, api, ctl = gw, gw, gw.ControlHandler()
	} else {
		gw, err := apigwtest.NewGateway(apigwtest.Config{
			Routes: routes,
			Authorizer: &apigwtest.Authorizer{
				Type: "TOKEN", Header: apispec.IdentityHeader, ValidationExpression: apispec.TokenPattern,
				CacheTTL: opts.CacheTTL, Function: authorizer, FunctionTimeout: authorizerTimeout,
			},
			Responses: apispec.GatewayResponses(),
			Log:       slog.New(slog.NewJSONHandler(log, nil)),
			Now:       opts.Now,
			OnRequest: opts.OnRequest,
		})
		if err != nil {
			return s, err
		}
		s.Gateway, api, ctl = gw, gw, gw.ControlHandler()
	}
	control.Store(&ctl)
	srv := &http.Server{Handler: api, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	s.onClose(srv.Close)
	return s, nil
}

// Tokens returns each user's sub and tokens, as make start-api writes them
// to tokens.json.
func (s *Stack) Tokens() map[string]map[string]string {
	out := map[string]map[string]string{}
	for name, u := range s.Users {
		out[name] = map[string]string{"sub": u.Sub, "id": u.IDToken, "access": u.AccessToken}
	}
	return out
}

// Close stops everything Start started, last first.
func (s *Stack) Close() error {
	s.once.Do(func() {
		var errs []error
		for i := len(s.closers) - 1; i >= 0; i-- {
			if err := s.closers[i](); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errs = append(errs, err)
			}
		}
		s.err = errors.Join(errs...)
	})
	return s.err
}

func (s *Stack) onClose(f func() error) { s.closers = append(s.closers, f) }

// serve serves h on addr until Close and returns its URL.
func (s *Stack) serve(h http.Handler, addr string) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	s.onClose(srv.Close)
	return "http://" + ln.Addr().String(), nil
}

func addrOr(addr string) string {
	if addr == "" {
		return "127.0.0.1:0"
	}
	return addr
}

// buildAll builds the four functions, two at a time.
func buildAll(ctx context.Context, dir string) (map[string]string, error) {
	type built struct {
		name, path string
		err        error
	}
	results := make(chan built, len(functions))
	sem := make(chan struct{}, 2)
	for name, pkg := range functions {
		go func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			path, err := lambdatest.Build(ctx, pkg, filepath.Join(dir, name))
			results <- built{name, path, err}
		}()
	}
	out := map[string]string{}
	var errs []error
	for range functions {
		b := <-results
		out[b.name] = b.path
		errs = append(errs, b.err)
	}
	return out, errors.Join(errs...)
}

// createTables creates the notes and revocation tables as the deploy
// templates declare them.
func createTables(ctx context.Context, endpoint string) error {
	client := dynamodb.New(dynamodb.Options{
		Region:       region,
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
	})
	key := func(name string, typ types.KeyType) (types.AttributeDefinition, types.KeySchemaElement) {
		return types.AttributeDefinition{AttributeName: aws.String(name), AttributeType: types.ScalarAttributeTypeS},
			types.KeySchemaElement{AttributeName: aws.String(name), KeyType: typ}
	}
	userDef, userKey := key(notes.AttrUserID, types.KeyTypeHash)
	noteDef, noteKey := key(notes.AttrNoteID, types.KeyTypeRange)
	idDef, idKey := key(settings.RevocationPartitionKey, types.KeyTypeHash)
	for name, schema := range map[string]struct {
		defs []types.AttributeDefinition
		keys []types.KeySchemaElement
	}{
		NotesTable:      {[]types.AttributeDefinition{userDef, noteDef}, []types.KeySchemaElement{userKey, noteKey}},
		RevocationTable: {[]types.AttributeDefinition{idDef}, []types.KeySchemaElement{idKey}},
	} {
		_, err := client.CreateTable(ctx, &dynamodb.CreateTableInput{
			TableName: aws.String(name), AttributeDefinitions: schema.defs, KeySchema: schema.keys,
			BillingMode: types.BillingModePayPerRequest,
		})
		if err != nil && !strings.Contains(err.Error(), "ResourceInUse") {
			return fmt.Errorf("creating the %s table at %s: %w", name, endpoint, err)
		}
	}
	return nil
}

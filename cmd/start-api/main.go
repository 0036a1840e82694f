// Command start-api serves the sample API on this machine as API Gateway
// runs it, like sam local start-api but with nothing but Go and with the
// authorizer cache as API Gateway keeps it: the routes of the stack
// (internal/apispec, the table the CDK app and template.yaml use), each
// backed by its real function binary under a local Lambda Runtime API, the
// real authorizer in front with the stack's validation expression, cache
// and gateway responses, a local user pool with alice (writers), bob (no
// group) and carol (admins), and the tables in memory (or in moto_server
// when it is installed).
//
//	make start-api                   # http://127.0.0.1:3000
//	curl -H "Authorization: Bearer $(cat .local/start-api/bob.id)" http://127.0.0.1:3000/notes
//
// Settings, from the environment:
//
//	PORT                                 port on 127.0.0.1 (default 3000)
//	AUTHORIZER_CACHE_TTL                 the authorizer cache: seconds or a Go duration, 0 to 3600 s (default 300; 0: none)
//	FLUSH_AUTHORIZER_CACHE_ON_SIGN_OUT   true: a sign-out flushes the cache (and the authorizer caches no "not revoked")
//	TABLES                               memory, moto or auto (default: moto when moto_server is installed)
//	API                                  rest (default): the REST API's stage; http: an HTTP API's $default stage, payload 2.0
//	HTTP_API_RESPONSE                    with API=http, the authorizer's answer: simple (default) or iam
//
// It writes the users' tokens to .local/start-api/tokens.json (and each
// token to its own file beside it; -dir names another directory), prints
// "ready: <url>" once it serves, then one JSON line per request; the
// functions' own logs go to .local/start-api/functions.log. Run it from the
// repository's root: it builds the functions from there.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gatehouse-dev/cognito-authorizer/internal/apispec"
	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/mototest"
	"github.com/gatehouse-dev/cognito-authorizer/internal/testkit/stacktest"
)

// DefaultDir is where start-api writes the tokens and the functions' logs.
const DefaultDir = ".local/start-api"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	dir := flag.String("dir", DefaultDir, "where to write the tokens, the built functions and their logs")
	flag.Parse()
	if err := run(ctx, *dir, os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "start-api:", err)
		os.Exit(2)
	}
}

// config is start-api's settings.
type config struct {
	port     int
	cacheTTL time.Duration
	flush    bool
	tables   string // memory or moto
	auto     bool   // tables chosen by what is installed
	api      string // stacktest.APIREST or stacktest.APIHTTP
	response string // HTTP_API_RESPONSE with API=http
}

// loadConfig reads the settings, reporting every problem at once, each
// naming its variable; lookPath finds moto_server for TABLES=auto.
func loadConfig(getenv func(string) string, lookPath func(string) (string, error)) (config, error) {
	c := config{port: 3000, cacheTTL: apispec.DefaultCacheTTLSeconds * time.Second}
	var errs []error
	if v := strings.TrimSpace(getenv("PORT")); v != "" {
		p, err := strconv.Atoi(v)
		if err != nil || p < 1 || p > 65535 {
			errs = append(errs, fmt.Errorf("PORT: %q is not a port (1 to 65535)", v))
		}
		c.port = p
	}
	if v := strings.TrimSpace(getenv("AUTHORIZER_CACHE_TTL")); v != "" {
		d, err := parseTTL(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("AUTHORIZER_CACHE_TTL: %w", err))
		}
		c.cacheTTL = d
	}
	if v := strings.TrimSpace(getenv("FLUSH_AUTHORIZER_CACHE_ON_SIGN_OUT")); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("FLUSH_AUTHORIZER_CACHE_ON_SIGN_OUT: %q is not true or false", v))
		}
		c.flush = b
	}
	switch v := strings.TrimSpace(getenv("TABLES")); v {
	case "", "auto":
		c.tables, c.auto = "memory", true
		if _, err := lookPath("moto_server"); err == nil {
			c.tables = "moto"
		}
	case "memory", "moto":
		c.tables = v
	default:
		errs = append(errs, fmt.Errorf("TABLES: %q: want memory, moto or auto", v))
	}
	switch v := strings.TrimSpace(getenv("API")); v {
	case "", stacktest.APIREST:
		c.api = stacktest.APIREST
	case stacktest.APIHTTP:
		c.api = v
		c.response = settings.HTTPAPISimple
		switch r := strings.TrimSpace(getenv("HTTP_API_RESPONSE")); r {
		case "":
		case settings.HTTPAPISimple, settings.HTTPAPIIAM:
			c.response = r
		default:
			errs = append(errs, fmt.Errorf("HTTP_API_RESPONSE: %q: want %s or %s", r, settings.HTTPAPISimple, settings.HTTPAPIIAM))
		}
		if c.flush {
			errs = append(errs, errors.New("FLUSH_AUTHORIZER_CACHE_ON_SIGN_OUT: with API=http: the sign-out flushes REST stages only"))
		}
	default:
		errs = append(errs, fmt.Errorf("API: %q: want rest or http", v))
	}
	return c, errors.Join(errs...)
}

// parseTTL reads seconds ("300") or a Go duration ("5m"), 0 to an hour, as
// API Gateway's TTL is set.
func parseTTL(v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if n, convErr := strconv.Atoi(v); convErr == nil {
		d, err = time.Duration(n)*time.Second, nil
	}
	if err != nil || d < 0 || d > apispec.MaxCacheTTLSeconds*time.Second || d%time.Second != 0 {
		return 0, fmt.Errorf("%q is not a TTL: want whole seconds from 0 to %d (e.g. 300 or 5m; 0 turns the cache off)", v, apispec.MaxCacheTTLSeconds)
	}
	return d, nil
}

// run serves until ctx ends, writing the tokens and the functions' logs to
// dir.
func run(ctx context.Context, dir string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := loadConfig(getenv, exec.LookPath)
	if err != nil {
		return err
	}
	if _, err := os.Stat("go.mod"); err != nil {
		return errors.New("run it from the repository's root (make start-api): it builds the functions from there")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	fnLog, err := os.Create(filepath.Join(dir, "functions.log"))
	if err != nil {
		return err
	}
	defer fnLog.Close()

	opts := stacktest.Options{
		Addr:            fmt.Sprintf("127.0.0.1:%d", cfg.port),
		CacheTTL:        cfg.cacheTTL,
		FlushOnSignOut:  cfg.flush,
		BinDir:          filepath.Join(dir, "bin"),
		Log:             stdout,
		Functions:       fnLog,
		Progress:        stderr,
		API:             cfg.api,
		HTTPAPIResponse: cfg.response,
	}
	if cfg.tables == "moto" {
		path, err := exec.LookPath("moto_server")
		if err != nil {
			return fmt.Errorf("TABLES=moto: moto_server not found: %s", mototest.Install)
		}
		fmt.Fprintln(stderr, "starting moto_server for the tables...")
		moto, err := mototest.Run(path)
		switch {
		case err != nil && cfg.auto:
			fmt.Fprintf(stderr, "moto_server did not start (%v): the tables are in memory\n", err)
			cfg.tables = "memory"
		case err != nil:
			return fmt.Errorf("TABLES=moto: moto_server did not start: %w", err)
		default:
			defer moto.Stop()
			opts.DynamoDBEndpoint = moto.Endpoint
		}
	}
	stack, err := stacktest.Start(ctx, opts)
	if err != nil {
		return err
	}
	defer stack.Close()
	if err := writeTokens(stack, dir); err != nil {
		return err
	}

	ttl := "off"
	if cfg.cacheTTL > 0 {
		ttl = cfg.cacheTTL.String()
	}
	fmt.Fprintf(stderr, "users alice (writers), bob (no group), carol (admins): tokens in %s/tokens.json and %s/<user>.id, <user>.access (valid an hour)\n", dir, dir)
	if cfg.api == stacktest.APIHTTP {
		fmt.Fprintf(stderr, "an HTTP API ($default stage, payload 2.0), the authorizer answering HTTP_API_RESPONSE=%s\n", cfg.response)
	}
	fmt.Fprintf(stderr, "authorizer cache %s, flush on sign-out %v, tables %s; the functions' logs in %s/functions.log; Ctrl-C stops\n", ttl, cfg.flush, cfg.tables, dir)
	fmt.Fprintf(stderr, "try: curl -i -H \"Authorization: Bearer $(cat %s/bob.id)\" %s/notes\n", dir, stack.URL)
	fmt.Fprintf(stdout, "ready: %s\n", stack.URL)
	<-ctx.Done()
	fmt.Fprintln(stderr, "stopping")
	return nil
}

// writeTokens writes tokens.json and one file per token.
func writeTokens(s *stacktest.Stack, dir string) error {
	tokens := s.Tokens()
	b, err := json.MarshalIndent(tokens, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "tokens.json"), append(b, '\n'), 0o600); err != nil {
		return err
	}
	for user, t := range tokens {
		for _, kind := range []string{"id", "access"} {
			if err := os.WriteFile(filepath.Join(dir, user+"."+kind), []byte(t[kind]), 0o600); err != nil {
				return err
			}
		}
	}
	return nil
}

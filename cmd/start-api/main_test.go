package main

import (
	"context"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func TestLoadConfig(t *testing.T) {
	noMoto := func(string) (string, error) { return "", exec.ErrNotFound }
	withMoto := func(string) (string, error) { return "/usr/bin/moto_server", nil }
	tests := []struct {
		name   string
		env    map[string]string
		look   func(string) (string, error)
		want   config
		errors []string // variables the error must name
	}{
		{"defaults, no moto", nil, noMoto, config{port: 3000, cacheTTL: 300 * time.Second, tables: "memory", auto: true, api: "rest"}, nil},
		{"defaults, moto", nil, withMoto, config{port: 3000, cacheTTL: 300 * time.Second, tables: "moto", auto: true, api: "rest"}, nil},
		{"all set", map[string]string{"PORT": "8080", "AUTHORIZER_CACHE_TTL": "0", "FLUSH_AUTHORIZER_CACHE_ON_SIGN_OUT": "true", "TABLES": "memory"},
			withMoto, config{port: 8080, flush: true, tables: "memory", api: "rest"}, nil},
		{"a duration", map[string]string{"AUTHORIZER_CACHE_TTL": "1m"}, noMoto, config{port: 3000, cacheTTL: time.Minute, tables: "memory", auto: true, api: "rest"}, nil},
		{"an HTTP API", map[string]string{"API": "http"}, noMoto, config{port: 3000, cacheTTL: 300 * time.Second, tables: "memory", auto: true, api: "http", response: "simple"}, nil},
		{"an HTTP API, iam", map[string]string{"API": "http", "HTTP_API_RESPONSE": "iam"}, noMoto, config{port: 3000, cacheTTL: 300 * time.Second, tables: "memory", auto: true, api: "http", response: "iam"}, nil},
		{"HTTP_API_RESPONSE ignored for REST", map[string]string{"HTTP_API_RESPONSE": "x"}, noMoto, config{port: 3000, cacheTTL: 300 * time.Second, tables: "memory", auto: true, api: "rest"}, nil},
		{"unknown API", map[string]string{"API": "websocket"}, noMoto, config{}, []string{"API"}},
		{"bad HTTP_API_RESPONSE", map[string]string{"API": "http", "HTTP_API_RESPONSE": "policy"}, noMoto, config{}, []string{"HTTP_API_RESPONSE"}},
		{"flush with an HTTP API", map[string]string{"API": "http", "FLUSH_AUTHORIZER_CACHE_ON_SIGN_OUT": "true"}, noMoto, config{}, []string{"FLUSH_AUTHORIZER_CACHE_ON_SIGN_OUT"}},
		{"bad values", map[string]string{"PORT": "http", "AUTHORIZER_CACHE_TTL": "2h", "FLUSH_AUTHORIZER_CACHE_ON_SIGN_OUT": "yes", "TABLES": "sqlite"},
			noMoto, config{}, []string{"PORT", "AUTHORIZER_CACHE_TTL", "FLUSH_AUTHORIZER_CACHE_ON_SIGN_OUT", "TABLES"}},
		{"TTL not whole seconds", map[string]string{"AUTHORIZER_CACHE_TTL": "1.5s"}, noMoto, config{}, []string{"AUTHORIZER_CACHE_TTL"}},
		{"TTL negative", map[string]string{"AUTHORIZER_CACHE_TTL": "-1"}, noMoto, config{}, []string{"AUTHORIZER_CACHE_TTL"}},
		{"port 0", map[string]string{"PORT": "0"}, noMoto, config{}, []string{"PORT"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := loadConfig(func(k string) string { return tt.env[k] }, tt.look)
			if tt.errors == nil {
				if err != nil || got != tt.want {
					t.Errorf("loadConfig() = %+v, %v, want %+v", got, err, tt.want)
				}
				return
			}
			for _, name := range tt.errors {
				if err == nil || !strings.Contains(err.Error(), name+":") {
					t.Errorf("loadConfig() error = %v, want it to name %s", err, name)
				}
			}
		})
	}
}

// TestRunRefusesBadSettings: a bad setting stops run before it builds
// anything.
func TestRunRefusesBadSettings(t *testing.T) {
	err := run(context.Background(), t.TempDir(), func(k string) string { return map[string]string{"PORT": "x"}[k] }, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "PORT:") {
		t.Errorf("run(PORT=x) = %v, want an error naming PORT", err)
	}
	// Outside the repository (this package's directory has no go.mod).
	err = run(context.Background(), t.TempDir(), func(string) string { return "" }, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "repository's root") || errors.Is(err, context.Canceled) {
		t.Errorf("run() outside the repository = %v, want an error saying where to run it", err)
	}
}

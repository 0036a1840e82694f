package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies keeps the CDK app and the cognitoauth construct apart
// from the functions' runtime: of the root module they may import
// internal/settings only (tests included), with the route rules' parser
// that settings validates ROUTE_RULES with, and none of the libraries the
// functions link.
func TestDependencies(t *testing.T) {
	const root = "github.com/gatehouse-dev/cognito-authorizer/"
	forbidden := []string{
		"github.com/golang-jwt",
		"github.com/MicahParks",
		"github.com/aws/aws-lambda-go",
		"github.com/aws/aws-sdk-go-v2",
	}
	for _, args := range [][]string{{"list", "-deps", "./..."}, {"list", "-deps", "-test", "./..."}} {
		out, err := exec.Command("go", args...).Output()
		if err != nil {
			t.Fatalf("go %s: %v", strings.Join(args, " "), err)
		}
		for _, pkg := range strings.Fields(string(out)) {
			pkg = strings.Fields(strings.ReplaceAll(pkg, "[", " "))[0] // "p [p.test]" under -test
			for _, f := range forbidden {
				if strings.HasPrefix(pkg, f) {
					t.Errorf("go %s: infra depends on %s", strings.Join(args, " "), pkg)
				}
			}
			if strings.HasPrefix(pkg, root) && !strings.HasPrefix(pkg, root+"infra") &&
				pkg != root+"internal/settings" && pkg != root+"internal/policy" && pkg != root+"internal/apispec" &&
				!(args[1] == "-deps" && args[2] == "-test" && pkg == root+"internal/testkit/testenv") {
				t.Errorf("go %s: infra imports %s; of the root module it may import internal/settings only", strings.Join(args, " "), pkg)
			}
		}
	}
}

// Command infra is the CDK app that deploys the Cognito authorizer (through
// the reusable construct in package cognitoauth), the sample notes API it
// guards (the routes and their rules are declared once, in Routes), and
// everything they need: the user pool and its app client, the notes and
// revocation tables, the REST API and the log groups. Run it through the CDK CLI (make synth, make deploy); the Lambda
// binaries come from make build, by path only, so that the Lambda module
// never links the CDK.
//
// Of the root module it imports internal/settings alone (with the route
// rules' parser settings uses), which names the functions' variables and
// validates them; a test keeps it that way.
package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

// StackName is the name of the stack the app deploys.
const StackName = "CognitoAuthorizerNotes"

func main() {
	os.Exit(run())
}

// run synthesizes the app; it returns the exit code so that main's exit
// comes after jsii.Close.
func run() int {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	props, err := propsFromContext(func(key string) any {
		return app.Node().TryGetContext(jsii.String(key))
	})
	if err == nil {
		err = checkCode(props.AuthorizerCodeDir, props.AddNoteCodeDir, props.ListNotesCodeDir, props.SignOutCodeDir)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	NewNotesStack(app, StackName, &props)
	app.Synth(nil)
	return 0
}

// checkCode reports a code directory without a bootstrap binary, which
// make build writes; without this check the CDK fails later, less clearly.
func checkCode(dirs ...string) error {
	var errs []error
	for _, dir := range dirs {
		if _, err := os.Stat(filepath.Join(dir, "bootstrap")); err != nil {
			errs = append(errs, fmt.Errorf("%s/bootstrap: %w (run make build at the repository root)", dir, err))
		}
	}
	return errors.Join(errs...)
}

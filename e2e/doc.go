// Package e2e runs the tutorials' journey end to end against a local Cognito:
// moto_server plays Cognito and DynamoDB on 127.0.0.1, a user signs up and
// logs in, the real authorizer binary allows their tokens and refuses other
// pools', other app clients' and unwanted kinds of token, and, with the
// sample route rules (events/rules.json), grants writers, owners and admins
// what the rules say; the real add-note binary stores notes and the real
// list-notes binary lists them with the context the authorizer gave.
//
// The package has tests only. Run them with make e2e; they need moto_server
// (pip install 'moto[server]') and skip without it, except under CI=true,
// where they fail.
package e2e

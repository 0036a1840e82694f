// Package lambdatest is a local stand-in for the AWS Lambda service: it serves
// the Lambda Runtime API (version 2018-06-01) on 127.0.0.1 so that a real
// bootstrap binary, built with aws-lambda-go, can run and answer events
// outside Lambda, in tests and in the local demo.
//
// A [Server] speaks the API; [Server.Invoke] queues one event and waits for
// the function's answer. A [Function] starts a bootstrap binary against its
// own Server with the environment Lambda would give it; [Build] builds one
// as the Makefile does, [Start] runs one for the length of a test, and
// [Output] collects what it writes and finds the log line of a request.
//
// It behaves like one Lambda execution environment, with these differences,
// all of which keep it small and predictable:
//   - Events are handed out one at a time, in order; there is no concurrency
//     and no second environment.
//   - When an invocation runs past its deadline the caller of Invoke gets an
//     error, but the process is not killed; later events wait until it
//     answers.
//   - A process that exits is not restarted: every later Invoke fails with
//     [ErrExited].
//   - Only the runtime endpoints exist; the Extensions, Telemetry and Logs
//     APIs answer 404, and responses are buffered, not streamed.
//
// See https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html.
package lambdatest

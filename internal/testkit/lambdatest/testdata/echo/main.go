// Command echo is the Lambda function that the lambdatest tests run: a real
// aws-lambda-go runtime loop whose handler echoes the event with what the
// function saw of its invocation, or fails in the way the event asks.
//
// Environment variables make it stop at init instead: ECHO_INIT_ERROR posts
// its value as an init error and exits 3, the way the project's functions
// report a bad configuration, or with ECHO_INIT_ERROR_STAY set hangs there
// instead of exiting; ECHO_EXIT_AT_INIT exits 2 without a word to the
// Runtime API, like a crash.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// event is what the tests send.
type event struct {
	// Action is "echo" (or empty), "fail", "panic", "broken-reader" or
	// "exit", which exits 4 without answering, like a crash.
	Action  string `json:"action"`
	Message string `json:"message"`
}

// reply is the echo: the event's message and what the function saw.
type reply struct {
	Message      string   `json:"message"`
	RequestID    string   `json:"requestId"`
	FunctionARN  string   `json:"functionArn"`
	DeadlineMS   int64    `json:"deadlineMs"`
	FunctionName string   `json:"functionName"`
	MemoryMB     int      `json:"memoryMb"`
	Version      string   `json:"version"`
	Env          []string `json:"env"`
}

// validationError is returned for "fail"; its type name becomes errorType.
type validationError struct{ reason string }

func (e *validationError) Error() string { return "invalid event: " + e.reason }

// brokenReader is a response that fails while aws-lambda-go streams it. It
// has no exported fields, so it encodes to {} and is sent as a reader.
type brokenReader struct{ sent bool }

func (r *brokenReader) Read(p []byte) (int, error) {
	if !r.sent {
		r.sent = true
		return copy(p, "partial"), nil
	}
	return 0, errors.New("stream broke")
}

func handle(ctx context.Context, e event) (any, error) {
	switch e.Action {
	case "fail":
		return nil, &validationError{reason: e.Message}
	case "panic":
		panic(e.Message)
	case "broken-reader":
		return &brokenReader{}, nil
	case "exit":
		os.Exit(4)
	}
	lc, _ := lambdacontext.FromContext(ctx)
	deadline, _ := ctx.Deadline()
	fmt.Printf("echo: handled %s\n", lc.AwsRequestID)
	return reply{
		Message:      e.Message,
		RequestID:    lc.AwsRequestID,
		FunctionARN:  lc.InvokedFunctionArn,
		DeadlineMS:   deadline.UnixMilli(),
		FunctionName: lambdacontext.FunctionName,
		MemoryMB:     lambdacontext.MemoryLimitInMB,
		Version:      lambdacontext.FunctionVersion,
		Env:          os.Environ(),
	}, nil
}

func postInitError(msg string) error {
	body, err := json.Marshal(map[string]string{"errorMessage": msg, "errorType": "Runtime.ConfigurationError"})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	url := "http://" + os.Getenv("AWS_LAMBDA_RUNTIME_API") + "/2018-06-01/runtime/init/error"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Lambda-Runtime-Function-Error-Type", "Runtime.ConfigurationError")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		return fmt.Errorf("init/error: status %s", resp.Status)
	}
	return nil
}

func main() {
	if msg := os.Getenv("ECHO_INIT_ERROR"); msg != "" {
		fmt.Fprintln(os.Stderr, "echo: init failed:", msg)
		if err := postInitError(msg); err != nil {
			fmt.Fprintln(os.Stderr, "echo: posting the init error:", err)
		}
		if os.Getenv("ECHO_INIT_ERROR_STAY") != "" {
			time.Sleep(time.Hour)
		}
		os.Exit(3)
	}
	if os.Getenv("ECHO_EXIT_AT_INIT") != "" {
		fmt.Fprintln(os.Stderr, "echo: exiting at init")
		os.Exit(2)
	}
	lambda.Start(handle)
}

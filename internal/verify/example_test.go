package verify_test

import (
	"errors"
	"fmt"

	"github.com/gatehouse-dev/cognito-authorizer/internal/verify"
)

func ExampleReason() {
	for _, err := range []error{
		fmt.Errorf("%w: exp 1700000000", verify.ErrExpired),
		verify.ErrKeysUnavailable,
		errors.New("something else"),
	} {
		switch {
		case errors.Is(err, verify.ErrKeysUnavailable):
			fmt.Println("outage:", verify.Reason(err))
		default:
			fmt.Println("unauthorized:", verify.Reason(err))
		}
	}
	// Output:
	// unauthorized: expired
	// outage: keys_unavailable
	// unauthorized: error
}

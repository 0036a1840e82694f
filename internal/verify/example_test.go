package verify_test

import (
	"errors"
	"fmt"

	"github.com/gatehouse-dev/cognito-authorizer/internal/verify"
)

// Every failure of Verify matches exactly one of the package's errors;
// all but ErrKeysUnavailable mean the token is refused.
func Example_errors() {
	for _, err := range []error{
		fmt.Errorf("%w: exp 1700000000", verify.ErrExpired),
		verify.ErrKeysUnavailable,
	} {
		switch {
		case errors.Is(err, verify.ErrKeysUnavailable):
			fmt.Println("outage:", err)
		default:
			fmt.Println("unauthorized:", err)
		}
	}
	// Output:
	// unauthorized: token expired: exp 1700000000
	// outage: signing keys unavailable
}

package decide_test

import (
	"context"
	"time"

	"github.com/gatehouse-dev/cognito-authorizer/internal/verify"
)

// panicVerifier panics in Verify: a bug Decide must refuse, not crash on.
type panicVerifier struct{}

func (panicVerifier) Verify(context.Context, string) (*verify.Claims, error) { panic("boom") }

// revocationFunc answers every Check with f's error.
type revocationFunc func() error

func (f revocationFunc) Check(context.Context, string, string, time.Time) error { return f() }

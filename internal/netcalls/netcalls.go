// Package netcalls counts the network calls made on behalf of one
// invocation (the key set fetches and the revocation table reads its
// decision needed), which its log line reports as metrics.
//
// The counter travels in the invocation's context: the packages that make
// the calls (jwks, revocation) count into whatever counter the context they
// were given carries, and a call made without one (the key fetch at
// start-up, a fetch in the background) counts nothing. A caller that waits
// for a call another invocation started has made none.
//
// Standard library only, and below every package that makes a call.
package netcalls

import (
	"context"
	"sync/atomic"
)

// Kind is a kind of network call.
type Kind int

// The calls counted.
const (
	// JWKSFetch is one GET of an issuer's JSON Web Key Set.
	JWKSFetch Kind = iota
	// RevocationLookup is one read of the revocation table (a cache miss).
	RevocationLookup
	kinds
)

// Counter counts the calls of one invocation. It is safe for concurrent
// use; a nil *Counter has counted nothing.
type Counter struct {
	n [kinds]atomic.Int64
}

// counterKey is the context key of the invocation's Counter.
type counterKey struct{}

// counterContext is context.WithValue's context with the Counter inside:
// one allocation per invocation rather than two.
type counterContext struct {
	context.Context
	c Counter
}

// Value answers the Counter for its key, and asks the parent for others.
func (x *counterContext) Value(key any) any {
	if key == (counterKey{}) {
		return &x.c
	}
	return x.Context.Value(key)
}

// WithCounter returns ctx carrying a new Counter, and that Counter.
func WithCounter(ctx context.Context) (context.Context, *Counter) {
	x := &counterContext{Context: ctx}
	return x, &x.c
}

// Add counts one call of kind k against the Counter ctx carries, if any.
func Add(ctx context.Context, k Kind) {
	if c, _ := ctx.Value(counterKey{}).(*Counter); c != nil {
		c.n[k].Add(1)
	}
}

// Count returns the calls of kind k counted so far.
func (c *Counter) Count(k Kind) int64 {
	if c == nil {
		return 0
	}
	return c.n[k].Load()
}

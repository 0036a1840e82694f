package jwks

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/MicahParks/jwkset"
)

// The rest of jwkset.Storage. Keys are read by kid only and written only by
// a fetch; the set is shown public keys only.

// KeyReadAll refuses: keys are handed out by kid only, so that no caller
// (keyfunc tries every key of a token without kid) bypasses KeyRead's
// refresh, or tries keys a token did not name.
func (c *Cache) KeyReadAll(context.Context) ([]jwkset.JWK, error) {
	return nil, errors.New("jwks: keys are read by kid only")
}

// KeyDelete refuses: the set changes only by fetching.
func (c *Cache) KeyDelete(context.Context, string) (bool, error) { return false, errReadOnly }

// KeyWrite refuses: a key written by hand would skip the KeyPolicy.
func (c *Cache) KeyWrite(context.Context, jwkset.JWK) error { return errReadOnly }

// KeyReplaceAll refuses: the set changes only by fetching.
func (c *Cache) KeyReplaceAll(context.Context, []jwkset.JWK) error { return errReadOnly }

// JSON returns the cached set's public keys as a JWKS.
func (c *Cache) JSON(ctx context.Context) (json.RawMessage, error) { return c.keys.JSONPublic(ctx) }

// JSONPublic returns the cached set's public keys as a JWKS.
func (c *Cache) JSONPublic(ctx context.Context) (json.RawMessage, error) {
	return c.keys.JSONPublic(ctx)
}

// JSONPrivate returns the public keys too: the cache never holds private
// material.
func (c *Cache) JSONPrivate(ctx context.Context) (json.RawMessage, error) {
	return c.keys.JSONPublic(ctx)
}

// JSONWithOptions returns the cached set as a JWKS with the given options.
func (c *Cache) JSONWithOptions(ctx context.Context, m jwkset.JWKMarshalOptions, v jwkset.JWKValidateOptions) (json.RawMessage, error) {
	m.Private = false
	return c.keys.JSONWithOptions(ctx, m, v)
}

// Marshal returns the cached set's public keys.
func (c *Cache) Marshal(ctx context.Context) (jwkset.JWKSMarshal, error) {
	return c.keys.MarshalWithOptions(ctx, jwkset.JWKMarshalOptions{}, jwkset.JWKValidateOptions{})
}

// MarshalWithOptions returns the cached set with the given options.
func (c *Cache) MarshalWithOptions(ctx context.Context, m jwkset.JWKMarshalOptions, v jwkset.JWKValidateOptions) (jwkset.JWKSMarshal, error) {
	m.Private = false
	return c.keys.MarshalWithOptions(ctx, m, v)
}

package jwks

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"

	"github.com/MicahParks/jwkset"
)

// fetch replaces the set with the JWKS's usable keys and returns their count.
// A set that could not be fetched or parsed, or that has no usable key,
// leaves the old one in place and is an error. A kid listed twice is
// refused, both keys.
func (c *Cache) fetch(ctx context.Context) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET %s: status %d", c.url, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxSize+1))
	if err != nil {
		return 0, fmt.Errorf("GET %s: %w", c.url, err)
	}
	if len(body) > MaxSize {
		return 0, fmt.Errorf("GET %s: JWKS larger than %d bytes", c.url, MaxSize)
	}
	var set jwkset.JWKSMarshal
	if err := json.Unmarshal(body, &set); err != nil {
		return 0, fmt.Errorf("GET %s: JWKS is not JSON: %w", c.url, err)
	}
	keys := make([]jwkset.JWK, 0, len(set.Keys))
	var skipped []error
	seen := make(map[string]int, len(set.Keys))
	for _, m := range set.Keys {
		seen[m.KID]++
	}
	for _, m := range set.Keys {
		if n := seen[m.KID]; n != 1 && m.KID != "" {
			// Which of the keys signs a token of that kid cannot be
			// told: trust neither, and say so once.
			if n > 1 {
				skipped = append(skipped, fmt.Errorf("kid %.64q listed %d times: none of its keys is trusted", m.KID, n))
				seen[m.KID] = 0
			}
			continue
		}
		jwk, err := usable(m, c.policy)
		if err != nil {
			skipped = append(skipped, err)
			continue
		}
		keys = append(keys, jwk)
	}
	if len(skipped) > 0 {
		c.cfg.log.LogAttrs(ctx, slog.LevelError, "JWKS keys refused",
			slog.String("jwks_url", c.url), slog.String("error", errors.Join(skipped...).Error()))
	}
	if len(keys) == 0 {
		// A set with nothing usable is a failed fetch, not a rotation to
		// no keys: the last good set stays.
		return 0, fmt.Errorf("GET %s: JWKS has no usable %s signing key", c.url, c.policy.Algorithm)
	}
	if err := c.keys.KeyReplaceAll(ctx, keys); err != nil {
		return 0, err
	}
	return len(keys), nil
}

// usable turns one JWK of the set into a key keyfunc can use, or says why it
// is not one: only RSA signing keys with a kid that p allows. x5u and x5c are
// ignored, never fetched.
func usable(m jwkset.JWKMarshal, p KeyPolicy) (jwkset.JWK, error) {
	switch {
	case m.KID == "":
		return jwkset.JWK{}, errors.New("a key without kid")
	case m.KTY != jwkset.KtyRSA:
		return jwkset.JWK{}, fmt.Errorf("key %q: kty %q, want RSA", m.KID, m.KTY)
	case m.USE != "" && m.USE != jwkset.UseSig:
		return jwkset.JWK{}, fmt.Errorf("key %q: use %q, want sig", m.KID, m.USE)
	case m.ALG != "" && m.ALG.String() != p.Algorithm:
		return jwkset.JWK{}, fmt.Errorf("key %q: alg %q, want %s", m.KID, m.ALG, p.Algorithm)
	}
	public := jwkset.JWKMarshal{KTY: m.KTY, KID: m.KID, ALG: m.ALG, USE: m.USE, N: m.N, E: m.E}
	jwk, err := jwkset.NewJWKFromMarshal(public, jwkset.JWKMarshalOptions{}, jwkset.JWKValidateOptions{})
	if err != nil {
		return jwkset.JWK{}, fmt.Errorf("key %q: %w", m.KID, err)
	}
	pub, ok := jwk.Key().(*rsa.PublicKey)
	if !ok {
		return jwkset.JWK{}, fmt.Errorf("key %q: not an RSA public key", m.KID)
	}
	if bits := pub.N.BitLen(); bits < p.MinRSABits || bits > p.MaxRSABits {
		return jwkset.JWK{}, fmt.Errorf("key %q: %d-bit RSA, want %d to %d", m.KID, bits, p.MinRSABits, p.MaxRSABits)
	}
	return jwk, nil
}

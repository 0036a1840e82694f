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
	"slices"
	"strings"

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
		return 0, fmt.Errorf("GET %s: JWKS has no usable signing key for %s", c.url, strings.Join(c.policy.Algorithms, ", "))
	}
	if err := c.keys.KeyReplaceAll(ctx, keys); err != nil {
		return 0, err
	}
	return len(keys), nil
}

// usable turns one JWK of the set into a key a verifier can use, or says why
// it is not one: only signing keys with a kid that can verify one of p's
// algorithms (VerificationKey; a key naming its alg, that one), RSA ones
// within p's modulus bounds. Only the public parameters are read; x5u and
// x5c are ignored, never fetched.
func usable(m jwkset.JWKMarshal, p KeyPolicy) (jwkset.JWK, error) {
	switch {
	case m.KID == "":
		return jwkset.JWK{}, errors.New("a key without kid")
	case m.USE != "" && m.USE != jwkset.UseSig:
		return jwkset.JWK{}, fmt.Errorf("key %.64q: use %.32q, want sig", m.KID, m.USE)
	case m.ALG != "" && !slices.Contains(p.Algorithms, m.ALG.String()):
		return jwkset.JWK{}, fmt.Errorf("key %.64q: alg %.32q, want %s", m.KID, m.ALG, strings.Join(p.Algorithms, ", "))
	}
	public := jwkset.JWKMarshal{KTY: m.KTY, KID: m.KID, ALG: m.ALG, USE: m.USE}
	switch m.KTY {
	case jwkset.KtyRSA:
		public.N, public.E = m.N, m.E
	case jwkset.KtyEC:
		public.CRV, public.X, public.Y = m.CRV, m.X, m.Y
	default:
		return jwkset.JWK{}, fmt.Errorf("key %.64q: kty %.32q, want RSA or EC", m.KID, m.KTY)
	}
	jwk, err := jwkset.NewJWKFromMarshal(public, jwkset.JWKMarshalOptions{}, jwkset.JWKValidateOptions{})
	if err != nil {
		return jwkset.JWK{}, fmt.Errorf("key %.64q: %w", m.KID, err)
	}
	if m.ALG != "" {
		// Its one algorithm is the policy's (above): does the key fit it?
		if _, err := VerificationKey(jwk, m.ALG.String()); err != nil {
			return jwkset.JWK{}, err
		}
	} else if !slices.ContainsFunc(p.Algorithms, func(alg string) bool {
		_, err := VerificationKey(jwk, alg)
		return err == nil
	}) {
		return jwkset.JWK{}, fmt.Errorf("key %.64q: %s verifies none of %s", m.KID, describe(jwk.Key()), strings.Join(p.Algorithms, ", "))
	}
	if pub, ok := jwk.Key().(*rsa.PublicKey); ok {
		if bits := pub.N.BitLen(); bits < p.MinRSABits || bits > p.MaxRSABits {
			return jwkset.JWK{}, fmt.Errorf("key %.64q: %d-bit RSA, want %d to %d", m.KID, bits, p.MinRSABits, p.MaxRSABits)
		}
	}
	return jwk, nil
}

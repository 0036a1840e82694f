package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"
)

// checkLocalJWKS fails clearly when the settings point the authorizer at a
// key set on this machine (make devtoken's) that nothing serves: every
// token would otherwise be answered with the outage error, after the
// build.
func checkLocalJWKS(ctx context.Context, jwksURL string) error {
	u, err := url.Parse(jwksURL)
	if err != nil || u.Scheme != "http" {
		return nil
	}
	if ip := net.ParseIP(u.Hostname()); u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, jwksURL, nil)
	if err != nil {
		return nil
	}
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			return nil
		}
		err = fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return fmt.Errorf("nothing serves the keys at %s (%v): start make devtoken (it serves them and writes .local/; e.g. make devtoken & in this shell), then make invoke again", jwksURL, err)
}

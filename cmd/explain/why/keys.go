package why

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/gatehouse-dev/cognito-authorizer/internal/jwks"
)

// serveKeys serves the JWKS document data on 127.0.0.1 until stop, and
// returns its URL. The issuers' key caches fetch it there, so that a key
// file is read by the very code that reads an issuer's JWKS in Lambda
// (its size limit, its key policy), not by a second reader.
func serveKeys(data []byte) (url string, stop func(), err error) {
	if err := checkJWKS(data); err != nil {
		return "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	const path = "/jwks.json"
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+path, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(data)
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String() + path, func() { srv.Close() }, nil
}

// checkJWKS refuses what is not a JWKS with at least one key, or is larger
// than the authorizer reads.
func checkJWKS(data []byte) error {
	if len(data) > jwks.MaxSize {
		return fmt.Errorf("%d bytes: the authorizer reads a JWKS of at most %d", len(data), jwks.MaxSize)
	}
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&set); err != nil {
		return fmt.Errorf("not a JWKS (a JSON object with a keys array): %w", err)
	}
	if len(set.Keys) == 0 {
		return errors.New("not a JWKS: no keys")
	}
	return nil
}

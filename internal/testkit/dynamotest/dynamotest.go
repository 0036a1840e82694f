// Package dynamotest is an in-memory stand-in for DynamoDB's HTTP API, for
// local runs that need only Go (make demo): GetItem, PutItem and
// BatchGetItem on tables keyed by one string partition key, enough for the
// revocation table. Point the SDK at it with AWS_ENDPOINT_URL_DYNAMODB.
// Tests that need DynamoDB's real behaviour use moto (package mototest).
package dynamotest

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
)

// item is one item as DynamoDB's JSON carries it: attribute name to
// attribute value ({"S": "..."}, {"N": "..."}).
type item map[string]map[string]string

// Server is the stand-in. Its zero value is not usable; call Start.
type Server struct {
	key string // the partition key's attribute name, in every table
	srv *http.Server
	ln  net.Listener

	mu     sync.Mutex
	tables map[string]map[string]item // table -> key value -> item
}

// Start serves tables keyed by the string attribute key on 127.0.0.1, until
// Close.
func Start(key string) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{key: key, ln: ln, tables: map[string]map[string]item{}}
	s.srv = &http.Server{Handler: s}
	go s.srv.Serve(ln)
	return s, nil
}

// URL is the endpoint for AWS_ENDPOINT_URL_DYNAMODB.
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() }

// Close stops the server.
func (s *Server) Close() error { return s.srv.Close() }

// ServeHTTP answers one DynamoDB JSON 1.0 request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "DynamoDB_20120810.")
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		fail(w, "SerializationException", err.Error())
		return
	}
	var out any
	switch op {
	case "PutItem":
		var in struct {
			TableName string
			Item      item
		}
		if err := json.Unmarshal(body, &in); err != nil {
			fail(w, "SerializationException", err.Error())
			return
		}
		s.put(in.TableName, in.Item)
		out = struct{}{}
	case "GetItem":
		var in struct {
			TableName string
			Key       item
		}
		if err := json.Unmarshal(body, &in); err != nil {
			fail(w, "SerializationException", err.Error())
			return
		}
		res := map[string]any{}
		if it, ok := s.get(in.TableName, in.Key); ok {
			res["Item"] = it
		}
		out = res
	case "BatchGetItem":
		var in struct {
			RequestItems map[string]struct{ Keys []item }
		}
		if err := json.Unmarshal(body, &in); err != nil {
			fail(w, "SerializationException", err.Error())
			return
		}
		responses := map[string][]item{}
		for table, req := range in.RequestItems {
			responses[table] = []item{}
			for _, k := range req.Keys {
				if it, ok := s.get(table, k); ok {
					responses[table] = append(responses[table], it)
				}
			}
		}
		out = map[string]any{"Responses": responses, "UnprocessedKeys": map[string]any{}}
	default:
		fail(w, "UnknownOperationException", op+" is not served by dynamotest")
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	json.NewEncoder(w).Encode(out)
}

func (s *Server) put(table string, it item) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tables[table] == nil {
		s.tables[table] = map[string]item{}
	}
	s.tables[table][it[s.key]["S"]] = it
}

func (s *Server) get(table string, key item) (item, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	it, ok := s.tables[table][key[s.key]["S"]]
	return it, ok
}

func fail(w http.ResponseWriter, typ, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.WriteHeader(http.StatusBadRequest)
	json.NewEncoder(w).Encode(map[string]string{"__type": "com.amazonaws.dynamodb.v20120810#" + typ, "message": msg})
}

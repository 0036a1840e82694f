// Package dynamotest is an in-memory stand-in for DynamoDB's HTTP API, for
// local runs that need only Go (make demo, make start-api): CreateTable,
// PutItem (with a ConditionExpression), GetItem, BatchGetItem and Query (a
// key condition on the partition key, either order, Limit and
// ExclusiveStartKey), enough for the notes and revocation tables. Point the
// SDK at it with AWS_ENDPOINT_URL_DYNAMODB.
//
// It keeps DynamoDB's semantics where the project depends on them (a failed
// condition writes nothing and answers ConditionalCheckFailedException;
// Query pages by key) and leaves the rest out: no throughput, no size
// limits, no indexes, every read consistent. Tests that need DynamoDB's
// real behaviour use moto (package mototest).
package dynamotest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// value is one attribute value as DynamoDB's JSON carries it: {"S": "..."},
// {"N": "12"}, {"BOOL": true}, {"L": [...]}, ...
type value map[string]any

// item is one item: attribute name to value.
type item map[string]value

// table is one table's key schema and items, by key.
type table struct {
	hash, rng string // attribute names; rng empty without a sort key
	items     map[string]item
}

func (t *table) key(it item) (string, error) {
	h, ok := scalar(it[t.hash])
	if !ok {
		return "", fmt.Errorf("the key attribute %s is missing or not a scalar", t.hash)
	}
	if t.rng == "" {
		return h, nil
	}
	r, ok := scalar(it[t.rng])
	if !ok {
		return "", fmt.Errorf("the key attribute %s is missing or not a scalar", t.rng)
	}
	return h + "\x00" + r, nil
}

// Server is the stand-in. Its zero value is not usable; call Start.
type Server struct {
	defaultKey string // partition key of tables used before CreateTable; "" for none
	srv        *http.Server
	ln         net.Listener

	mu     sync.Mutex
	tables map[string]*table
}

// Start serves on 127.0.0.1 until Close. A table used before it is created
// (with CreateTable, or the CreateTable operation) is made on first use,
// keyed by the string attribute defaultKey alone; with defaultKey empty, it
// does not exist (ResourceNotFoundException), as in DynamoDB.
func Start(defaultKey string) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{defaultKey: defaultKey, ln: ln, tables: map[string]*table{}}
	s.srv = &http.Server{Handler: s}
	go s.srv.Serve(ln)
	return s, nil
}

// URL is the endpoint for AWS_ENDPOINT_URL_DYNAMODB.
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() }

// Close stops the server.
func (s *Server) Close() error { return s.srv.Close() }

// CreateTable creates the table name keyed by the attribute hash and, if
// rangeKey is not empty, the sort key rangeKey. Creating a table that
// exists is an error.
func (s *Server) CreateTable(name, hash, rangeKey string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.tables[name]; ok {
		return fmt.Errorf("table %s exists", name)
	}
	s.tables[name] = &table{hash: hash, rng: rangeKey, items: map[string]item{}}
	return nil
}

// apiError is an error DynamoDB answers with a type.
type apiError struct {
	typ, msg string
}

func (e *apiError) Error() string { return e.typ + ": " + e.msg }

func errValidation(format string, args ...any) error {
	return &apiError{"ValidationException", fmt.Sprintf(format, args...)}
}

// ServeHTTP answers one DynamoDB JSON 1.0 request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "DynamoDB_20120810.")
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		fail(w, &apiError{"SerializationException", err.Error()})
		return
	}
	handlers := map[string]func([]byte) (any, error){
		"CreateTable":  s.createTable,
		"PutItem":      s.putItem,
		"GetItem":      s.getItem,
		"BatchGetItem": s.batchGetItem,
		"Query":        s.query,
	}
	h, ok := handlers[op]
	if !ok {
		fail(w, &apiError{"UnknownOperationException", op + " is not served by dynamotest"})
		return
	}
	out, err := h(body)
	if err != nil {
		fail(w, err)
		return
	}
	reply(w, http.StatusOK, out)
}

// reply writes v as a DynamoDB response with status, and its body's
// CRC32 in X-Amz-Crc32 as DynamoDB sends it: the SDK checks the body
// against that header, and warns on stderr when it is missing.
func reply(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError"}`)
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(b)), 10))
	w.WriteHeader(status)
	w.Write(b)
}

func decode(body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		return &apiError{"SerializationException", err.Error()}
	}
	return nil
}

// lookup returns the table name, creating it with the default key if there
// is one. s.mu is held.
func (s *Server) lookup(name string) (*table, error) {
	if t, ok := s.tables[name]; ok {
		return t, nil
	}
	if s.defaultKey == "" {
		return nil, &apiError{"ResourceNotFoundException", "Requested resource not found: Table: " + name + " not found"}
	}
	t := &table{hash: s.defaultKey, items: map[string]item{}}
	s.tables[name] = t
	return t, nil
}

func (s *Server) createTable(body []byte) (any, error) {
	var in struct {
		TableName string
		KeySchema []struct{ AttributeName, KeyType string }
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	var hash, rng string
	for _, k := range in.KeySchema {
		switch k.KeyType {
		case "HASH":
			hash = k.AttributeName
		case "RANGE":
			rng = k.AttributeName
		}
	}
	if in.TableName == "" || hash == "" {
		return nil, errValidation("a table needs a name and a HASH key")
	}
	if err := s.CreateTable(in.TableName, hash, rng); err != nil {
		return nil, &apiError{"ResourceInUseException", err.Error()}
	}
	return map[string]any{"TableDescription": map[string]any{"TableName": in.TableName, "TableStatus": "ACTIVE"}}, nil
}

// expressionInput is what PutItem and Query share.
type expressionInput struct {
	ExpressionAttributeNames  map[string]string
	ExpressionAttributeValues map[string]value
}

func (s *Server) putItem(body []byte) (any, error) {
	var in struct {
		TableName           string
		Item                item
		ConditionExpression string
		expressionInput
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	var cond expr
	if in.ConditionExpression != "" {
		var err error
		if cond, err = parseExpr(in.ConditionExpression); err != nil {
			return nil, errValidation("Invalid ConditionExpression: %v", err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.lookup(in.TableName)
	if err != nil {
		return nil, err
	}
	k, err := t.key(in.Item)
	if err != nil {
		return nil, errValidation("One or more parameter values were invalid: %v", err)
	}
	if cond != nil {
		ok, err := cond.eval(env{item: t.items[k], names: in.ExpressionAttributeNames, values: in.ExpressionAttributeValues})
		if err != nil {
			return nil, errValidation("Invalid ConditionExpression: %v", err)
		}
		if !ok {
			return nil, &apiError{"ConditionalCheckFailedException", "The conditional request failed"}
		}
	}
	t.items[k] = in.Item
	return struct{}{}, nil
}

func (s *Server) getItem(body []byte) (any, error) {
	var in struct {
		TableName string
		Key       item
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.lookup(in.TableName)
	if err != nil {
		return nil, err
	}
	k, err := t.key(in.Key)
	if err != nil {
		return nil, errValidation("The provided key element does not match the schema: %v", err)
	}
	out := map[string]any{}
	if it, ok := t.items[k]; ok {
		out["Item"] = it
	}
	return out, nil
}

func (s *Server) batchGetItem(body []byte) (any, error) {
	var in struct {
		RequestItems map[string]struct {
			Keys                     []item
			ProjectionExpression     string
			ExpressionAttributeNames map[string]string
		}
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	responses := map[string][]item{}
	for name, req := range in.RequestItems {
		t, err := s.lookup(name)
		if err != nil {
			return nil, err
		}
		responses[name] = []item{}
		for _, key := range req.Keys {
			k, err := t.key(key)
			if err != nil {
				return nil, errValidation("The provided key element does not match the schema: %v", err)
			}
			if it, ok := t.items[k]; ok {
				responses[name] = append(responses[name], project(it, req.ProjectionExpression, req.ExpressionAttributeNames))
			}
		}
	}
	return map[string]any{"Responses": responses, "UnprocessedKeys": map[string]any{}}, nil
}

func (s *Server) query(body []byte) (any, error) {
	var in struct {
		TableName              string
		KeyConditionExpression string
		ProjectionExpression   string
		FilterExpression       string
		IndexName              string
		ScanIndexForward       *bool
		Limit                  int
		ExclusiveStartKey      item
		expressionInput
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.FilterExpression != "" || in.IndexName != "" {
		// Answering without them would answer wrong, not fail.
		return nil, errValidation("dynamotest answers no FilterExpression and no IndexName")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.lookup(in.TableName)
	if err != nil {
		return nil, err
	}
	// The partition key's equality only: "#k = :v" or "k = :v".
	name, val, ok := strings.Cut(in.KeyConditionExpression, "=")
	name, val = strings.TrimSpace(name), strings.TrimSpace(val)
	if n, isName := in.ExpressionAttributeNames[name]; isName {
		name = n
	}
	want, isValue := scalar(in.ExpressionAttributeValues[val])
	if !ok || name != t.hash || !isValue {
		return nil, errValidation("dynamotest answers a KeyConditionExpression of the partition key's equality only, not %q", in.KeyConditionExpression)
	}
	var items []item
	for _, it := range t.items {
		if h, _ := scalar(it[t.hash]); h == want {
			items = append(items, it)
		}
	}
	slices.SortFunc(items, func(a, b item) int { return compareValues(a[t.rng], b[t.rng]) })
	if in.ScanIndexForward != nil && !*in.ScanIndexForward {
		slices.Reverse(items)
	}
	if in.ExclusiveStartKey != nil {
		// Continue after the key's place in the order, whether or not its
		// item is still there.
		forward := in.ScanIndexForward == nil || *in.ScanIndexForward
		i := slices.IndexFunc(items, func(it item) bool {
			c := compareValues(it[t.rng], in.ExclusiveStartKey[t.rng])
			return forward && c > 0 || !forward && c < 0
		})
		if i < 0 {
			i = len(items)
		}
		items = items[i:]
	}
	out := map[string]any{}
	// DynamoDB gives a LastEvaluatedKey whenever it stops at Limit, even
	// with nothing after it.
	if in.Limit > 0 && len(items) >= in.Limit {
		items = items[:in.Limit]
		last := items[len(items)-1]
		lek := item{t.hash: last[t.hash]}
		if t.rng != "" {
			lek[t.rng] = last[t.rng]
		}
		out["LastEvaluatedKey"] = lek
	}
	projected := make([]item, len(items))
	for i, it := range items {
		projected[i] = project(it, in.ProjectionExpression, in.ExpressionAttributeNames)
	}
	out["Items"], out["Count"], out["ScannedCount"] = projected, len(projected), len(projected)
	return out, nil
}

// project keeps the attributes a ProjectionExpression of top-level names
// lists; all of them without one.
func project(it item, projection string, names map[string]string) item {
	if projection == "" {
		return it
	}
	out := item{}
	for _, p := range strings.Split(projection, ",") {
		p = strings.TrimSpace(p)
		if n, ok := names[p]; ok {
			p = n
		}
		if v, ok := it[p]; ok {
			out[p] = v
		}
	}
	return out
}

// scalar returns an S or N value's text.
func scalar(v value) (string, bool) {
	for _, typ := range []string{"S", "N"} {
		if s, ok := v[typ].(string); ok {
			return s, true
		}
	}
	return "", false
}

// compareValues orders two scalars of one type as DynamoDB does: numbers
// by value, strings by their bytes.
func compareValues(a, b value) int {
	if x, ok := a["N"].(string); ok {
		if y, ok := b["N"].(string); ok {
			fx, _ := strconv.ParseFloat(x, 64)
			fy, _ := strconv.ParseFloat(y, 64)
			return cmp.Compare(fx, fy)
		}
	}
	x, _ := scalar(a)
	y, _ := scalar(b)
	return strings.Compare(x, y)
}

func fail(w http.ResponseWriter, err error) {
	ae, ok := err.(*apiError)
	if !ok {
		ae = &apiError{"InternalServerError", err.Error()}
	}
	reply(w, http.StatusBadRequest, map[string]string{"__type": "com.amazonaws.dynamodb.v20120810#" + ae.typ, "message": ae.msg})
}

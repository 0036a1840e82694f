// Package emftest checks log lines against CloudWatch's Embedded Metric
// Format (EMF), written from the specification alone:
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
// with the limits it refers to: CloudWatch's namespaces
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html#Namespace),
// dimensions (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_Dimension.html)
// and units (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDatum.html).
//
// It shares no code with the authorizer's renderer, so that a line the
// renderer gets wrong fails here.
package emftest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// The specification's limits.
const (
	// MaxSize is the largest EMF log event, in bytes (256 KB).
	MaxSize = 256 << 10
	// MaxDimensions is the most dimension keys in one DimensionSet.
	MaxDimensions = 30
	// MaxMetrics is the most MetricDefinitions in one MetricDirective.
	MaxMetrics = 100
	// MaxValues is the most values of one metric given as an array.
	MaxValues = 100
	// MaxNameLength bounds a namespace, a metric's name and a dimension's
	// name (the specification's JSON schema: 1 to 255 characters).
	MaxNameLength = 255
	// MaxDimensionValueLength bounds a dimension's value (CloudWatch's
	// Dimension).
	MaxDimensionValueLength = 1024
)

// Units are the values a MetricDefinition's Unit may take: CloudWatch's
// metric units (MetricDatum's StandardUnit).
var Units = []string{
	"Seconds", "Microseconds", "Milliseconds",
	"Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes",
	"Bits", "Kilobits", "Megabits", "Gigabits", "Terabits",
	"Percent", "Count",
	"Bytes/Second", "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second",
	"Bits/Second", "Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second",
	"Count/Second", "None",
}

// Document is a valid EMF document as CloudWatch reads it.
type Document struct {
	// Timestamp is _aws.Timestamp, in milliseconds since the epoch.
	Timestamp int64
	// Directives are _aws.CloudWatchMetrics.
	Directives []Directive
	// Members are the root node's members (numbers as json.Number),
	// _aws included.
	Members map[string]any
}

// Directive is one MetricDirective.
type Directive struct {
	Namespace  string
	Dimensions [][]string
	Metrics    []Metric
}

// Metric is one MetricDefinition; Unit and StorageResolution are zero when
// left out.
type Metric struct {
	Name              string
	Unit              string
	StorageResolution int
}

// Validate reports every way doc, one log event, breaks the
// specification; nil when CloudWatch would extract its metrics.
func Validate(doc []byte) error {
	_, err := Parse(doc)
	return err
}

// Parse validates doc as Validate does and returns what CloudWatch reads
// of it.
func Parse(doc []byte) (*Document, error) {
	var c checker
	if len(doc) > MaxSize {
		c.fail("", "the event has %d bytes, more than %d", len(doc), MaxSize)
	}
	root, err := decode(doc, &c)
	if err != nil {
		return nil, fmt.Errorf("not one JSON value: %w", err)
	}
	obj, ok := root.(*object)
	if !ok {
		return nil, errors.New("the root node is not a JSON object")
	}
	d := c.document(obj)
	if err := errors.Join(c.problems...); err != nil {
		return nil, err
	}
	return d, nil
}

// checker collects problems, each with the path of the member at fault.
type checker struct{ problems []error }

func (c *checker) fail(path, format string, args ...any) {
	if path != "" {
		format = path + ": " + format
	}
	c.problems = append(c.problems, fmt.Errorf(format, args...))
}

// object is a JSON object: its members in order, and by name.
type object struct {
	names   []string
	members map[string]any
}

// decode reads exactly one JSON value; numbers stay json.Number, objects
// become *object, and a name given twice in an object is a problem (RFC
// 8259 wants names unique, and a reference to a repeated member names no
// one value).
func decode(doc []byte, c *checker) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	v, err := value(dec, c, "")
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the JSON object")
	}
	return v, nil
}

func value(dec *json.Decoder, c *checker, path string) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch tok {
	case json.Delim('{'):
		o := &object{members: map[string]any{}}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return nil, err
			}
			name := tok.(string)
			v, err := value(dec, c, join(path, name))
			if err != nil {
				return nil, err
			}
			if _, dup := o.members[name]; dup {
				c.fail(path, "member %q given twice", name)
				continue
			}
			o.names = append(o.names, name)
			o.members[name] = v
		}
		_, err := dec.Token() // }
		return o, err
	case json.Delim('['):
		var a []any
		for dec.More() {
			v, err := value(dec, c, fmt.Sprintf("%s[%d]", path, len(a)))
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
		if a == nil {
			a = []any{}
		}
		_, err := dec.Token() // ]
		return a, err
	}
	return tok, nil
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// plain turns a decoded value into maps and slices, for Members.
func plain(v any) any {
	switch v := v.(type) {
	case *object:
		m := make(map[string]any, len(v.members))
		for k, e := range v.members {
			m[k] = plain(e)
		}
		return m
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = plain(e)
		}
		return out
	}
	return v
}

// only reports the members of o that the specification does not define
// there: "objects defined by this specification MUST NOT contain any
// additional members".
func (c *checker) only(o *object, path string, names ...string) {
	for _, n := range o.names {
		if !slices.Contains(names, n) {
			c.fail(path, "member %q is not one of %s", n, strings.Join(names, ", "))
		}
	}
}

// document checks the root node.
func (c *checker) document(root *object) *Document {
	d := &Document{Members: plain(root).(map[string]any)}
	raw, ok := root.members["_aws"]
	if !ok {
		c.fail("", "no _aws member: not an embedded metric format document")
		return d
	}
	meta, ok := raw.(*object)
	if !ok {
		c.fail("_aws", "%s, want an object", kind(raw))
		return d
	}
	c.only(meta, "_aws", "Timestamp", "CloudWatchMetrics")

	switch ts, ok := meta.members["Timestamp"]; {
	case !ok:
		c.fail("_aws", "no Timestamp")
	default:
		n, isNum := ts.(json.Number)
		ms, err := strconv.ParseInt(string(n), 10, 64)
		if !isNum || err != nil || ms < 0 {
			c.fail("_aws.Timestamp", "%s, want a whole number of milliseconds since 1970-01-01T00:00:00Z", describe(ts))
		}
		d.Timestamp = ms
	}

	directives, ok := meta.members["CloudWatchMetrics"]
	if !ok {
		c.fail("_aws", "no CloudWatchMetrics")
		return d
	}
	list, ok := directives.([]any)
	if !ok {
		c.fail("_aws.CloudWatchMetrics", "%s, want an array of MetricDirective objects", kind(directives))
		return d
	}
	for i, v := range list {
		path := fmt.Sprintf("_aws.CloudWatchMetrics[%d]", i)
		o, ok := v.(*object)
		if !ok {
			c.fail(path, "%s, want a MetricDirective object", kind(v))
			continue
		}
		d.Directives = append(d.Directives, c.directive(root, o, path))
	}
	return d
}

// directive checks one MetricDirective and the members it references.
func (c *checker) directive(root, o *object, path string) Directive {
	var d Directive
	c.only(o, path, "Namespace", "Dimensions", "Metrics")
	for _, name := range []string{"Namespace", "Dimensions", "Metrics"} {
		if _, ok := o.members[name]; !ok {
			c.fail(path, "no %s", name)
		}
	}

	if v, ok := o.members["Namespace"]; ok {
		ns, isString := v.(string)
		if !isString {
			c.fail(path+".Namespace", "%s, want a string", kind(v))
		} else if err := checkNamespace(ns); err != nil {
			c.fail(path+".Namespace", "%v", err)
		}
		d.Namespace = ns
	}

	if v, ok := o.members["Dimensions"]; ok {
		sets, isArray := v.([]any)
		switch {
		case !isArray:
			c.fail(path+".Dimensions", "%s, want an array of DimensionSet arrays", kind(v))
		case len(sets) == 0:
			c.fail(path+".Dimensions", "empty, want at least one DimensionSet (which may be empty)")
		}
		for i, s := range sets {
			d.Dimensions = append(d.Dimensions, c.dimensionSet(root, s, fmt.Sprintf("%s.Dimensions[%d]", path, i)))
		}
	}

	if v, ok := o.members["Metrics"]; ok {
		defs, isArray := v.([]any)
		switch {
		case !isArray:
			c.fail(path+".Metrics", "%s, want an array of MetricDefinition objects", kind(v))
		case len(defs) > MaxMetrics:
			c.fail(path+".Metrics", "%d MetricDefinitions, want at most %d", len(defs), MaxMetrics)
		}
		for i, m := range defs {
			d.Metrics = append(d.Metrics, c.metric(root, m, fmt.Sprintf("%s.Metrics[%d]", path, i)))
		}
	}
	return d
}

// dimensionSet checks a DimensionSet: at most MaxDimensions keys, each
// the name of a root member holding a dimension's value.
func (c *checker) dimensionSet(root *object, v any, path string) []string {
	keys, ok := v.([]any)
	if !ok {
		c.fail(path, "%s, want an array of dimension keys", kind(v))
		return nil
	}
	if len(keys) > MaxDimensions {
		c.fail(path, "%d dimension keys, want at most %d", len(keys), MaxDimensions)
	}
	set := make([]string, 0, len(keys))
	for i, k := range keys {
		p := fmt.Sprintf("%s[%d]", path, i)
		name, ok := k.(string)
		if !ok {
			c.fail(p, "%s, want a string naming a member", kind(k))
			continue
		}
		set = append(set, name)
		if err := checkDimensionName(name); err != nil {
			c.fail(p, "%v", err)
		}
		target, ok := root.members[name]
		if !ok {
			c.fail(p, "dimension %q names no member of the root node", name)
			continue
		}
		value, ok := target.(string)
		if !ok {
			c.fail(p, "dimension %q is %s, want a string", name, describe(target))
			continue
		}
		if err := checkDimensionValue(value); err != nil {
			c.fail(p, "dimension %q: %v", name, err)
		}
	}
	return set
}

// metric checks a MetricDefinition and the member holding its value.
func (c *checker) metric(root *object, v any, path string) Metric {
	var m Metric
	o, ok := v.(*object)
	if !ok {
		c.fail(path, "%s, want a MetricDefinition object", kind(v))
		return m
	}
	c.only(o, path, "Name", "Unit", "StorageResolution")

	raw, ok := o.members["Name"]
	if !ok {
		c.fail(path, "no Name")
	} else if name, isString := raw.(string); !isString {
		c.fail(path+".Name", "%s, want a string naming a member", kind(raw))
	} else {
		m.Name = name
		if name == "" || len(name) > MaxNameLength {
			c.fail(path+".Name", "%q: want 1 to %d characters", name, MaxNameLength)
		}
		c.metricValue(root, name, path+".Name")
	}

	if raw, ok := o.members["Unit"]; ok {
		unit, isString := raw.(string)
		if !isString || !slices.Contains(Units, unit) {
			c.fail(path+".Unit", "%s is not a CloudWatch unit", describe(raw))
		}
		m.Unit = unit
	}

	if raw, ok := o.members["StorageResolution"]; ok {
		n, _ := raw.(json.Number)
		switch string(n) {
		case "1", "60":
			m.StorageResolution, _ = strconv.Atoi(string(n))
		default:
			c.fail(path+".StorageResolution", "%s, want 1 (high resolution) or 60", describe(raw))
		}
	}
	return m
}

// metricValue checks the target of a metric's name: a number, or an array
// of at most MaxValues numbers, at the root.
func (c *checker) metricValue(root *object, name, path string) {
	target, ok := root.members[name]
	if !ok {
		c.fail(path, "metric %q names no member of the root node", name)
		return
	}
	switch t := target.(type) {
	case json.Number:
	case []any:
		if len(t) > MaxValues {
			c.fail(path, "metric %q has %d values, want at most %d", name, len(t), MaxValues)
		}
		for i, e := range t {
			if _, ok := e.(json.Number); !ok {
				c.fail(path, "metric %q value %d is %s, want a number", name, i, describe(e))
			}
		}
	default:
		c.fail(path, "metric %q is %s, want a number or an array of numbers", name, describe(target))
	}
}

// checkNamespace applies CloudWatch's rules for a namespace.
func checkNamespace(ns string) error {
	switch {
	case ns == "" || len(ns) > MaxNameLength:
		return fmt.Errorf("%q: want 1 to %d characters", ns, MaxNameLength)
	case strings.TrimSpace(ns) == "":
		return fmt.Errorf("%q: want a character other than space", ns)
	case strings.HasPrefix(ns, "AWS/"):
		return fmt.Errorf("%q: AWS/ is reserved for AWS's services", ns)
	}
	for _, r := range ns {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-/#: ", r)
		if !ok {
			return fmt.Errorf("%q: %q is not allowed in a namespace", ns, r)
		}
	}
	return nil
}

// checkDimensionName applies CloudWatch's rules for a dimension's name:
// ASCII without control characters, not all whitespace, not starting with
// a colon.
func checkDimensionName(name string) error {
	switch {
	case name == "" || len(name) > MaxNameLength:
		return fmt.Errorf("dimension name %q: want 1 to %d characters", name, MaxNameLength)
	case strings.HasPrefix(name, ":"):
		return fmt.Errorf("dimension name %q starts with a colon", name)
	}
	return printableASCII(name)
}

// checkDimensionValue applies CloudWatch's rules for a dimension's value.
func checkDimensionValue(v string) error {
	if v == "" || len(v) > MaxDimensionValueLength {
		return fmt.Errorf("value %q: want 1 to %d characters", v, MaxDimensionValueLength)
	}
	return printableASCII(v)
}

func printableASCII(s string) error {
	if strings.TrimSpace(s) == "" {
		return fmt.Errorf("%q has no character other than whitespace", s)
	}
	for _, r := range s {
		if r < 0x20 || r > 0x7e {
			return fmt.Errorf("%q holds %q: want ASCII without control characters", s, r)
		}
	}
	return nil
}

// kind names a decoded value's JSON type.
func kind(v any) string {
	switch v.(type) {
	case *object:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

// describe is kind with the value of a scalar.
func describe(v any) string {
	switch v := v.(type) {
	case string:
		return fmt.Sprintf("the string %q", v)
	case json.Number:
		return "the number " + string(v)
	case bool:
		return fmt.Sprintf("the boolean %v", v)
	}
	return kind(v)
}

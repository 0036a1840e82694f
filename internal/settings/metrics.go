package settings

import (
	"fmt"
	"strings"
)

// EnvMetricsNamespace names the CloudWatch namespace of the authorizer's
// metrics, written into each decision's log line in the Embedded Metric
// Format. Unset: DefaultMetricsNamespace; set to the empty string: no
// metrics.
const EnvMetricsNamespace = "METRICS_NAMESPACE"

// DefaultMetricsNamespace is the metrics' namespace when METRICS_NAMESPACE
// is unset.
const DefaultMetricsNamespace = "CognitoAuthorizer"

// MaxMetricsNamespace is the longest CloudWatch namespace, in bytes.
const MaxMetricsNamespace = 255

var metricsNamespaceSetting = Setting{
	Name:    EnvMetricsNamespace,
	Default: DefaultMetricsNamespace,
	Doc: "The CloudWatch namespace of the authorizer's metrics, which each decision's log line carries in CloudWatch's Embedded Metric Format (see Metrics and alarms): " +
		"1 to 255 of `A-Z a-z 0-9 . - _ / # :` and space, not starting with `AWS/`. Set to the empty string: no metrics, the plain log line.",
}

// loadMetricsNamespace reads METRICS_NAMESPACE, the default when it is
// empty (LookupAuthorizer tells empty from unset).
func loadMetricsNamespace(p *problems, get func(string) string) string {
	v := get(EnvMetricsNamespace)
	if v == "" {
		return DefaultMetricsNamespace
	}
	if err := checkMetricsNamespace(v); err != nil {
		p.add(EnvMetricsNamespace, "%v", err)
	}
	return v
}

// checkMetricsNamespace checks a namespace against CloudWatch's rules
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html#Namespace):
// 1 to 255 ASCII letters, digits, '.', '-', '_', '/', '#', ':' and spaces,
// not all spaces, and not starting with "AWS/", which AWS keeps for its
// services (PutMetricData refuses it).
func checkMetricsNamespace(ns string) error {
	switch {
	case strings.TrimSpace(ns) == "":
		return fmt.Errorf("%q is not a CloudWatch namespace: it needs a character other than space", ns)
	case len(ns) > MaxMetricsNamespace:
		return fmt.Errorf("%.40q... is not a CloudWatch namespace: %d bytes, want at most %d", ns, len(ns), MaxMetricsNamespace)
	case strings.HasPrefix(ns, "AWS/"):
		return fmt.Errorf("%q is not a CloudWatch namespace of yours: AWS/ is AWS's own", ns)
	}
	for _, c := range []byte(ns) {
		if !namespaceByte(c) {
			return fmt.Errorf("%q is not a CloudWatch namespace: %q is not allowed, want A-Z a-z 0-9 . - _ / # : and space", ns, rune(c))
		}
	}
	return nil
}

func namespaceByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("._-/#: ", c) >= 0
}

// LookupAuthorizer is LoadAuthorizer reading the environment through
// lookup, such as os.LookupEnv, which tells a variable set to the empty
// string from an unset one: METRICS_NAMESPACE set to "" turns the metrics
// off, where LoadAuthorizer's getenv reads it as unset (the default).
func LookupAuthorizer(lookup func(string) (string, bool)) (Authorizer, error) {
	cfg, err := LoadAuthorizer(func(name string) string {
		v, _ := lookup(name)
		return v
	})
	if err != nil {
		return Authorizer{}, err
	}
	switch v, set := lookup(EnvMetricsNamespace); {
	case set && v == "":
		cfg.MetricsNamespace = ""
	case set && strings.TrimSpace(v) == "":
		// Blanks are a mistake, not a choice: the empty string is.
		return Authorizer{}, fmt.Errorf("%s: %q is blank: set it to the empty string for no metrics, or to a namespace", EnvMetricsNamespace, v)
	}
	return cfg, nil
}

// Outcomes are the values of the outcome dimension (DimensionOutcome), the
// decision core's outcomes as the log line writes them: the dashboard
// draws one line per outcome. cmd/authorizer's test holds them to the
// decision core's.
var Outcomes = []string{"allow", "deny", "unauthorized", "unavailable"}

// The authorizer's metrics and their dimensions, as its log lines carry
// them and the deploy templates' dashboard and alarms read them.
const (
	// MetricDecisions counts decisions (1 per invocation).
	MetricDecisions = "Decisions"
	// MetricDecisionLatency is the invocation's duration in milliseconds.
	MetricDecisionLatency = "DecisionLatency"
	// MetricJWKSFetches counts the key set fetches an invocation made.
	MetricJWKSFetches = "JWKSFetches"
	// MetricRevocationLookups counts the revocation table reads an
	// invocation made (cache misses).
	MetricRevocationLookups = "RevocationLookups"

	// DimensionOutcome is the decision's outcome: allow, deny,
	// unauthorized or unavailable.
	DimensionOutcome = "outcome"
	// DimensionReason is the decision's reason, "none" for an Allow.
	DimensionReason = "reason"
	// DimensionRoute is the route rule that decided, "none" when none
	// matched (with route rules on only).
	DimensionRoute = "route"
)

// EnvUsageIdentifierClaim names the claim whose value becomes a REST
// answer's usageIdentifierKey (API Gateway's usage plans with the API key
// source AUTHORIZER).
const EnvUsageIdentifierClaim = "USAGE_IDENTIFIER_CLAIM"

// EnvUsageIdentifierRequired, true, refuses a token without the usage
// identifier claim (reason no_usage_key).
const EnvUsageIdentifierRequired = "USAGE_IDENTIFIER_REQUIRED"

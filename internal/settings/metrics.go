package settings

// EnvMetricsNamespace names the CloudWatch namespace of the authorizer's
// metrics, written into each decision's log line in the Embedded Metric
// Format. Unset: DefaultMetricsNamespace; set to the empty string: no
// metrics.
const EnvMetricsNamespace = "METRICS_NAMESPACE"

// DefaultMetricsNamespace is the metrics' namespace when METRICS_NAMESPACE
// is unset.
const DefaultMetricsNamespace = "CognitoAuthorizer"

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

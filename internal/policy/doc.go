// Package policy turns an API Gateway methodArn and, optionally, route rules
// into the IAM policy a REST API Lambda authorizer returns.
//
// It imports the standard library only, so that the CDK app in infra/ can
// use it to validate rules before deploying them.
//
// # methodArn
//
// ParseMethodARN parses a methodArn strictly into a MethodARN; its errors
// never quote the input, which may carry a token in its path. Without route
// rules the answer is ScopedDocument: Allow or Deny over the whole stage or
// over the methodArn alone.
//
// # Route rules
//
// ParseRules reads a JSON array of rules (ROUTE_RULES, or the file named by
// ROUTE_RULES_FILE):
//
//	[
//	  {"route": "POST /add-note", "groups": ["writers"]},
//	  {"route": "GET /notes"},
//	  {"route": "GET /users/{userId}/notes",
//	   "anyOf": [{"bind": {"userId": "sub"}}, {"groups": ["admins"]}]},
//	  {"route": "ANY /admin/{proxy+}", "groups": ["admins"], "claims": {"custom:tenant": ["acme"]}},
//	  {"route": "GET /reports", "scopes": ["notes/read", "notes/admin"]}
//	]
//
// route is "METHOD /path", METHOD one of GET, POST, PUT, PATCH, DELETE,
// HEAD, OPTIONS or ANY; path segments are literal ([A-Za-z0-9._-]), {name}
// (one segment) or, last only, {name+} (one or more). Conditions, all
// optional: groups (the caller is in at least one), scopes (the token holds
// at least one), claims (each named claim is a string equal to one of the
// listed values, or an array with such an element), bind (path variable to
// claim name: the segment must be the caller's value of that string claim,
// and only values of [A-Za-z0-9._@+-], at most MaxBindValue bytes, other
// than "." and "..", count; never a {name+}, whose value spans segments).
// A rule passes when its own conditions hold and, if it has anyOf, one of
// those condition sets does; a rule without conditions admits every
// verified caller. A null anywhere is refused like an empty list:
// "groups": null is a mistake, not the absence of a condition.
//
// # The policy
//
// Rules.Decide answers with a policy that depends on the token and the
// rules alone, never on the route that triggered the call, because API
// Gateway caches it per token and applies it to the token's later calls on
// any route. It has one Allow statement listing the resources of the rules
// the caller passes and one Deny statement listing those of the rules the
// caller fails; a statement with no resource is left out (a parsed rule set
// always yields at least one). A rule's resource is
// <stage prefix>/<METHOD>/<path> (ANY: one per method), each variable as '*'; a
// rule passed through bind grants the path with the caller's values in the
// bound segments instead. Decision.Allowed is IAM's evaluation of that
// policy for the triggering methodArn, so the decision logged and the one
// API Gateway enforces from its cache cannot differ.
//
// # Overlapping rules
//
// IAM's '*' matches any characters, '/' included, and an explicit Deny beats
// any Allow. Hence:
//   - {x} and {x+} both become '*': GET /notes/{id} also grants GET
//     /notes/a/b, if the API has such a resource, to whoever passes it.
//   - ANY is written out as one resource per method (GET/..., POST/...),
//     never '*', which would span path segments too.
//   - A request whose resource several rules cover is allowed only if the
//     caller passes every one of them: the Deny of any failed rule wins. A
//     narrower rule can therefore restrict what a broader rule grants, but
//     never open up what a broader rule refuses. A failed rule whose path
//     ends in a literal also denies that path with a trailing slash.
//   - A rule passed through bind has no Deny, so ParseRules refuses a rule
//     set in which a resource some caller can get allows a request that
//     API Gateway routes to a rule with bind and that the rule refuses
//     that caller. The resource can be another rule's (GET /users/{id}
//     covers GET /users/{userId}/notes; GET /{section}/health covers GET
//     /users/health; GET /{x}/bob/secret covers GET /u/bob/secret, routed
//     to GET /u/{user}/{kind}; GET /files/{owner}/avatar covers GET
//     /files/bob/diary/avatar, routed to GET /files/{owner}/{path+}),
//     another caller's bound one, or the rule's own (GET
//     /u/{x}/{owner}/{rest+} bound to alice grants GET/u/*/alice/*, which
//     covers GET /u/a/bob/alice/c). A trailing slash counts: GET
//     /users/{userId}/notes/{noteId}'s GET/users/*/notes/* covers GET
//     /users/bob/notes/, which API Gateway routes to GET
//     /users/{userId}/notes. The search is complete and conservative: it
//     ignores Deny statements and takes a caller who holds a resource to
//     meet only the conditions that resource required. A request API
//     Gateway routes to a more specific literal route (GET
//     /users/me/notes) is that route's, and not refused; nor is a caller's
//     resource that covers requests the rule admits them to (an admin's
//     GET/users/*/notes/* beside GET /users/{userId}/notes that admits
//     admins too).
//   - The same method and path twice (whatever the variables' names) is a
//     duplicate and refused; ANY /x beside GET /x is not, and API Gateway
//     routes GET to GET /x.
//
// Decision.Route names the rule API Gateway routes the request to (a
// literal segment before {name}, {name} before {name+}, a method before
// ANY; a path with one trailing slash as the path without it), or, when
// none does, the rule whose resource decided; Reason is that rule's
// failure, not_owner where the caller passed it only for other values, or
// no_rule, also for a passed rule whose resource does not grant the path
// with its trailing slash (GET /notes/).
//
// # Limits
//
// ParseRules refuses a rule set any policy of which could break a limit at
// the longest methodArn prefix ParseMethodARN accepts: a resource over
// MaxResourceLen (512) bytes, or a document over MaxPolicySize. Policies
// hold only characters of IAM's policy character set (U+0020 to U+00FF,
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html).
package policy

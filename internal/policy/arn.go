package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// MaxResourceLen is the longest resource ARN this package emits or accepts,
// in bytes: IAM's limit for an ARN in a policy's Resource element.
const MaxResourceLen = 512

// Bounds of the methodArn's fields. Stage names are at most 128 characters
// of [A-Za-z0-9_-] (API Gateway's CreateStage rule); API ids are 10
// lowercase alphanumerics today, so 32 leaves room without accepting junk.
const (
	maxPartition = 16
	maxRegion    = 32
	maxAPIID     = 32
	maxStage     = 128
)

// ErrBadMethodARN is a methodArn that is not
// arn:<partition>:execute-api:<region>:<account>:<api>/<stage>/<METHOD>/<path>.
// Its text never holds the input, which may carry a token in its path.
var ErrBadMethodARN = errors.New("bad method arn")

// Methods are the HTTP methods API Gateway puts in a methodArn, in the order
// the rules format lists them. A method configured as ANY still reaches the
// authorizer with the request's own verb: ANY exists in the API's
// configuration, not on the wire.
var methods = [...]string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}

// Methods returns the methods, a new slice each call.
func Methods() []string { return slices.Clone(methods[:]) }

// IsMethod reports whether m is one of Methods.
func IsMethod(m string) bool { return slices.Contains(methods[:], m) }

// DefaultStage is the stage name an HTTP API serves at the root of its
// invoke URL. It is not a REST stage name ('$' is outside [A-Za-z0-9_-]):
// only ParseRouteARN accepts it.
const DefaultStage = "$default"

// MethodARN is a methodArn parsed into its parts. The zero value is not a
// valid ARN; values come from ParseMethodARN or ParseRouteARN.
type MethodARN struct {
	Partition string // aws, aws-cn, aws-us-gov, aws-iso, ...
	Region    string // eu-west-1
	Account   string // 12 digits
	APIID     string // the REST API's id
	Stage     string // the stage name ($default: an HTTP API's, from ParseRouteARN only)
	Method    string // GET, POST, ...: the request's verb
	// Path is the request's path without its leading slash, exactly as API
	// Gateway gave it: empty for the root resource, possibly with further
	// slashes.
	Path string
}

// ParseMethodARN parses a methodArn strictly:
//
//	arn:<partition>:execute-api:<region>:<12 digits>:<api id>/<stage>/<METHOD>/<path>
//
// The path is taken as API Gateway sends it and never decoded. API Gateway
// builds the methodArn from the request path as the client sent it
// (percent-encoded octets stay encoded; characters the client did not encode,
// such as quotes, arrive raw) and compares the returned policy against that
// same string, so echoing it unchanged is what matches. The AWS
// documentation shows the shape but not the encoding
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-output.html);
// the behaviour is the one observed against deployed APIs in
// https://github.com/dherault/serverless-offline/issues/265 and
// https://github.com/dherault/serverless-offline/pull/271. Hence the path
// may hold any character a policy document may (U+0020 to U+00FF, IAM's
// character set for policies,
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html),
// spaces and quotes included, except:
//   - '*' and '?', IAM's wildcards, which would widen a policy that echoes
//     the path (and cannot come from a client that encodes them);
//   - control characters (C0, DEL, C1), which no HTTP request line carries;
//   - invalid UTF-8 and characters above U+00FF, which a client sends
//     percent-encoded and IAM does not accept raw.
//
// Every other part is checked against what AWS issues, and the whole ARN
// must fit MaxResourceLen, so that any resource derived from it does too.
// Errors match ErrBadMethodARN and name only the part that failed, with the
// input's length and a short hash of it.
func ParseMethodARN(s string) (MethodARN, error) {
	return parseARN(s, false)
}

// ParseRouteARN parses the routeArn of an HTTP API's payload 2.0 event. It
// has a methodArn's shape and is checked as strictly as ParseMethodARN
// checks one, except that the stage may also be DefaultStage ($default),
// the stage HTTP APIs are usually served by and no REST API can have:
//
//	arn:<partition>:execute-api:<region>:<12 digits>:<api id>/<stage or $default>/<METHOD>/<path>
//
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html).
// A resource built on the result (Resource, StageResource) is a valid
// execute-api resource: '$' is not one of IAM's wildcards. Errors match
// ErrBadMethodARN.
func ParseRouteARN(s string) (MethodARN, error) {
	return parseARN(s, true)
}

// parseARN is ParseMethodARN, taking $default as a stage name if
// defaultStage.
func parseARN(s string, defaultStage bool) (MethodARN, error) {
	if len(s) > MaxResourceLen {
		return MethodARN{}, arnError(s, "longer than 512 bytes")
	}
	fields := strings.SplitN(s, ":", 6)
	if len(fields) != 6 || fields[0] != "arn" || fields[2] != "execute-api" {
		return MethodARN{}, arnError(s, "not an execute-api arn")
	}
	var a MethodARN
	a.Partition, a.Region, a.Account = fields[1], fields[3], fields[4]
	switch {
	case !isPartition(a.Partition):
		return MethodARN{}, arnError(s, "bad partition")
	case !isRegion(a.Region):
		return MethodARN{}, arnError(s, "bad region")
	case !isAccount(a.Account):
		return MethodARN{}, arnError(s, "bad account")
	}
	parts := strings.SplitN(fields[5], "/", 4)
	if len(parts) != 4 {
		return MethodARN{}, arnError(s, "resource is not <api>/<stage>/<method>/<path>")
	}
	a.APIID, a.Stage, a.Method, a.Path = parts[0], parts[1], parts[2], parts[3]
	switch {
	case !isAPIID(a.APIID):
		return MethodARN{}, arnError(s, "bad api id")
	case !isStage(a.Stage) && (!defaultStage || a.Stage != DefaultStage):
		return MethodARN{}, arnError(s, "bad stage")
	case !isMethod(a.Method):
		return MethodARN{}, arnError(s, "bad method")
	case !isRequestPath(a.Path):
		return MethodARN{}, arnError(s, "bad path")
	}
	return a, nil
}

// arnError describes a bad methodArn without quoting it.
func arnError(s, what string) error {
	return fmt.Errorf("%w: %s (%d bytes, sha256 %s)", ErrBadMethodARN, what, len(s), shortHash(s))
}

// shortHash is the first 8 hex digits of s's SHA-256: enough to tell log
// lines apart or match them to a known input, too little to recover it.
func shortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:4])
}

// String returns the ARN in the form ParseMethodARN reads.
func (a MethodARN) String() string {
	return a.Resource(a.Method, a.Path)
}

// Resource returns the execute-api ARN of method and path (without its
// leading slash) on a's partition, region, account, API and stage. Method
// and path are used as given: "*" as method or inside path is IAM's
// wildcard. Callers building resources from outside input check them first.
func (a MethodARN) Resource(method, path string) string {
	var b strings.Builder
	b.Grow(len("arn:::execute-api::://") + len(a.Partition) + len(a.Region) + len(a.Account) +
		len(a.APIID) + len(a.Stage) + 1 + len(method) + len(path))
	b.WriteString("arn:")
	b.WriteString(a.Partition)
	b.WriteString(":execute-api:")
	b.WriteString(a.Region)
	b.WriteByte(':')
	b.WriteString(a.Account)
	b.WriteByte(':')
	b.WriteString(a.APIID)
	b.WriteByte('/')
	b.WriteString(a.Stage)
	b.WriteByte('/')
	b.WriteString(method)
	b.WriteByte('/')
	b.WriteString(path)
	return b.String()
}

// StageResource returns the ARN of every method and path of a's stage,
// arn:...:<api>/<stage>/*/*.
func (a MethodARN) StageResource() string {
	return a.Resource("*", "*")
}

// isPartition accepts aws and its dash-separated variants (aws-cn,
// aws-us-gov, aws-iso-b, aws-eusc, ...).
func isPartition(s string) bool {
	if len(s) > maxPartition || !strings.HasPrefix(s, "aws") {
		return false
	}
	return isLowerWords(s, 1)
}

// isRegion accepts words of lowercase letters joined by dashes and ending
// in a number of one or two digits: us-east-1, us-gov-west-1,
// us-isob-east-1, eusc-de-east-1.
func isRegion(s string) bool {
	if len(s) > maxRegion {
		return false
	}
	i := strings.LastIndexByte(s, '-')
	if i < 0 {
		return false
	}
	num := s[i+1:]
	if len(num) < 1 || len(num) > 2 || !allBytes(num, isDigit) {
		return false
	}
	return isLowerWords(s[:i], 2)
}

// isLowerWords reports whether s is at least min non-empty words of [a-z]
// joined by single dashes.
func isLowerWords(s string, min int) bool {
	words := strings.Split(s, "-")
	if len(words) < min {
		return false
	}
	for _, w := range words {
		if w == "" || !allBytes(w, func(c byte) bool { return c >= 'a' && c <= 'z' }) {
			return false
		}
	}
	return true
}

func isAccount(s string) bool {
	return len(s) == 12 && allBytes(s, isDigit)
}

func isAPIID(s string) bool {
	return len(s) >= 1 && len(s) <= maxAPIID &&
		allBytes(s, func(c byte) bool { return isDigit(c) || c >= 'a' && c <= 'z' })
}

func isStage(s string) bool {
	return len(s) >= 1 && len(s) <= maxStage && allBytes(s, func(c byte) bool {
		return isDigit(c) || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '-'
	})
}

func isMethod(s string) bool {
	for _, m := range methods {
		if s == m {
			return true
		}
	}
	return false
}

// isRequestPath accepts the printable characters of IAM's policy
// character set, U+0020 to U+00FF, without IAM's wildcards.
func isRequestPath(s string) bool {
	for _, r := range s {
		switch {
		case r > 0xff: // also utf8.RuneError, for invalid UTF-8
			return false
		case r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0:
			return false
		case r == '*' || r == '?':
			return false
		}
	}
	return true
}

func allBytes(s string, ok func(byte) bool) bool {
	for i := 0; i < len(s); i++ {
		if !ok(s[i]) {
			return false
		}
	}
	return true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

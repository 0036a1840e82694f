package authorizer

import (
	"errors"
	"fmt"
	"strings"

	"github.com/gatehouse-dev/cognito-authorizer/internal/settings"
)

// maxMethodARN bounds the methodArn parsed.
const maxMethodARN = 2048

// errBadMethodARN is a methodArn that is not an execute-api ARN.
var errBadMethodARN = errors.New("methodArn is not arn:<partition>:execute-api:<region>:<account>:<api>/<stage>/<method>/<path>")

// policyResource returns the Resource of the policy for methodArn: the whole
// stage (arn:...:{apiId}/{stage}/*/*), so that the policy API Gateway caches
// for the token also fits the other methods of the API, or the methodArn
// itself.
func policyResource(methodARN string, scope settings.PolicyResource) (string, error) {
	if len(methodARN) > maxMethodARN {
		return "", fmt.Errorf("%w: %d bytes long", errBadMethodARN, len(methodARN))
	}
	parts := strings.SplitN(methodARN, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] == "" || parts[2] != "execute-api" ||
		parts[3] == "" || !isAccount(parts[4]) {
		return "", fmt.Errorf("%w: %.200q", errBadMethodARN, methodARN)
	}
	path := strings.SplitN(parts[5], "/", 4)
	if len(path) < 3 || path[0] == "" || path[1] == "" || path[2] == "" {
		return "", fmt.Errorf("%w: %.200q", errBadMethodARN, methodARN)
	}
	if strings.ContainsAny(methodARN, " \t\r\n\"") {
		return "", fmt.Errorf("%w: %.200q", errBadMethodARN, methodARN)
	}
	if scope == settings.PolicyMethod {
		return methodARN, nil
	}
	return strings.Join(parts[:5], ":") + ":" + path[0] + "/" + path[1] + "/*/*", nil
}

func isAccount(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

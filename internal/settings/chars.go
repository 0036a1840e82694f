package settings

import "strings"

// The settings' syntax checks are written out rather than compiled from
// regular expressions: every function's package initialisation compiled
// them before main (about 1.3 ms and 10,000 allocations of the
// authorizer's cold start). chars_test.go checks each against the
// regular expression it replaces, on generated strings.

// userPoolParts splits a user pool id into its region and its own part:
// a region (two lowercase letters, one or more -letters parts, a -number
// of one or two digits), an underscore, and 1 to 40 letters and digits.
// Cognito's own ids have 9 characters after the region; local emulators
// such as moto use longer ones. Both form valid issuer URLs; anything else
// would not. ok is false for anything else.
func userPoolParts(id string) (region string, ok bool) {
	region, own, found := strings.Cut(id, "_")
	if !found || !between(len(own), 1, 40) || !all(own, isAlnum) {
		return "", false
	}
	parts := strings.Split(region, "-")
	if len(parts) < 3 || len(parts[0]) != 2 || !all(parts[0], isLower) {
		return "", false
	}
	for _, p := range parts[1 : len(parts)-1] {
		if p == "" || !all(p, isLower) {
			return "", false
		}
	}
	if last := parts[len(parts)-1]; !between(len(last), 1, 2) || !all(last, isDigit) {
		return "", false
	}
	return region, true
}

// isClientID: 1 to 128 letters, digits, underscores and pluses.
func isClientID(s string) bool {
	return between(len(s), 1, 128) && all(s, func(c byte) bool { return isAlnum(c) || c == '_' || c == '+' })
}

// isHeaderToken: RFC 9110's token, the characters of a field name, 1 to
// 128 of them.
func isHeaderToken(s string) bool {
	return between(len(s), 1, 128) && all(s, func(c byte) bool {
		return isAlnum(c) || strings.IndexByte("!#$%&'*+.^_`|~-", c) >= 0
	})
}

// isTableNameChars: 3 to 255 letters, digits, '_', '.' and '-', a
// DynamoDB table's name.
func isTableNameChars(s string) bool {
	return between(len(s), 3, 255) && all(s, func(c byte) bool { return isAlnum(c) || c == '_' || c == '.' || c == '-' })
}

// isTableARN: arn:aws<partition suffix>:dynamodb:<region>:<12 digits>:table/<name>.
func isTableARN(s string) bool {
	f := strings.SplitN(s, ":", 6)
	if len(f) != 6 || f[0] != "arn" || f[2] != "dynamodb" {
		return false
	}
	partition, ok := strings.CutPrefix(f[1], "aws")
	if !ok || !all(partition, func(c byte) bool { return isLower(c) || c == '-' }) {
		return false
	}
	if f[3] == "" || !all(f[3], func(c byte) bool { return isLower(c) || isDigit(c) || c == '-' }) {
		return false
	}
	if len(f[4]) != 12 || !all(f[4], isDigit) {
		return false
	}
	name, ok := strings.CutPrefix(f[5], "table/")
	return ok && isTableNameChars(name)
}

func between(n, lo, hi int) bool { return n >= lo && n <= hi }

// all reports whether every byte of s passes ok (true for "").
func all(s string, ok func(byte) bool) bool {
	for i := 0; i < len(s); i++ {
		if !ok(s[i]) {
			return false
		}
	}
	return true
}

func isLower(c byte) bool { return c >= 'a' && c <= 'z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isAlnum(c byte) bool { return isLower(c) || isDigit(c) || (c >= 'A' && c <= 'Z') }

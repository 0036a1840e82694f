package lambdatest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ReadEnvFile reads the variables of function (a logical id of
// template.yaml, e.g. AuthorizerFunction) from an env-vars file in SAM's
// format ({"FunctionLogicalId": {"VAR": "value"}}: events/env.json, or the
// one make devtoken writes), with http://host.docker.internal:<port>
// pointed at 127.0.0.1, since nothing runs in Docker here. A file without a
// section for function is an error: the function would run without its
// settings.
func ReadEnvFile(file, function string) (map[string]string, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var all map[string]map[string]string
	if err := json.Unmarshal(b, &all); err != nil {
		return nil, fmt.Errorf("%s: not SAM's env-vars format: %w", filepath.Base(file), err)
	}
	vars, ok := all[function]
	if !ok {
		return nil, fmt.Errorf("%s has no %s section: the function would run without its settings (events/env.json has a section for every function)", file, function)
	}
	env := make(map[string]string, len(vars))
	for k, v := range vars {
		env[k] = strings.ReplaceAll(v, "http://host.docker.internal:", "http://127.0.0.1:")
	}
	return env, nil
}

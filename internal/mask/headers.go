package mask

import (
	"slices"
	"strings"
)

// HeaderSecrets lists the secrets of request headers, such as the headers of
// a provider in caliper.yaml: every value, and the credentials of a value
// written "SCHEME CREDENTIALS" (Authorization: Bearer TOKEN), which a server
// may quote without its scheme. Values come out in the order of the sorted
// header names.
func HeaderSecrets(headers map[string]string) []string {
	names := make([]string, 0, len(headers))
	for k := range headers {
		names = append(names, k)
	}
	slices.Sort(names)
	var out []string
	for _, k := range names {
		v := strings.TrimSpace(headers[k])
		if v == "" {
			continue
		}
		out = append(out, v)
		if _, cred, ok := strings.Cut(v, " "); ok {
			if cred = strings.TrimSpace(cred); cred != "" {
				out = append(out, cred)
			}
		}
	}
	return out
}

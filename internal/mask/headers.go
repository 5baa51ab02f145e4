package mask

import (
	"encoding/json"
	"slices"
	"strings"
)

// publicHeaders are request headers whose values are protocol settings, not
// credentials: masking them would mask ordinary text such as
// "application/json" everywhere.
var publicHeaders = map[string]bool{
	"accept": true, "accept-encoding": true, "accept-language": true, "cache-control": true,
	"connection": true, "content-type": true, "user-agent": true,
	"anthropic-version": true, "anthropic-beta": true, "openai-beta": true,
}

// HeaderSecrets lists the secrets of request headers, such as the headers of
// a provider in caliper.yaml: every value, and the credentials of a value
// written "SCHEME CREDENTIALS" (Authorization: Bearer TOKEN), which a server
// may quote without its scheme. Left out are the values of publicHeaders and
// values that are JSON numbers, booleans or null ("true", "2048"), which
// masking would replace inside stored JSON. Values come out in the order of
// the sorted header names.
func HeaderSecrets(headers map[string]string) []string {
	names := make([]string, 0, len(headers))
	for k := range headers {
		names = append(names, k)
	}
	slices.Sort(names)
	var out []string
	for _, k := range names {
		v := strings.TrimSpace(headers[k])
		if v == "" || publicHeaders[strings.ToLower(k)] || jsonLiteral(v) {
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

// jsonLiteral reports whether v is a JSON number, true, false or null.
func jsonLiteral(v string) bool {
	return json.Valid([]byte(v)) && !strings.ContainsAny(v[:1], `"{[`)
}

package llm

import (
	"net/http"
	"strings"
)

// providerType is the one record of a wire format a provider can speak: its
// name (ProviderConfig.Type), how users read it, the official API's base URL
// and the backend that speaks it. A new wire format is its backend file plus
// one record in providerTypes.
type providerType struct {
	name       string
	summary    string
	baseURL    string
	newBackend func(p *provider, hc *http.Client) backend
}

// providerTypes are the wire formats, in the order messages list them.
var providerTypes = []providerType{
	{name: TypeOpenAI, summary: "openai (chat completions, any OpenAI-compatible server)", baseURL: DefaultOpenAIBaseURL, newBackend: newOpenAI},
	{name: TypeAnthropic, summary: "anthropic", baseURL: DefaultAnthropicBaseURL, newBackend: newAnthropic},
}

// ProviderTypes returns the names of the wire formats providers can speak.
func ProviderTypes() []string {
	names := make([]string, len(providerTypes))
	for i, t := range providerTypes {
		names[i] = t.name
	}
	return names
}

func lookupProviderType(name string) (providerType, bool) {
	for _, t := range providerTypes {
		if t.name == name {
			return t, true
		}
	}
	return providerType{}, false
}

// providerTypeChoices words the types for an error message: "set type: a or type: b".
func providerTypeChoices(lead, sep string) string {
	parts := make([]string, len(providerTypes))
	for i, t := range providerTypes {
		parts[i] = lead + t.summary
	}
	return strings.Join(parts, sep)
}

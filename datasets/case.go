// Package datasets streams the cases of an eval from files, inline rows or the
// store, maps raw rows into cases, filters, limits and samples them.
package datasets

// Case is one evaluation case: what the task receives and what scorers compare with.
type Case struct {
	ID       string         `json:"id"`
	Input    any            `json:"input"`
	Expected any            `json:"expected,omitempty"`
	Metadata map[string]any `json:"metadata,omitempty"`
	Tags     []string       `json:"tags,omitempty"`
	Source   string         `json:"-"` // where the row came from, as file:line, for messages
}

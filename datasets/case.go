// Package datasets streams the cases of an eval from files, inline rows or the
// store, maps raw rows into cases, filters, limits and samples them.
package datasets

import "github.com/caliperhq/caliper/spec"

// Case is one evaluation case, as read: what the task receives and what
// scorers compare with, and where it came from. It encodes as the row object
// {id, input, expected?, metadata?, tags?}.
type Case struct {
	spec.Case
	Source string `json:"-"` // where the row came from, as file:line, for messages
}

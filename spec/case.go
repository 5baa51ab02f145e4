package spec

// Case is one case of an eval, the value every stage passes on: its id and
// what a dataset row gives (the row object {id, input, expected?, metadata?,
// tags?}). Types that carry a case embed it; an expression environment that
// embeds it sees id, input, expected, metadata and tags as top-level names.
type Case struct {
	ID       string         `json:"id" expr:"id"`
	Input    any            `json:"input" expr:"input"`
	Expected any            `json:"expected,omitempty" expr:"expected"`
	Metadata map[string]any `json:"metadata,omitempty" expr:"metadata"`
	Tags     []string       `json:"tags,omitempty" expr:"tags"`
}

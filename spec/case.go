package spec

import (
	"bytes"
	"encoding/json"
)

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
	// HasExpected says that the row gave an expected value, which may be
	// null: an explicit `"expected": null` is a value scorers compare with,
	// an absent expected is not. A non-nil Expected is present whatever the
	// flag says.
	HasExpected bool `json:"-" expr:"-"`
}

// ExpectedPresent reports whether the case has an expected value, null
// included.
func (c Case) ExpectedPresent() bool { return c.HasExpected || c.Expected != nil }

// caseJSON is the row object a case encodes as; a nil Expected pointer is an
// absent expected, a pointer to nil an explicit null.
type caseJSON struct {
	ID       string         `json:"id"`
	Input    any            `json:"input"`
	Expected *any           `json:"expected,omitempty"`
	Metadata map[string]any `json:"metadata,omitempty"`
	Tags     []string       `json:"tags,omitempty"`
}

// MarshalJSON encodes the case as the row object, writing `"expected":
// null` for an explicit null and no key for an absent expected. <, > and &
// are written as they are.
func (c Case) MarshalJSON() ([]byte, error) {
	w := caseJSON{ID: c.ID, Input: c.Input, Metadata: c.Metadata, Tags: c.Tags}
	if c.ExpectedPresent() {
		w.Expected = &c.Expected
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(w); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// UnmarshalJSON decodes the row object, setting HasExpected when the object
// has an expected key, null included.
func (c *Case) UnmarshalJSON(b []byte) error {
	var w struct {
		caseJSON
		Expected json.RawMessage `json:"expected"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*c = Case{ID: w.ID, Input: w.Input, Metadata: w.Metadata, Tags: w.Tags, HasExpected: w.Expected != nil}
	if w.Expected != nil {
		return json.Unmarshal(w.Expected, &c.Expected)
	}
	return nil
}

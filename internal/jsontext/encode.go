package jsontext

import (
	"bytes"
	"encoding/json"
	"io"
)

// NewEncoder returns an encoder writing to w that leaves <, > and & as they
// are, the one way Caliper writes JSON a person or another program reads.
// Each Encode ends with a line break, as encoding/json's does.
func NewEncoder(w io.Writer) *json.Encoder {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc
}

// Marshal returns v as compact JSON, as json.Marshal does but without
// escaping <, > and &, and without a final line break.
func Marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	if err := NewEncoder(&b).Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

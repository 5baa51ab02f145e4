package store

import (
	"encoding/json"
	"sync"
)

// EncodedMaps are a row's scores, score metadata, scorer errors, metrics and
// tags encoded as a store keeps them (the Encoder's JSON; empty for a NULL
// column). A run encodes them with EncodeMaps on the goroutine that made the
// row, so that the writer, its one serial part, only binds them.
type EncodedMaps struct {
	Scores, ScoreMeta, ScorerErrors, Metrics, Tags json.RawMessage
}

var encoders = sync.Pool{New: func() any { return new(Encoder) }}

// EncodeMaps sets r.Encoded from r's maps and tags, in one buffer. The maps
// must not change afterwards: a store writes r.Encoded.
func EncodeMaps(r *Row) {
	e := encoders.Get().(*Encoder)
	defer encoders.Put(e)
	_, enc := e.AppendMaps(make([]byte, 0, 128), r)
	r.Encoded = &enc
}

// AppendMaps appends r's maps and tags to dst, encoded, and returns them as
// slices of the result; r.Encoded when it is set, without encoding again.
// Each slice is capped at its end, so appending to dst later never
// overwrites it: the slices are valid until dst's array is reused from an
// earlier length (dst[:0]).
func (e *Encoder) AppendMaps(dst []byte, r *Row) ([]byte, EncodedMaps) {
	if r.Encoded != nil {
		return dst, *r.Encoded
	}
	var m EncodedMaps
	from := len(dst)
	cut := func() json.RawMessage {
		s := dst[from:len(dst):len(dst)]
		from = len(dst)
		if len(s) == 0 {
			return nil
		}
		return s
	}
	dst = e.AppendFloats(dst, r.Scores)
	m.Scores = cut()
	dst = e.AppendRaw(dst, r.ScoreMeta)
	m.ScoreMeta = cut()
	dst = e.AppendStringMap(dst, r.ScorerErrors)
	m.ScorerErrors = cut()
	dst = e.AppendFloats(dst, r.Metrics)
	m.Metrics = cut()
	dst = e.AppendStrings(dst, r.Tags)
	m.Tags = cut()
	return dst, m
}

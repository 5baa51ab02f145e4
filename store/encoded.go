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

// EncodeMaps sets r.Encoded, in a buffer of its own, from scores and r's
// other maps and tags; see EncodedMaps.Encode.
func EncodeMaps(r *Row, scores []KeyFloat) {
	enc := new(EncodedMaps)
	enc.Encode(make([]byte, 0, 128), r, scores)
	r.Encoded = enc
}

// Encode appends to dst, and sets m to slices of it, the JSON of scores (in
// any order; a name given twice keeps its last value, as in a map) and of
// r's other maps and tags, as a run has them: its scores as a list, so that
// it makes no map, and r.Scores stays nil. It returns dst. A run encodes them
// on the goroutine that made the row and sets r.Encoded to m; the maps must
// not change afterwards.
func (m *EncodedMaps) Encode(dst []byte, r *Row, scores []KeyFloat) []byte {
	e := encoders.Get().(*Encoder)
	defer encoders.Put(e)
	from := len(dst)
	dst = e.AppendKeyFloats(dst, scores)
	m.Scores = capped(dst[from:])
	dst, m.ScoreMeta, m.ScorerErrors, m.Metrics, m.Tags = e.appendOtherMaps(dst, r)
	return dst
}

// capped is b, capped at its length, or nil when empty.
func capped(b []byte) json.RawMessage {
	if len(b) == 0 {
		return nil
	}
	return b[:len(b):len(b)]
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
	from := len(dst)
	dst = e.AppendFloats(dst, r.Scores)
	m := EncodedMaps{Scores: capped(dst[from:])}
	dst, m.ScoreMeta, m.ScorerErrors, m.Metrics, m.Tags = e.appendOtherMaps(dst, r)
	return dst, m
}

// appendOtherMaps appends r's maps and tags other than its scores, as
// AppendMaps does.
func (e *Encoder) appendOtherMaps(dst []byte, r *Row) (out []byte, scoreMeta, scorerErrors, metrics, tags json.RawMessage) {
	from := len(dst)
	cut := func() json.RawMessage {
		s := capped(dst[from:])
		from = len(dst)
		return s
	}
	dst = e.AppendRaw(dst, r.ScoreMeta)
	scoreMeta = cut()
	dst = e.AppendStringMap(dst, r.ScorerErrors)
	scorerErrors = cut()
	dst = e.AppendFloats(dst, r.Metrics)
	metrics = cut()
	dst = e.AppendStrings(dst, r.Tags)
	tags = cut()
	return dst, scoreMeta, scorerErrors, metrics, tags
}

package pipeline

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/caliperhq/caliper/internal/jsontext"
	"github.com/caliperhq/caliper/report"
	"github.com/caliperhq/caliper/store"
)

// Sinks sends every result to each sink in turn. Put the store first: a
// result it refuses reaches no later sink, so nothing counts it.
type Sinks []Sink

// Add passes r to every sink, stopping at the first that fails.
func (s Sinks) Add(r *Result) error {
	for _, sink := range s {
		if err := sink.Add(r); err != nil {
			return err
		}
	}
	return nil
}

// StoreSink persists every result as a store row. Rows are encoded by the
// workers that finish them; the store's single writer only writes.
type StoreSink struct {
	W *store.Writer
}

// Add encodes r and hands it to the writer. The writer commits in batches, so
// its error may be that of an earlier row: from then on no row is stored.
func (s *StoreSink) Add(r *Result) error {
	row, buf := rowOf(r)
	var list [8]store.KeyFloat
	scores := list[:0]
	for _, sc := range r.Scores {
		if !sc.Skipped {
			scores = append(scores, store.KeyFloat{Key: sc.Name, Value: sc.Value})
		}
	}
	row.maps.Encode(buf, &row.Row, scores)
	row.Encoded = &row.maps
	row.Metrics = nil // encoded: the map is the worker's, for its next case
	if err := s.W.Write(&row.Row); err != nil {
		return fmt.Errorf("storing case %s trial %d: %w", r.Case.ID, r.Trial, err)
	}
	return nil
}

// ToRow converts a result to a store row, which shares none of r's maps: a
// worker reuses them once the sinks have r (see Sink).
func ToRow(r *Result) *store.Row {
	encoded, _ := rowOf(r)
	row := &encoded.Row
	row.Metrics = maps.Clone(r.Metrics)
	for _, sc := range r.Scores {
		if sc.Skipped {
			continue
		}
		if row.Scores == nil {
			row.Scores = make(map[string]float64, len(r.Scores))
		}
		row.Scores[sc.Name] = sc.Value
	}
	return row
}

// encodedRow is a row, the room for its encoded maps and the first buffer
// of its JSON values, allocated together.
type encodedRow struct {
	store.Row
	maps store.EncodedMaps
	buf  [rowBufSize]byte
}

// rowBufSize is the first size of the buffer a row's JSON values share,
// enough for most rows of expression tasks.
const rowBufSize = 256

// rowOf is the store row of a result, all but its Scores, with its input,
// expected value, output and metadata encoded into one buffer, which it
// returns for the row's other encodings.
func rowOf(r *Result) (*encodedRow, []byte) {
	c := r.Case
	row := &encodedRow{Row: store.Row{
		CaseID: c.ID, Trial: r.Trial, Error: r.Error, Tags: c.Tags, Created: time.Now().UTC(),
		Metrics: r.Metrics,
	}}
	buf := row.buf[:0]
	buf, row.Input = appendEncoded(buf, c.Input)
	if c.ExpectedPresent() {
		buf, row.Expected = appendEncoded(buf, c.Expected)
	}
	if len(c.Metadata) > 0 {
		buf, row.Metadata = appendEncoded(buf, c.Metadata)
	}
	if r.Error == "" {
		buf, row.Output = appendEncoded(buf, r.Output)
	}
	for _, sc := range r.Scores {
		if sc.Skipped {
			continue
		}
		if len(sc.Metadata) > 0 {
			if row.ScoreMeta == nil {
				row.ScoreMeta = map[string]json.RawMessage{}
			}
			row.ScoreMeta[sc.Name] = encodeMetadata(sc.Metadata)
		}
	}
	if len(r.ScorerErrors) > 0 {
		row.ScorerErrors = maps.Clone(r.ScorerErrors)
	}
	if len(r.Spans) > 0 {
		row.Spans = encode(r.Spans)
	}
	row.Messages, row.StopReason = r.Messages, r.StopReason
	return row, buf
}

// appendEncoded appends v encoded as encode encodes it to buf and returns
// buf and the encoding, capped so that later appends leave it alone. A value
// jsontext cannot encode is encoded apart.
func appendEncoded(buf []byte, v any) ([]byte, json.RawMessage) {
	from := len(buf)
	if out, ok := jsontext.AppendMarshal(buf, v); ok {
		return out, out[from:len(out):len(out)]
	}
	return buf, encode(v)
}

// encodeMetadata encodes one scorer's metadata on its own, so that a value
// JSON cannot hold spoils nothing else: NaN and ±Inf become null, and the
// metadata says so under "_caliper_note".
func encodeMetadata(m map[string]any) json.RawMessage {
	b, err := json.Marshal(m)
	if err == nil {
		return b
	}
	var replaced []string
	clean := finiteValues(m, "", &replaced).(map[string]any)
	if len(replaced) > 0 {
		clean["_caliper_note"] = fmt.Sprintf("not a JSON number, stored as null: %s", strings.Join(replaced, ", "))
	}
	return encode(clean)
}

// finiteValues is v with NaN and ±Inf inside maps and slices replaced by nil,
// appending the path and value of each to replaced.
func finiteValues(v any, path string, replaced *[]string) any {
	switch x := v.(type) {
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			*replaced = append(*replaced, fmt.Sprintf("%s (%v)", strings.TrimPrefix(path, "."), x))
			return nil
		}
	case float32:
		return finiteValues(float64(x), path, replaced)
	case map[string]any:
		out := make(map[string]any, len(x))
		for _, k := range slices.Sorted(maps.Keys(x)) {
			out[k] = finiteValues(x[k], path+"."+k, replaced)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = finiteValues(e, fmt.Sprintf("%s[%d]", path, i), replaced)
		}
		return out
	}
	return v
}

// encode encodes v as JSON; NaN and ±Inf, which JSON cannot hold, become
// null rather than spoiling the whole value.
func encode(v any) json.RawMessage {
	if b, ok := jsontext.AppendMarshal(make([]byte, 0, 48), v); ok {
		return b
	}
	b, err := json.Marshal(v)
	if err != nil {
		var replaced []string
		if clean := finiteValues(v, "", &replaced); len(replaced) > 0 {
			if b, err := json.Marshal(clean); err == nil {
				return b
			}
		}
		b, _ = json.Marshal(map[string]string{"unencodable": err.Error()})
	}
	return b
}

// SummarySink feeds every result to a summary.
type SummarySink struct {
	A *report.Aggregator
}

// Add counts r.
func (s SummarySink) Add(r *Result) error {
	var scores [8]report.Score
	row := report.Row{Errored: r.Error != "", Error: r.Error, Metrics: r.Metrics, Scores: scores[:0],
		ScorerErrorMessages: r.ScorerErrors}
	if r.Case != nil {
		row.CaseID = r.Case.ID
	}
	for _, sc := range r.Scores {
		if !sc.Skipped {
			row.Scores = append(row.Scores, report.Score{Name: sc.Name, Value: sc.Value})
		}
	}
	for name := range r.ScorerErrors {
		row.ScorerErrors = append(row.ScorerErrors, name)
	}
	sort.Strings(row.ScorerErrors)
	s.A.Add(row)
	return nil
}

// Counter counts results and errors, for progress displays.
type Counter struct {
	Done   atomic.Int64
	Errors atomic.Int64
}

// Add counts r.
func (c *Counter) Add(r *Result) error {
	c.Done.Add(1)
	if r.Error != "" {
		c.Errors.Add(1)
	}
	return nil
}

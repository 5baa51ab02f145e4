package pipeline

import (
	"encoding/json"
	"sync/atomic"
	"time"

	"github.com/caliperhq/caliper/report"
	"github.com/caliperhq/caliper/store"
)

// Sinks sends every result to each sink in turn.
type Sinks []Sink

// Add passes r to every sink.
func (s Sinks) Add(r *Result) {
	for _, sink := range s {
		sink.Add(r)
	}
}

// StoreSink persists every result as a store row. Rows are encoded by the
// workers that finish them; the store's single writer only writes.
type StoreSink struct {
	W   *store.Writer
	err atomic.Pointer[error]
}

// Add encodes r and hands it to the writer.
func (s *StoreSink) Add(r *Result) {
	if err := s.W.Write(ToRow(r)); err != nil {
		s.err.CompareAndSwap(nil, &err)
	}
}

// Err returns the first write error, if any.
func (s *StoreSink) Err() error {
	if p := s.err.Load(); p != nil {
		return *p
	}
	return nil
}

// ToRow converts a result to a store row.
func ToRow(r *Result) *store.Row {
	c := r.Case
	row := &store.Row{
		CaseID: c.ID, Trial: r.Trial, Error: r.Error, Tags: c.Tags, Created: time.Now().UTC(),
		Input: encode(c.Input), Expected: encodeOmitNil(c.Expected), Metadata: encodeOmitEmpty(c.Metadata),
		Metrics: r.Metrics,
	}
	if r.Error == "" {
		row.Output = encode(r.Output)
	}
	meta := map[string]any{}
	for _, sc := range r.Scores {
		if sc.Skipped {
			continue
		}
		if row.Scores == nil {
			row.Scores = make(map[string]float64, len(r.Scores))
		}
		row.Scores[sc.Name] = sc.Value
		if len(sc.Metadata) > 0 {
			meta[sc.Name] = sc.Metadata
		}
	}
	for name, msg := range r.ScorerErrors {
		meta[name] = map[string]any{"error": msg}
	}
	if len(meta) > 0 {
		row.Meta = encode(meta)
	}
	if len(r.Spans) > 0 {
		row.Spans = encode(r.Spans)
	}
	return row
}

func encode(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		b, _ = json.Marshal(map[string]string{"unencodable": err.Error()})
	}
	return b
}

func encodeOmitNil(v any) json.RawMessage {
	if v == nil {
		return nil
	}
	return encode(v)
}

func encodeOmitEmpty(m map[string]any) json.RawMessage {
	if len(m) == 0 {
		return nil
	}
	return encode(m)
}

// SummarySink feeds every result to a summary.
type SummarySink struct {
	A *report.Aggregator
}

// Add counts r.
func (s SummarySink) Add(r *Result) {
	row := report.Row{Errored: r.Error != "", Metrics: r.Metrics, Scores: make([]report.Score, 0, len(r.Scores))}
	for _, sc := range r.Scores {
		if !sc.Skipped {
			row.Scores = append(row.Scores, report.Score{Name: sc.Name, Value: sc.Value})
		}
	}
	for name := range r.ScorerErrors {
		row.ScorerErrors = append(row.ScorerErrors, name)
	}
	s.A.Add(row)
}

// Counter counts results and errors, for progress displays.
type Counter struct {
	Done   atomic.Int64
	Errors atomic.Int64
}

// Add counts r.
func (c *Counter) Add(r *Result) {
	c.Done.Add(1)
	if r.Error != "" {
		c.Errors.Add(1)
	}
}

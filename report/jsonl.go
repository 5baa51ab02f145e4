package report

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/caliperhq/caliper/internal/jsontext"
	"github.com/caliperhq/caliper/store"
)

func init() {
	Reporters.Register(Reporter{Name: "jsonl", Flag: true, Usage: "write every row as JSON Lines to FILE",
		Write: func(w io.Writer, runs []Run) error {
			for _, r := range runs {
				if err := WriteJSONL(w, r.Eval, r.Experiment, r.Rows, r.Feedback); err != nil {
					return err
				}
			}
			return nil
		}})
}

// jsonlRow is one line of WriteJSONL.
type jsonlRow struct {
	Eval       string                     `json:"eval"`
	Experiment string                     `json:"experiment"`
	CaseID     string                     `json:"case_id"`
	Trial      int                        `json:"trial"`
	Input      json.RawMessage            `json:"input,omitempty"`
	Expected   json.RawMessage            `json:"expected,omitempty"`
	Output     json.RawMessage            `json:"output,omitempty"`
	Scores     map[string]float64         `json:"scores,omitempty"`
	ScoreMeta  map[string]json.RawMessage `json:"score_meta,omitempty"`
	ScorerErrs map[string]string          `json:"scorer_errors,omitempty"`
	Metrics    map[string]float64         `json:"metrics,omitempty"`
	Error      string                     `json:"error,omitempty"`
	Metadata   json.RawMessage            `json:"metadata,omitempty"`
	Tags       []string                   `json:"tags,omitempty"`
	Spans      json.RawMessage            `json:"spans,omitempty"`
	Feedback   []jsonlFeedback            `json:"feedback,omitempty"`
	Created    time.Time                  `json:"created,omitzero"`
}

// jsonlFeedback is one feedback record of a row of WriteJSONL.
type jsonlFeedback struct {
	ID      string    `json:"id"`
	Name    string    `json:"name"`
	Score   *float64  `json:"score,omitempty"`
	Label   string    `json:"label,omitempty"`
	Comment string    `json:"comment,omitempty"`
	Author  string    `json:"author"`
	Created time.Time `json:"created"`
}

// feedbackByRow groups feedback records by the case and trial they are on,
// oldest first as the store gives them.
func feedbackByRow(records []store.Feedback) map[string][]jsonlFeedback {
	if len(records) == 0 {
		return nil
	}
	out := map[string][]jsonlFeedback{}
	for _, f := range records {
		k := store.Key(f.CaseID, f.Trial)
		out[k] = append(out[k], jsonlFeedback{ID: f.ID, Name: f.Name, Score: f.Score, Label: f.Label, Comment: f.Comment, Author: f.Author, Created: f.Created})
	}
	return out
}

// WriteJSONL writes every row of an experiment as one JSON object per line,
// in the order rows gives them:
//
//	{"eval", "experiment", "case_id", "trial", "input", "expected", "output",
//	 "scores", "score_meta", "scorer_errors", "metrics", "error", "metadata",
//	 "tags", "spans", "feedback", "created"}
//
// eval and experiment name the experiment, so the rows of several evals can
// share a file. input, expected, output and metadata are the JSON values the
// case and task gave; scores holds the scores present (a skipped score is
// absent); score_meta holds, by scorer, the metadata it gave, and
// scorer_errors, by scorer, the error of each scorer that failed;
// metrics holds duration (seconds) and the others; error is the task's
// error; spans is the JSON array of the row's spans (the model calls made
// for it, ...); feedback lists the human feedback records given on the
// row's case and trial, oldest first, each {"id", "name", "score", "label",
// "comment", "author", "created"}; created is an RFC 3339 time. Empty
// fields are left out.
func WriteJSONL(w io.Writer, eval, experiment string, rows RowSource, feedback []store.Feedback) error {
	byRow := feedbackByRow(feedback)
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := jsontext.NewEncoder(bw)
	err := rows(func(r *store.Row) error {
		line := jsonlRow{Eval: eval, Experiment: experiment, CaseID: r.CaseID, Trial: r.Trial,
			Input: r.Input, Expected: r.Expected, Output: r.Output, Scores: r.Scores, ScoreMeta: r.ScoreMeta, ScorerErrs: r.ScorerErrors,
			Metrics: r.Metrics, Error: r.Error, Metadata: r.Metadata, Tags: r.Tags, Spans: r.Spans, Created: r.Created}
		if byRow != nil {
			line.Feedback = byRow[store.Key(r.CaseID, r.Trial)]
		}
		if err := enc.Encode(line); err != nil {
			return fmt.Errorf("encoding case %q trial %d: %w", r.CaseID, r.Trial, err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("writing the rows of %s as JSON Lines: %w", experiment, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("writing the rows of %s as JSON Lines: %w", experiment, err)
	}
	return nil
}

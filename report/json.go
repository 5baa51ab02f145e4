package report

import (
	"fmt"
	"io"

	"github.com/caliperhq/caliper/internal/jsontext"
)

func init() {
	Reporters.Register(Reporter{Name: "json", Flag: true, Usage: "write the summaries and comparisons as JSON to FILE",
		Write: func(w io.Writer, runs []Run) error { return WriteJSON(w, summaries(runs)...) }})
}

// JSONFormatVersion is the version of the document WriteJSON writes. It
// changes only when a field changes meaning or goes away; new fields may
// appear without it changing.
const JSONFormatVersion = 1

// jsonReport is the document WriteJSON writes.
type jsonReport struct {
	Format  string     `json:"format"`
	Version int        `json:"version"`
	Evals   []*Summary `json:"evals"`
}

// WriteJSON writes the summaries of a run's evals, with their checks and
// comparisons, as one indented JSON document:
//
//	{
//	  "format": "caliper.report", "version": 1,
//	  "evals": [{
//	    "eval", "experiment", "status", "cases", "rows", "errors", "skipped_rows", "duration_seconds",
//	    "scores":  [{"name", "mean", "count", "errors"}],
//	    "metrics": [{"name", "mean", "sum", "min", "max", "count"}],
//	    "checks":  [{"kind", "name", "passed", "detail"}],
//	    "comparison": {
//	      "base", "base_cases", "paired_cases",
//	      "only_current", "only_current_ids", "only_base", "only_base_ids",
//	      "confidence", "resamples", "seed",
//	      "scores":  [{"name", "mean", "count", "base_mean", "base_count", "paired", "diff",
//	                   "improvements", "regressions", "ci_low", "ci_high",
//	                   "significant_regression", "significant_improvement"}],
//	      "metrics": [ the same, lower being better ],
//	      "regressed_cases": [{"id", "drop", "scores": [{"name", "before", "after"}]}]
//	    }
//	  }]
//	}
//
// Summary, Comparison and Delta document each field. metrics, checks,
// comparison and the id and case lists are left out when empty. Scores are
// numbers in [0, 1], duration in seconds.
func WriteJSON(w io.Writer, summaries ...*Summary) error {
	doc := jsonReport{Format: "caliper.report", Version: JSONFormatVersion, Evals: summaries}
	if doc.Evals == nil {
		doc.Evals = []*Summary{}
	}
	enc := jsontext.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("writing the JSON report: %w", err)
	}
	return nil
}

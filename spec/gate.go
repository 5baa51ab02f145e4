package spec

// GateEnv is what gates see: the summary of a run. Package report fills it; its
// shape is part of the eval format, so it lives here.
type GateEnv struct {
	Cases   int                    `expr:"cases"`
	Rows    int                    `expr:"rows"`
	Errors  int                    `expr:"errors"`
	Scores  map[string]ScoreStats  `expr:"scores"`
	Metrics map[string]MetricStats `expr:"metrics"`
}

// ScoreStats summarises one scorer over a run and, with a base, its comparison.
type ScoreStats struct {
	Mean                  float64 `expr:"mean"`
	Count                 int     `expr:"count"`
	Errors                int     `expr:"errors"`
	HasBase               bool    `expr:"has_base"`
	BaseMean              float64 `expr:"base_mean"`
	Diff                  float64 `expr:"diff"`
	Improvements          int     `expr:"improvements"`
	Regressions           int     `expr:"regressions"`
	CILow                 float64 `expr:"ci_low"`
	CIHigh                float64 `expr:"ci_high"`
	SignificantRegression bool    `expr:"significant_regression"`
}

// MetricStats summarises one metric (duration, tokens, estimated_cost, ...)
// over a run and, with a base, its comparison (lower is better: a
// regression is a rise).
type MetricStats struct {
	Mean                  float64 `expr:"mean"`
	Sum                   float64 `expr:"sum"`
	Min                   float64 `expr:"min"`
	Max                   float64 `expr:"max"`
	HasBase               bool    `expr:"has_base"`
	BaseMean              float64 `expr:"base_mean"`
	Diff                  float64 `expr:"diff"`
	Improvements          int     `expr:"improvements"`
	Regressions           int     `expr:"regressions"`
	CILow                 float64 `expr:"ci_low"`
	CIHigh                float64 `expr:"ci_high"`
	SignificantRegression bool    `expr:"significant_regression"`
}

// ComparisonFields are the fields of ScoreStats and MetricStats that only a
// comparison with a base fills: a gate that reads one needs a base.
var ComparisonFields = []string{"base_mean", "diff", "improvements", "regressions", "ci_low", "ci_high", "significant_regression"}

package scorers

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"testing"
)

// The differential test: testdata/autoevals.jsonl.gz holds seeded cases for
// every heuristic built-in that autoevals also has, with the score the autoevals
// npm package gives each (scripts/autoevals/generate.mjs; regenerate with
// `make autoevals-corpus`). Every case is scored with Caliper's built-in and
// must give the same number, within autoevalsTolerance, unless the generator
// marked it with one of the deliberate differences below (decided from the
// case's content, never from the scores). README.md lists the same ones.
const autoevalsCorpus = "testdata/autoevals.jsonl.gz"

// autoevalsTolerance absorbs sums taken in another order (JavaScript visits
// object keys in insertion order, Caliper in sorted order).
const autoevalsTolerance = 1e-9

// deliberateDifferences are the documented differences from autoevals JS.
var deliberateDifferences = map[string]string{
	"utf16_length":             "edit distances count code points (as autoevals Python does), not UTF-16 units",
	"levenshtein_of_structure": "levenshtein of an object or array compares its JSON text, not `${value}` ([object Object])",
	"key_order":                "exact_match compares objects by JSON equality, so key order does not matter",
	"nan":                      "where autoevals computes NaN (infinities, overflowing differences) Caliper scores 0, or 1 for equal values",
	"beyond_float64_schema":    "valid_json with a schema checks a number beyond float64 (1e400) as the number it is; ajv refuses the Infinity JSON.parse makes of it",
}

type autoevalsCase struct {
	ID         int             `json:"id"`
	Scorer     string          `json:"scorer"`
	Kind       string          `json:"kind"`
	Deliberate string          `json:"deliberate"`
	Output     json.RawMessage `json:"output"`
	Expected   json.RawMessage `json:"expected"`
	Schema     json.RawMessage `json:"schema"`
	AllowExtra bool            `json:"allow_extra"`
	Pairwise   string          `json:"pairwise"`
	Score      *float64        `json:"score"`
}

func TestScoresEqualAutoevals(t *testing.T) {
	t.Parallel()
	header, cases := readAutoevalsCorpus(t)
	if len(cases) < 1000 {
		t.Fatalf("%s holds %d cases; regenerate it with `make autoevals-corpus`", autoevalsCorpus, len(cases))
	}
	compared := map[string]int{}
	skipped := map[string]int{}
	var failures []string
	for _, c := range cases {
		if c.Deliberate != "" {
			if _, ok := deliberateDifferences[c.Deliberate]; !ok {
				t.Fatalf("case %d: deliberate difference %q is not documented in deliberateDifferences (and README.md)", c.ID, c.Deliberate)
			}
			skipped[c.Deliberate]++
			continue
		}
		if c.Score == nil {
			t.Fatalf("case %d: autoevals gave NaN and the case is not marked nan", c.ID)
		}
		got, err := scoreAutoevalsCase(t, c)
		compared[c.Scorer]++
		if err != nil {
			failures = append(failures, fmt.Sprintf("case %d (%s): %v", c.ID, c.Kind, err))
			continue
		}
		if math.Abs(got-*c.Score) > autoevalsTolerance {
			failures = append(failures, fmt.Sprintf("case %d (%s): %s(%s, %s) = %v, autoevals %v",
				c.ID, c.Kind, c.Scorer, c.Output, c.argument(), got, *c.Score))
		}
	}
	t.Logf("%s (autoevals %v, seed %.0f): compared %v; deliberate differences not compared %v",
		autoevalsCorpus, header["autoevals"], header["seed"].(float64), compared, skipped)
	if len(failures) > 0 {
		shown := failures[:min(len(failures), 40)]
		t.Errorf("%d of %d cases differ from autoevals:\n%s", len(failures), len(cases), strings.Join(shown, "\n"))
	}
	for _, scorer := range []string{"levenshtein", "numeric_diff", "json_diff", "exact_match", "valid_json", "list_contains"} {
		if compared[scorer] == 0 {
			t.Errorf("no %s case compared", scorer)
		}
	}
}

func (c autoevalsCase) argument() string {
	if c.Scorer == "valid_json" {
		if c.Schema == nil {
			return "no schema"
		}
		return "schema " + string(c.Schema)
	}
	s := string(c.Expected)
	if c.AllowExtra {
		s += ", allow_extra"
	}
	if c.Pairwise != "" {
		s += ", pairwise " + c.Pairwise
	}
	return s
}

// scoreAutoevalsCase scores a case with the built-in, on values decoded as
// datasets decode them (numbers are float64).
func scoreAutoevalsCase(t *testing.T, c autoevalsCase) (float64, error) {
	out := decodeCorpusValue(t, c.Output)
	exp := decodeCorpusValue(t, c.Expected)
	switch c.Scorer {
	case "levenshtein":
		return Levenshtein(out, exp), nil
	case "numeric_diff":
		return NumericDiff(out, exp)
	case "json_diff":
		return JSONDiff(out, exp), nil
	case "exact_match":
		return ExactMatch(out, exp, false), nil
	case "valid_json":
		if c.Schema == nil {
			return ValidJSON(out, nil), nil
		}
		schema, err := loadSchema(decodeCorpusValue(t, c.Schema), "")
		if err != nil {
			return 0, err
		}
		return ValidJSON(out, schema), nil
	case "list_contains":
		pairwise := pairwiseScorers[c.Pairwise]
		if c.Pairwise != "" && pairwise == nil {
			return 0, fmt.Errorf("unknown pairwise scorer %q", c.Pairwise)
		}
		v, _, err := listContains(context.Background(), out, exp, pairwise, c.AllowExtra)
		return v, err
	}
	return 0, fmt.Errorf("unknown scorer %q", c.Scorer)
}

func decodeCorpusValue(t *testing.T, raw json.RawMessage) any {
	t.Helper()
	if raw == nil {
		return nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("corpus value %s: %v", raw, err)
	}
	return v
}

func readAutoevalsCorpus(t *testing.T) (map[string]any, []autoevalsCase) {
	t.Helper()
	f, err := os.Open(autoevalsCorpus)
	if err != nil {
		t.Fatalf("opening the autoevals corpus: %v; generate it with `make autoevals-corpus`", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", autoevalsCorpus, err)
	}
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	var header map[string]any
	var cases []autoevalsCase
	for line := 1; sc.Scan(); line++ {
		if line == 1 {
			if err := json.Unmarshal(sc.Bytes(), &header); err != nil {
				t.Fatalf("%s:1: header: %v", autoevalsCorpus, err)
			}
			continue
		}
		var c autoevalsCase
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatalf("%s:%d: %v", autoevalsCorpus, line, err)
		}
		cases = append(cases, c)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("%s: %v", autoevalsCorpus, err)
	}
	if n, ok := header["cases"].(float64); !ok || int(n) != len(cases) {
		t.Fatalf("%s: header says %v cases, the file holds %d: it is cut short", autoevalsCorpus, header["cases"], len(cases))
	}
	return header, cases
}

// TestDeliberateDifferencesAreInTheREADME keeps the README's list true.
func TestDeliberateDifferencesAreInTheREADME(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(deliberateDifferences))
	for name := range deliberateDifferences {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if !strings.Contains(string(readme), "`"+name+"`") {
			t.Errorf("README.md does not list the deliberate difference `%s` (%s)", name, deliberateDifferences[name])
		}
	}
}

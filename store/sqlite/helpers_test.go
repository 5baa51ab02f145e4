package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/caliperhq/caliper/store"
)

// testRow is a full row for case i, trial trial.
func testRow(i, trial int) *store.Row {
	return &store.Row{
		CaseID:       fmt.Sprintf("case-%03d", i),
		Trial:        trial,
		Input:        json.RawMessage(fmt.Sprintf(`{"q":"question %d","n":%d}`, i, i)),
		Expected:     json.RawMessage(`"yes"`),
		Output:       json.RawMessage(fmt.Sprintf(`"answer %d"`, i)),
		Scores:       map[string]float64{"correct": 1, "similar": 0.25 * float64(i%4)},
		ScoreMeta:    map[string]json.RawMessage{"similar": json.RawMessage(`{"distance":3}`), "n": json.RawMessage(`[1,null]`)},
		ScorerErrors: map[string]string{"judge": "rate limited: \"429\"\n"},
		Metrics:      map[string]float64{"duration": 1.5, "tokens": float64(100 + i)},
		Metadata:     json.RawMessage(`{"lang":"en"}`),
		Tags:         []string{"smoke", "t" + fmt.Sprint(i)},
		Spans:        json.RawMessage(fmt.Sprintf(`[{"type":"llm","model":"m","tokens":%d}]`, 10+i)),
		Created:      time.Date(2025, 2, 3, 4, 5, 6, i, time.UTC),
	}
}

// sameRow reports whether two rows hold the same values.
func sameRow(a, b *store.Row) bool {
	x, y := *a, *b
	if !x.Created.Equal(y.Created) {
		return false
	}
	x.Created, y.Created = time.Time{}, time.Time{}
	return reflect.DeepEqual(x, y)
}

// readRows reads back all the rows of experiment id.
func readRows(t *testing.T, s store.Store, id string) []*store.Row {
	t.Helper()
	var rows []*store.Row
	if err := s.Rows(context.Background(), id, func(r *store.Row) error {
		rows = append(rows, r)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return rows
}

// countRows is the number of committed rows of experiment id.
func countRows(t *testing.T, s store.Store, id string) int {
	t.Helper()
	n, err := s.RowCount(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// writeRows writes rows through a new writer of experiment id and closes it.
func writeRows(t *testing.T, s store.Store, id string, opts store.WriterOptions, rows ...*store.Row) {
	t.Helper()
	w := s.NewWriter(id, opts)
	for _, r := range rows {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

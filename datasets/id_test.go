package datasets

import (
	"strings"
	"testing"

	"github.com/caliperhq/caliper/spec"
)

func TestCaseIDs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		file  string
		rows  string
		wants []string
	}{
		{"explicit ids are kept", "ids.jsonl", `{"id": "abc", "input": 1}
{"id": "  spaced id ", "input": 1}`, []string{"abc", "  spaced id "}},
		{"numeric ids without exponent", "nums.jsonl", `{"id": 7, "input": 1}
{"id": 12345678901, "input": 1}
{"id": 1e21, "input": 1}
{"id": 1.5, "input": 1}
{"id": -3, "input": 1}
{"id": 0, "input": 1}`, []string{"7", "12345678901", "1000000000000000000000", "1.5", "-3", "0"}},
		{"numeric ids from YAML", "nums.yaml", "- {id: 7, input: 1}\n- {id: 12345678901, input: 1}\n- {id: 1.5, input: 1}\n- {id: 0x1F, input: 1}\n",
			[]string{"7", "12345678901", "1.5", "31"}},
		{"an empty id is no id", "empty.jsonl", `{"id": "", "input": "hello"}
{"id": null, "input": "hello"}`, []string{"5aa762ae383fbb72", "5aa762ae383fbb72"}},
		{"hash ignores key order", "order.jsonl", `{"input": {"a": 1, "b": [1, 2]}}
{"input": {"b": [1, 2], "a": 1}}
{"input": {"b": [1.0, 2e0], "a": 1.00}}`, []string{"8baa73198470c7bb", "8baa73198470c7bb", "8baa73198470c7bb"}},
		{"same input in YAML", "order.yaml", "- input: {b: [1, 2], a: 1}\n- input: hello\n", []string{"8baa73198470c7bb", "5aa762ae383fbb72"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := ids(readEachRow(t, tt.file, tt.rows))
			if len(got) != len(tt.wants) {
				t.Fatalf("ids %v, want %v", got, tt.wants)
			}
			for i := range got {
				if got[i] != tt.wants[i] {
					t.Errorf("row %d: id %q, want %q", i, got[i], tt.wants[i])
				}
			}
		})
	}
}

func TestHashID(t *testing.T) {
	t.Parallel()
	// sha256(`"hello"`) = 5aa762ae383fbb727af3c7a36d4940a5b8c40a989452d2304fc958ff3f354e7a
	tests := []struct {
		input any
		want  string
	}{
		{"hello", "5aa762ae383fbb72"},
		{map[string]any{"b": []any{1.0, 2.0}, "a": 1.0}, "8baa73198470c7bb"},
		{map[string]any{"a": 1, "b": []int{1, 2}}, "8baa73198470c7bb"}, // Go ints encode as JSON numbers alike
	}
	for _, tt := range tests {
		if got := mustHash(t, tt.input); got != tt.want {
			t.Errorf("HashID(%#v) = %s, want %s", tt.input, got, tt.want)
		}
	}
	if _, err := HashID(map[string]any{"f": func() {}}); err == nil {
		t.Error("HashID of a function: no error")
	}
}

func TestIDFromFields(t *testing.T) {
	t.Parallel()
	file := writeFile(t, "f.jsonl", `{"n": 1, "q": "a"}
{"n": null, "q": "b"}
{"n": 2.5, "q": "c"}
`)
	got := ids(mustReadAll(t, spec.Data{File: file, Fields: spec.Fields{ID: ex("row.n"), Input: ex("row.q")}}, Options{}))
	want := []string{"1", mustHash(t, "b"), "2.5"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("row %d: id %q, want %q", i, got[i], want[i])
		}
	}
	// An expression that computes an int (not a JSON float) formats the same.
	got = ids(mustReadAll(t, spec.Data{File: file, Fields: spec.Fields{ID: ex("len(row.q) * 10"), Input: ex("row.q")}, Limit: 1}, Options{}))
	if got[0] != "10" {
		t.Errorf("id %q, want 10", got[0])
	}
}

// readEachRow reads the cases of rows, each JSON Lines row from a file of its
// own, since rows with the same id cannot be in one dataset.
func readEachRow(t *testing.T, file, rows string) []Case {
	t.Helper()
	if !strings.HasSuffix(file, ".jsonl") {
		return mustReadAll(t, spec.Data{File: writeFile(t, file, rows)}, Options{})
	}
	var cases []Case
	for _, line := range strings.Split(rows, "\n") {
		cases = append(cases, mustReadAll(t, spec.Data{File: writeFile(t, file, line)}, Options{})...)
	}
	return cases
}

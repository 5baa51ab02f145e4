package datasets

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/caliperhq/caliper/internal/jsontext"
	"github.com/caliperhq/caliper/spec"
)

// directCases are JSON Lines files whose rows the direct path (decoded
// straight into their fields) and the general one (a map, checked and
// mapped) must read into the same cases and errors.
var directCases = []string{
	`{"id": "c1", "input": {"a": 12, "b": 345}, "expected": "357"}`,
	`{"id": 7, "input": "x", "expected": null, "metadata": {"k": [1, -0, 1023, 1024, 0.5]}, "tags": ["a", "b"]}`,
	`{"input": 1, "id": "a", "id": 2, "expected": "\u00e9\n", "expected": 3}`,
	`{"id": 1, "id": "s", "input": 1}` + "\n" + `{"id": "s", "id": null, "input": 1}`,
	`{"id": "", "input": [1, 2]}` + "\n" + `{"input": [1, 2]}`,
	`{"id": 1.5, "input": 1}` + "\n" + `{"id": 1e300, "input": 1}` + "\n" + `{"id": -0, "input": 1}`,
	`{"input": null}`, `{"expected": 1}`, `{}`, `{"id": "x"}`,
	`{"input": 1, "metadata": []}`, `{"input": 1, "metadata": null}`, `{"input": 1, "metadata": "m"}`,
	`{"input": 1, "tags": "t"}`, `{"input": 1, "tags": [1]}`, `{"input": 1, "tags": null}`, `{"input": 1, "tags": []}`,
	`{"input": 1, "id": true}`, `{"input": 1, "id": {}}`, `{"input": 1, "id": []}`,
	`{"input": 1, "expectd": 2}`, `{"input": 1, "case_id": 2}`, `{"input": 1, "other": 2}`, `{"\u0069nput": 1}`,
	`[1]`, `"row"`, `1`, `null`, `{"input": 1,}`, `{"input" 1}`, `{"input": 1} x`, `{"input": "\ud800"}`,
	`{"input": "\ud83d\ude00"}`, "{\"input\": \"bad \xff\"}", `{"input": 1e400}`, `{"input": 01}`,
	"\xef\xbb\xbf" + `{"input": 1}` + "\r\n\r\n  \t\n" + `{"input": 2}` + "\n\n",
	`{"id": "d", "input": 1}` + "\n" + `{"id": "d", "input": 2}`,
	`{"input": {"q": 1}}` + "\n" + `{"input": {"q": 1}}`,
	`{"id": "9", "input": 1}` + "\n" + `{"id": 9, "input": 2}`,
}

func TestDirectRowsAreGeneralRows(t *testing.T) {
	t.Parallel()
	for _, data := range directCases {
		checkDirect(t, []byte(data))
	}
	var long strings.Builder // rows past the sources of several batches, blank lines among them
	for i := range 500 {
		fmt.Fprintf(&long, `{"id": "c%d", "input": %d}`+"\n", i, i%7)
		if i%13 == 0 {
			long.WriteString("\n  \n")
		}
	}
	long.WriteString(`{"id": "c3", "input": 1}`)
	checkDirect(t, []byte(long.String()))
	if got, _ := readJSONL(t, []byte(long.String()), true); len(got) != 501 {
		t.Fatalf("%d rows, want 501", len(got))
	}
	if _, decoded := readJSONL(t, []byte(long.String()), true); decoded != 501 {
		t.Errorf("%d of 501 rows decoded directly", decoded)
	}
}

// TestDirectOnlyWithoutFieldsOrFilter checks that a stream decodes rows
// directly only when nothing needs a row's value.
func TestDirectOnlyWithoutFieldsOrFilter(t *testing.T) {
	t.Parallel()
	path := writeFile(t, "d.jsonl", `{"id": "a", "input": 1}`+"\n")
	for _, tt := range []struct {
		name   string
		d      spec.Data
		direct bool
	}{
		{"plain", spec.Data{File: path}, true},
		{"filter", spec.Data{File: path, Filter: ex("row.input == 1")}, false},
		{"fields", spec.Data{File: path, Fields: spec.Fields{Expected: ex("row.input")}}, false},
	} {
		s, err := Open(t.Context(), tt.d, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got := s.src.(*fileSource).rowSource.(*jsonlSource).direct; got != tt.direct {
			t.Errorf("%s: direct %v, want %v", tt.name, got, tt.direct)
		}
		if c, err := s.Next(); err != nil || c.ID != "a" || c.Source != path+":1" {
			t.Errorf("%s: %#v, %v", tt.name, c, err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func FuzzJSONLDirectMatchesGeneral(f *testing.F) {
	for _, data := range directCases {
		f.Add([]byte(data))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDirect(t, data)
	})
}

// outcome is what a stream gave for one row: a case or an error.
type outcome struct {
	c   Case
	err string
}

// checkDirect reads data with and without the direct path and compares
// every case and error, sources included, and that every source is the
// row's own line.
func checkDirect(t *testing.T, data []byte) {
	t.Helper()
	direct, _ := readJSONL(t, data, true)
	general, _ := readJSONL(t, data, false)
	if len(direct) != len(general) {
		t.Fatalf("%q: %d rows directly, %d by the general path", data, len(direct), len(general))
	}
	for i := range direct {
		if !reflect.DeepEqual(direct[i], general[i]) || !sameValues(direct[i].c, general[i].c) {
			t.Fatalf("%q: row %d directly %#v, by the general path %#v", data, i, direct[i], general[i])
		}
	}
}

// sameValues tells -0 from 0 in what a case holds, which DeepEqual does not.
func sameValues(a, b Case) bool {
	return fmt.Sprintf("%v %v %v", a.Input, a.Expected, a.Metadata) == fmt.Sprintf("%v %v %v", b.Input, b.Expected, b.Metadata)
}

// readJSONL reads data as a stream with no data.fields and no filter would,
// directly or by the general path, until EOF or an error that is not a row's,
// and counts the rows decoded directly.
func readJSONL(t *testing.T, data []byte, direct bool) (out []outcome, decoded int) {
	t.Helper()
	src := newJSONLSource(bytes.NewReader(data), "f.jsonl")
	src.direct = direct
	m, err := newMapper(spec.Fields{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ids := newIDSet()
	defer closeSet(t, ids)
	for range bytes.Count(data, []byte{'\n'}) + 2 {
		r, err := src.next()
		if err == io.EOF {
			return out, decoded
		}
		var re *RowError
		if err != nil && !errors.As(err, &re) {
			t.Fatalf("%q: %v", data, err)
		}
		if err == nil {
			if r.decoded && !direct {
				t.Fatalf("%q: row %s decoded directly by the general path", data, r.source)
			}
			if r.decoded {
				decoded++
			}
			if want := fmt.Sprintf("f.jsonl:%d", src.line); r.source != want || r.where() != (rowAt{"f.jsonl:", uint32(src.line)}) {
				t.Fatalf("%q: row at %s (%v), want %s", data, r.source, r.where(), want)
			}
			var c Case
			var hashed bool
			if c, hashed, err = m.mapRow(r); err == nil {
				first, dup, ierr := ids.addAt(c.ID, r.where())
				if ierr != nil {
					t.Fatal(ierr)
				}
				if dup {
					err = duplicateError(&c, hashed, first)
				}
			}
			if err != nil {
				err = &RowError{Source: r.source, Err: err}
			} else {
				out = append(out, outcome{c: c})
				continue
			}
		}
		out = append(out, outcome{err: err.Error()})
	}
	t.Fatalf("%q: more rows than lines", data)
	return nil, 0
}

// FuzzFastDecodeIsValidUTF8 checks what lets a JSON Lines row skip
// checkUTF8: a line the decoder's fast paths take passes it.
func FuzzFastDecodeIsValidUTF8(f *testing.F) {
	for _, data := range directCases {
		f.Add([]byte(data))
	}
	f.Add([]byte(`"\ud83d\ude00"`))
	f.Add([]byte("[\"\xed\xa0\x80\"]"))
	f.Fuzz(func(t *testing.T, line []byte) {
		var dec jsontext.Decoder
		m := jsontext.Members{Names: rowNames, AsString: memberID}
		_, fast := dec.DecodeFast(line)
		members := dec.DecodeMembers(line, &m)
		if err := checkUTF8(line); err != nil && (fast || members) {
			t.Fatalf("%q: the fast path (%v) or the members' (%v) took a line checkUTF8 refuses: %v", line, fast, members, err)
		}
	})
}

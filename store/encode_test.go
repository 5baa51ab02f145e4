package store

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// marshal is what encoding/json writes for v, without HTML escaping.
func marshal(t testing.TB, v any) string {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

func TestEncodeFloats(t *testing.T) {
	t.Parallel()
	for _, m := range []map[string]float64{
		{"a": 1},
		{"correct": 1, "similar": 0.875, "factual": 0.5},
		{"zero": 0, "neg": -3, "third": 1.0 / 3, "tiny": 1e-7, "small": 0.000001, "big": 1e21, "bigint": 1e20, "max": math.MaxFloat64},
		{"": 0.1, `q"uote`: 2, "back\\slash": 3, "ctl\x01\n": 4, "ünï": 5, "bad\xffutf8": 6, "<html>&": 7},
		{"m": 1, "l": 2, "k": 3, "j": 4, "i": 5, "h": 6, "g": 7, "f": 8, "e": 9, "d": 10, "c": 11, "b": 12, "a": 13, "n": 14}, // past the insertion sort
	} {
		var e Encoder
		got := string(e.AppendFloats(nil, m))
		if want := marshal(t, m); got != want {
			t.Errorf("floats(%v)\n got %s\nwant %s", m, got, want)
		}
		back, err := DecodeFloats([]byte(got))
		if err != nil {
			t.Fatalf("decoding %s: %v", got, err)
		}
		var want map[string]float64
		if err := json.Unmarshal([]byte(got), &want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(back, want) {
			t.Errorf("DecodeFloats(%s) = %v, want %v", got, back, want)
		}
	}
	var e Encoder
	for _, m := range []map[string]float64{nil, {}, {"nan": math.NaN(), "inf": math.Inf(-1)}} {
		if got := e.AppendFloats([]byte("x"), m); string(got) != "x" {
			t.Errorf("floats(%v) appended %q, want nothing", m, got[1:])
		}
	}
	if got := string(e.AppendFloats(nil, map[string]float64{"a": 1, "nan": math.NaN()})); got != `{"a":1}` {
		t.Errorf("floats left %s, want only the finite value", got)
	}
}

// Floats that are whole nanoseconds, which appendNanos writes, are written as
// encoding/json writes them.
func TestEncodeNanosecondFloats(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	values := []float64{1e-6, 0.000001001, 0.1, 0.5, 2.345e-6, 999999.999999999, -0.000123, 0.3, 1.0 / 3, 123.456789012}
	for range 200_000 {
		values = append(values, float64(r.Int64N(1e15))/1e9, float64(r.Int64N(1e6))/1e9, -float64(r.Int64N(1e12))/1e9, r.Float64()*1e6)
	}
	// Below a microsecond, in exponent form; and near whole nanoseconds.
	for n := 1; n <= 1000; n++ {
		values = append(values, float64(n)/1e9, -float64(n)/1e9, float64(n)/1e9*(1+1e-15), float64(n)/1e10, float64(n)*1e-9)
	}
	for _, f := range values {
		got := string(appendFloat(nil, f))
		if want := marshal(t, f); got != want {
			t.Fatalf("appendFloat(%v) = %s, want %s", f, got, want)
		}
	}
}

func TestDecodeFloats(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in      string
		want    map[string]float64
		wantErr bool
	}{
		{"", nil, false},
		{"{}", map[string]float64{}, false},
		{`{"a":1,"b":-2.5e-3}`, map[string]float64{"a": 1, "b": -2.5e-3}, false},
		{`{"a":null,"b":2}`, map[string]float64{"b": 2}, false},
		{`{ "a" : 1 , "b\u00e9" : 2 }`, map[string]float64{"a": 1, "bé": 2}, false}, // the general path
		{`{"a":"1"}`, nil, true},
		{`{"a":Infinity}`, nil, true},
		{`{"a":0x10}`, nil, true},
		{`[1]`, nil, true},
		{`{"a":1`, nil, true},
		{`{"a":{"b":1}}`, nil, true},
	} {
		got, err := DecodeFloats([]byte(tc.in))
		if (err != nil) != tc.wantErr || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("DecodeFloats(%s) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestEncodeStrings(t *testing.T) {
	t.Parallel()
	var e Encoder
	for _, a := range [][]string{{"a"}, {"", "smoke", `"q"`, "\t\u2028", "日本", "\x7f\x00"}} {
		if got, want := string(e.AppendStrings(nil, a)), marshal(t, a); got != want {
			t.Errorf("strings(%q)\n got %s\nwant %s", a, got, want)
		}
	}
	if got := e.AppendStrings(nil, []string{}); len(got) != 0 {
		t.Errorf("strings of no tags = %q, want nothing", got)
	}
}

// FuzzDecodeFloats checks that DecodeFloats never accepts what encoding/json
// rejects and agrees with it on what both accept.
func FuzzDecodeFloats(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `{"a":null}`, `{}`, `{"a":1e400}`, `{"a":-0}`, `{"a":1,}`, `{"a":01}`, `{"a":1.}`, `{"a":.5}`, `{"a":1e}`, `{"a":-}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := DecodeFloats(b)
		if err != nil || len(b) == 0 {
			return
		}
		var want map[string]*float64
		if jerr := json.Unmarshal(b, &want); jerr != nil {
			t.Fatalf("DecodeFloats(%q) = %v, but encoding/json says %v", b, got, jerr)
		}
		for k, v := range want {
			if g, ok := got[k]; (v == nil) == ok || (v != nil && g != *v) {
				t.Fatalf("DecodeFloats(%q)[%q] = %v, %v; encoding/json: %v", b, k, g, ok, v)
			}
		}
	})
}

// A list of scores is encoded as the map of them would be: sorted, the last
// value of a repeated name kept, the non-finite ones left out.
func TestEncodeMapsIsTheWritersEncoding(t *testing.T) {
	t.Parallel()
	base := Row{ScorerErrors: map[string]string{"judge": "429"}, Metrics: map[string]float64{"duration": 0.000514294}, Tags: []string{"a"},
		ScoreMeta: map[string]json.RawMessage{"lev": json.RawMessage(`{"d":1}`)}}
	for _, list := range [][]KeyFloat{
		nil,
		{{"correct", 1}, {"exact_match", 0}, {"levenshtein", 0.75}},
		{{"zeta", 1}, {"alpha", 0.5}, {"mid", 1.0 / 3}},
		{{"a", 1}, {"b", 2}, {"a", 3}},
		{{"nan", math.NaN()}, {"ok", 1}, {"inf", math.Inf(1)}},
		{{"nan", math.NaN()}},
		{{"m", 1}, {"l", 2}, {"k", 3}, {"j", 4}, {"i", 5}, {"h", 6}, {"g", 7}, {"f", 8}, {"e", 9}, {"d", 10}, {"c", 11}, {"b", 12}, {"a", 13}, {"m", 14}},
	} {
		fromList, fromMap := base, base
		EncodeMaps(&fromList, list)
		for _, kv := range list {
			if fromMap.Scores == nil {
				fromMap.Scores = map[string]float64{}
			}
			fromMap.Scores[kv.Key] = kv.Value
		}
		var e Encoder
		_, byWriter := e.AppendMaps(nil, &fromMap)
		if !reflect.DeepEqual(*fromList.Encoded, byWriter) {
			t.Errorf("scores %v:\n list %s\n  map %s", list, show(fromList.Encoded), show(&byWriter))
		}
	}
}

func show(m *EncodedMaps) string {
	return strings.Join([]string{string(m.Scores), string(m.ScoreMeta), string(m.ScorerErrors), string(m.Metrics), string(m.Tags)}, " | ")
}

// BenchmarkAppendFloat measures the numbers of a run's rows: scores, and
// durations in seconds below and above a microsecond.
func BenchmarkAppendFloat(b *testing.B) {
	for _, f := range []float64{1, 0.875, 8.5e-7, 1.234567e-3} {
		b.Run(strconv.FormatFloat(f, 'g', -1, 64), func(b *testing.B) {
			buf := make([]byte, 0, 32)
			for b.Loop() {
				buf = appendFloat(buf[:0], f)
			}
		})
	}
}

// BenchmarkEncodeMaps measures the maps of a row of the throughput
// benchmark: three scores and the duration.
func BenchmarkEncodeMaps(b *testing.B) {
	r := &Row{Metrics: map[string]float64{"duration": 8.5e-7}}
	scores := []KeyFloat{{"correct", 1}, {"exact_match", 1}, {"levenshtein", 1}}
	buf := make([]byte, 0, 128)
	var m EncodedMaps
	for b.Loop() {
		buf = m.Encode(buf[:0], r, scores)
	}
}

package datasets

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"strconv"
	"testing"

	"github.com/caliperhq/caliper/spec"
)

// The set reports, for a repeated id, the source of its first row, across
// tables that grew and sources that change and come back; with a small cap,
// from the records in memory and from runs spilled and merged over several
// tiers.
func TestIDSetReportsTheFirstRow(t *testing.T) {
	t.Parallel()
	sources := func(i int) string {
		switch {
		case i < 1000:
			return fmt.Sprintf("a.jsonl:%d", i+1)
		case i < 1500:
			return fmt.Sprintf("inline[%d]", i-1000)
		case i < 2000:
			return "dataset d@3"
		}
		return fmt.Sprintf("a.jsonl:%d", i+7)
	}
	tests := []struct {
		name     string
		n, cap   int
		minTiers int // the tiers of runs the set must have reached
	}{
		{"in memory", 5000, memCap, 0},
		{"spilled and merged", 5000, 16, 3},
		{"spilled once", 5000, 4999, 1},
		{"merged from runs larger than a read", 30_000, 400, 4}, // runs of 6400 ids (mergeFanout 4), past ioBuffer
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newIDSet()
			s.cap = tt.cap
			defer closeSet(t, s)
			n := tt.n
			for i := range n {
				if first, dup := mustAdd(t, s, sources(i), fmt.Sprint("id-", i)); dup {
					t.Fatalf("id %d is a duplicate of %s", i, first)
				}
			}
			if tiers := countTiers(s); tiers < tt.minTiers {
				t.Fatalf("%d tiers of runs, want at least %d: the test no longer spills", tiers, tt.minTiers)
			}
			for i := range n {
				first, dup := mustAdd(t, s, "b.jsonl:1", fmt.Sprint("id-", i))
				if want := sources(i); !dup || first != want {
					t.Errorf("id %d again: first %q, dup %v; want %q", i, first, dup, want)
				}
			}
			for i := range n {
				if first, dup := mustAdd(t, s, "c.jsonl:1", fmt.Sprint("new-", i)); dup {
					t.Fatalf("id new-%d, never seen, is a duplicate of %s", i, first)
				}
			}
		})
	}
}

// TestIDSetMatchesAMap adds ids, many of them repeated, to sets of small caps
// and checks every answer against a map of the first source of each id.
func TestIDSetMatchesAMap(t *testing.T) {
	t.Parallel()
	for _, seed := range []uint64{1, 2, 3, 4} {
		t.Run(strconv.FormatUint(seed, 10), func(t *testing.T) {
			t.Parallel()
			r := rand.New(rand.NewPCG(seed, 7))
			s := newIDSet()
			s.cap = 1 + r.IntN(40)
			defer closeSet(t, s)
			want := map[string]string{}
			files := []string{"a.jsonl:", "b.csv:", "inline[", "dataset d@1"}
			for i := range 20_000 {
				id := strconv.Itoa(r.IntN(15_000))
				source := files[r.IntN(len(files))]
				switch source[len(source)-1] {
				case ':':
					source += strconv.Itoa(i)
				case '[':
					source += strconv.Itoa(i) + "]"
				}
				first, dup := mustAdd(t, s, source, id)
				prev, seen := want[id]
				if dup != seen || first != prev {
					t.Fatalf("add %d (id %s, cap %d): first %q, dup %v; want %q, %v", i, id, s.cap, first, dup, prev, seen)
				}
				if !seen {
					want[id] = source
				}
			}
		})
	}
}

// FuzzIDSet adds the ids the bytes make, one a byte from an alphabet of 64,
// to a set whose cap the first byte chooses, and checks each answer against
// a map of the first source of each id.
func FuzzIDSet(f *testing.F) {
	f.Add([]byte{3, 1, 2, 3, 1, 2, 3, 4, 5, 6, 7, 8, 9, 1})
	f.Add([]byte("\x01abcdefghijklmnopqrstuvwxyzabc"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		s := newIDSet()
		s.cap = 1 + int(data[0]%32)
		defer closeSet(t, s)
		want := map[string]string{}
		for i, b := range data[1:] {
			id, source := strconv.Itoa(int(b%64)), "f.jsonl:"+strconv.Itoa(i+1)
			first, dup := mustAdd(t, s, source, id)
			if prev, seen := want[id]; dup != seen || first != prev {
				t.Fatalf("add %d (id %s, cap %d): first %q, dup %v; want %q, %v", i, id, s.cap, first, dup, prev, seen)
			}
			if !dup {
				want[id] = source
			}
		}
	})
}

// TestBlockFilterFalsePositives checks that the filter holds what it was
// given and takes few other hashes for them.
func TestBlockFilterFalsePositives(t *testing.T) {
	t.Parallel()
	const n, probes = 100_000, 1_000_000
	f, free := newBlockFilter(n)
	defer free()
	for i := range n {
		f.add(hashID(strconv.Itoa(i)))
	}
	for i := range n {
		if !f.has(hashID(strconv.Itoa(i))) {
			t.Fatalf("the filter lost hash %d", i)
		}
	}
	false_ := 0
	for i := range probes {
		if f.has(hashID("other-" + strconv.Itoa(i))) {
			false_++
		}
	}
	rate := float64(false_) / probes
	t.Logf("%.2f%% false positives at %d bits an id", 100*rate, bitsPerID)
	if rate > 0.008 {
		t.Errorf("%.2f%% false positives, want at most 0.8%%", 100*rate)
	}
}

// TestIDSetMemory measures what remembering a million case ids costs, the
// figure the idSet doc gives, and fails if it grows past 8 bytes an id.
func TestIDSetMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("adds a million ids")
	}
	t.Setenv("TMPDIR", t.TempDir())
	const n = 1_000_000
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s := newIDSet()
	defer closeSet(t, s)
	c := Case{}
	for i := range n {
		c.ID = strconv.Itoa(i)
		c.Source = "data.jsonl:" + c.ID
		if _, dup, err := s.add(&c); err != nil || dup {
			t.Fatalf("id %d: dup %v, error %v", i, dup, err)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	perID := float64(after.HeapAlloc-before.HeapAlloc) / n
	t.Logf("%.1f bytes per id, %.1f MB per million ids, %d runs", perID, perID, len(s.runs))
	if perID > 8 {
		t.Errorf("%.1f bytes per id, want at most 8", perID)
	}
	runtime.KeepAlive(s)
}

// mustAdd adds a case of id from source to s, failing the test on an error.
func mustAdd(t testing.TB, s *idSet, source, id string) (string, bool) {
	t.Helper()
	first, dup, err := s.add(&Case{Source: source, Case: caseID(id)})
	if err != nil {
		t.Fatalf("adding %s: %v", id, err)
	}
	return first, dup
}

func closeSet(t testing.TB, s *idSet) {
	t.Helper()
	if err := s.close(); err != nil {
		t.Errorf("close: %v", err)
	}
}

// countTiers is the number of tiers the set's runs reached.
func countTiers(s *idSet) int {
	n := 0
	for _, r := range s.runs {
		n = max(n, r.tier+1)
	}
	return n
}

func caseID(id string) spec.Case { return spec.Case{ID: id} }

// TestIDSetTagsTellHashesApart adds hashes that share their slot and their
// tag, and others that share only their slot, to sets that grow and spill:
// each is new once, and a duplicate of its own row afterwards.
func TestIDSetTagsTellHashesApart(t *testing.T) {
	t.Parallel()
	const home, tagged = 0x8000_0000_0000_0000, 0x1234_5678_9abc_def0
	var hashes [][2]uint64
	for i := range uint64(40) {
		hashes = append(hashes, [2]uint64{home, tagged ^ i}) // the same tag
		hashes = append(hashes, [2]uint64{home, tagged ^ (i+1)<<56})
	}
	if tagOf(hashes[0]) != tagOf(hashes[2]) || tagOf(hashes[1]) == tagOf(hashes[3]) {
		t.Fatal("the hashes do not share their tags as the test needs")
	}
	for _, cap := range []int{4, 16, memCap} {
		s := newIDSet()
		s.cap = cap
		for i, h := range hashes {
			if first, dup, err := s.addHash(h, rowAt{"t.jsonl:", uint32(i + 1)}); dup || err != nil {
				t.Fatalf("cap %d: hash %d is a duplicate of %q (%v)", cap, i, first, err)
			}
		}
		for i, h := range hashes {
			first, dup, err := s.addHash(h, rowAt{"u.jsonl:", 1})
			if want := "t.jsonl:" + strconv.Itoa(i+1); !dup || first != want || err != nil {
				t.Fatalf("cap %d: hash %d again: %q, %v, %v; want %s", cap, i, first, dup, err, want)
			}
		}
		closeSet(t, s)
	}
}

package pipeline

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"os"
	"slices"

	"github.com/caliperhq/caliper/spec"
)

// SpecHash is the hash of the files that define ev's run: the eval file and
// the prompt and function files its task and scorers use, so that a resume
// can tell whether any of them changed. A file that cannot be read hashes as
// empty.
func SpecHash(ev *spec.Eval) string {
	h := sha256.New()
	for _, f := range SpecFiles(ev) {
		b, _ := os.ReadFile(f)
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(f)))
		h.Write(n[:])
		h.Write([]byte(f))
		binary.BigEndian.PutUint64(n[:], uint64(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// SpecFiles lists, sorted, the eval file and the prompt and function files
// its task and scorers use.
func SpecFiles(ev *spec.Eval) []string {
	files := []string{ev.File}
	prompt := func(b spec.Body) {
		if b.Prompt != nil && b.Prompt.File != "" {
			files = append(files, b.Prompt.File)
		}
	}
	add := func(b spec.Body) {
		prompt(b)
		if f := ev.Functions[b.Function]; b.Function != "" && f != nil {
			if f.File != "" {
				files = append(files, f.File)
			}
			prompt(f.Body)
		}
	}
	add(ev.Task)
	for _, s := range ev.Scorers {
		add(s.Body)
	}
	slices.Sort(files)
	return slices.Compact(files)
}

// sameSpec reports whether stored, the spec hash of an experiment, is that of
// ev now; an experiment made before SpecHash covered the files an eval uses
// holds the hash of the eval file alone.
func sameSpec(stored string, ev *spec.Eval) bool {
	return stored == "" || stored == SpecHash(ev) || stored == fileHash(ev.File)
}

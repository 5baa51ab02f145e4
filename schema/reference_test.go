package schema

import (
	"os"
	"strings"
	"testing"
)

const (
	refBegin = "<!-- reference:begin (generated from schema/definitions.json by go test ./schema -update) -->\n"
	refEnd   = "<!-- reference:end -->"
)

// TestReadmeReferenceIsCurrent checks the README's reference against the schema;
// -update rewrites it.
func TestReadmeReferenceIsCurrent(t *testing.T) {
	t.Parallel()
	ref, err := Reference()
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(readme)
	begin, end := strings.Index(text, refBegin), strings.Index(text, refEnd)
	if begin < 0 || end < begin {
		t.Fatalf("README.md lacks the reference markers %q ... %q", refBegin, refEnd)
	}
	current := text[begin+len(refBegin) : end]
	if current == ref {
		return
	}
	if *update {
		if err := os.WriteFile("../README.md", []byte(text[:begin+len(refBegin)]+ref+text[end:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Error("the README reference is out of date with schema/definitions.json: run go test ./schema -update")
}

func TestReferenceCoversEveryProperty(t *testing.T) {
	t.Parallel()
	ref, err := Reference()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"`name` (required)", "`sample.seed`", "`max_concurrency`", "`choice_scores`", "`messages[].content`", "`api_key_env`", "`with`", "`on_error`"} {
		if !strings.Contains(ref, want) {
			t.Errorf("reference lacks %s", want)
		}
	}
}

package scorers

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/caliperhq/caliper/spec"
)

var update = flag.Bool("update", false, "rewrite the built-in scorer reference in README.md")

const (
	scorersBegin = "<!-- scorers:begin (generated from the registry by go test ./scorers -update) -->\n"
	scorersEnd   = "<!-- scorers:end -->"
)

// TestReadmeScorerReferenceIsCurrent checks the README's table of built-in
// scorers and helper functions against the registry's records; -update
// rewrites it.
func TestReadmeScorerReferenceIsCurrent(t *testing.T) {
	t.Parallel()
	ref := scorerReference(Default())
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(readme)
	begin, end := strings.Index(text, scorersBegin), strings.Index(text, scorersEnd)
	if begin < 0 || end < begin {
		t.Fatalf("README.md lacks the markers %q ... %q", scorersBegin, scorersEnd)
	}
	if text[begin+len(scorersBegin):end] == ref {
		return
	}
	if *update {
		if err := os.WriteFile("../README.md", []byte(text[:begin+len(scorersBegin)]+ref+text[end:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Error("the README's built-in scorer reference is out of date with the registry: run go test ./scorers -update")
}

// scorerReference renders the heuristic scorers (in registration order), the
// judges and the helpers of reg as Markdown tables.
func scorerReference(reg *Registry) string {
	var b strings.Builder
	b.WriteString("| `use:` | `with:` arguments | score |\n|---|---|---|\n")
	var judges []string
	for _, rec := range builtinRecords {
		if _, ok := reg.Builtin(rec.Name); ok {
			fmt.Fprintf(&b, "| `%s` | %s | %s |\n", rec.Name, argList(rec.Args), rec.Description)
		}
	}
	for _, name := range reg.Names() {
		if rec, _ := reg.Builtin(name); rec.Judge {
			judges = append(judges, "`"+name+"`")
		}
	}
	var extra []string
	for _, bj := range builtinJudges {
		for _, a := range bj.specArgs() {
			if _, common := judgeVarArgs[a.Name]; common {
				extra = append(extra, fmt.Sprintf("%s: %s", bj.name, argList([]spec.Arg{a})))
			}
		}
	}
	fmt.Fprintf(&b, "| %s | %s; %s | LLM judges with the choices and scores of autoevals (see Models and judges) |\n", strings.Join(judges, ", "), argList(judgeArgs), strings.Join(extra, "; "))
	b.WriteString("\n| helper | returns |\n|---|---|\n")
	for _, h := range reg.Helpers() {
		fmt.Fprintf(&b, "| `%s` | %s |\n", h.Signature, h.Description)
	}
	return b.String()
}

func argList(args []spec.Arg) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = "`" + a.Name + "`"
		if a.Required {
			parts[i] += " (required)"
		}
	}
	return strings.Join(parts, ", ")
}

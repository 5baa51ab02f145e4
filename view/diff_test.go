package view

import (
	"strings"
	"testing"
)

func TestDiffText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, old, new string
		want           string // del as [-x-], ins as {+x+}
	}{
		{"same", "a b c", "a b c", "a b c"},
		{"empty old", "", "new text", "{+new text+}"},
		{"word", "The answer is 6", "The answer is 7", "The answer is [-6-]{+7+}"},
		{"words grouped", "The answer is 6", "I think it is 7", "[-The answer-]{+I think it+} is [-6-]{+7+}"},
		{"lines", "a\nb\nc\n", "a\nx\nc\n", "a\n[-b\n-]{+x\n+}c\n"},
		{"too long", strings.Repeat("a ", maxDiffTokens), "b", "[-" + strings.Repeat("a ", maxDiffTokens) + "-]{+b+}"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var sb strings.Builder
			for _, op := range diffText(tc.old, tc.new) {
				switch op.Op {
				case "del":
					sb.WriteString("[-" + op.Text + "-]")
				case "ins":
					sb.WriteString("{+" + op.Text + "+}")
				default:
					sb.WriteString(op.Text)
				}
			}
			if sb.String() != tc.want {
				t.Errorf("diffText(%q, %q) = %q, want %q", tc.old, tc.new, sb.String(), tc.want)
			}
		})
	}
}

func FuzzDiffText(f *testing.F) {
	f.Add("The answer is 6", "I think it is 7")
	f.Add("a\nb\n", "a\nc\n")
	f.Fuzz(func(t *testing.T, old, new string) {
		var a, b strings.Builder
		for _, op := range diffText(old, new) {
			if op.Op != "ins" {
				a.WriteString(op.Text)
			}
			if op.Op != "del" {
				b.WriteString(op.Text)
			}
		}
		if a.String() != old || b.String() != new {
			t.Fatalf("the diff of %q and %q does not give them back: %q, %q", old, new, a.String(), b.String())
		}
	})
}

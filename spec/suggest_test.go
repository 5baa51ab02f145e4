package spec

import "testing"

func TestSuggest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		word       string
		candidates []string
		want       string
	}{
		{"fitler", []string{"file", "files", "filter", "fields"}, "filter"},
		{"descripton", []string{"description", "data"}, "description"},
		{"levenshtien", []string{"levenshtein", "exact_match"}, "levenshtein"},
		{"max-concurrency", []string{"max_concurrency", "trials"}, "max_concurrency"},
		{"Name", []string{"name"}, "name"},
		{"zzzzzz", []string{"name", "data"}, ""},
		{"x", []string{"id", "ab"}, ""},
		{"", []string{"a"}, ""},
		// Keys are compared after NFKC normalisation: full-width letters and
		// ligatures are the letters they stand for.
		{"ｔｒｉａｌｓ", []string{"base", "trials", "tags"}, "trials"},
		{"ｍａｘ＿ｃｏｎｃｕｒｒｅｎｃｙ", []string{"max_concurrency", "metadata"}, "max_concurrency"},
		{"ﬁlter", []string{"filter", "fields"}, "filter"},
	}
	for _, tt := range tests {
		if got := suggest(tt.word, tt.candidates); got != tt.want {
			t.Errorf("suggest(%q) = %q, want %q", tt.word, got, tt.want)
		}
	}
}

func TestEditDistance(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"abc", "abc", 0}, {"", "abc", 3}, {"ab", "ba", 1},
		{"fitler", "filter", 1}, {"kitten", "sitting", 3}, {"héllo", "hello", 1},
	}
	for _, tt := range tests {
		if got := editDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

package spec

// Suggest returns the candidate closest to word when it is close enough to be
// a likely typo, or "": the "did you mean" of every diagnostic, for packages
// that check input spec does not see, such as dataset rows.
func Suggest(word string, candidates []string) string { return suggest(word, candidates) }

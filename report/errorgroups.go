package report

import (
	"encoding/json"
	"sort"
	"strings"
	"unicode"
)

// Limits of the error groups a summary keeps.
const (
	// MaxErrorGroups is how many error messages a summary lists, the most
	// frequent first; ErrorMessages counts them all.
	MaxErrorGroups = 5
	// MaxErrorExamples is how many case ids each error group names.
	MaxErrorExamples = 3
	// maxTrackedMessages bounds the distinct messages counted, so that the
	// memory of a summary does not grow with its rows; the rest are counted
	// in one group of other messages.
	maxTrackedMessages = 1000
	// maxMessageChars is how much of a message a group keeps.
	maxMessageChars = 300
)

// OtherMessages is the message of the group that counts the errors past
// the distinct messages a summary tracks.
const OtherMessages = "(other messages)"

// ErrorGroup is one error message of a run and the rows that failed with it.
type ErrorGroup struct {
	// Scorer is the scorer that failed; empty when the task did.
	Scorer  string `json:"scorer,omitempty"`
	Message string `json:"message"`
	Count   int    `json:"count"` // rows
	// Cases are the first MaxErrorExamples distinct cases that failed so.
	Cases []string `json:"cases"`
}

// Label is the group's message with the scorer that failed, if one did.
func (g ErrorGroup) Label() string {
	if g.Scorer == "" {
		return g.Message
	}
	return "scorer " + g.Scorer + ": " + g.Message
}

// errorGrouper counts rows by error message, task and scorer errors apart.
type errorGrouper struct {
	byKey map[errorKey]*errorGroupAcc
	order []*errorGroupAcc
}

type errorKey struct{ scorer, message string }

type errorGroupAcc struct {
	ErrorGroup
	first int // arrival order, to break ties
}

// add counts one row of case id that failed with message (in scorer, when
// not empty).
func (g *errorGrouper) add(caseID, scorer, message string) {
	if g.byKey == nil {
		g.byKey = map[errorKey]*errorGroupAcc{}
	}
	acc := g.byKey[errorKey{scorer, cutMessage(message)}]
	if acc == nil {
		acc = g.newGroup(scorer, message)
	}
	acc.Count++
	if len(acc.Cases) < MaxErrorExamples && !containsString(acc.Cases, caseID) {
		acc.Cases = append(acc.Cases, strings.Clone(caseID))
	}
}

// newGroup starts the group of message (in scorer), or, once there are
// too many, finds or starts the group of the other messages. What it keeps
// is copied, so that no caller's row is kept with it.
func (g *errorGrouper) newGroup(scorer, message string) *errorGroupAcc {
	k := errorKey{strings.Clone(scorer), strings.Clone(cutMessage(message))}
	if len(g.order) >= maxTrackedMessages-1 {
		k = errorKey{message: OtherMessages}
		if acc := g.byKey[k]; acc != nil {
			return acc
		}
	}
	acc := &errorGroupAcc{ErrorGroup: ErrorGroup{Scorer: k.scorer, Message: k.message}, first: len(g.order)}
	g.byKey[k] = acc
	g.order = append(g.order, acc)
	return acc
}

// addRow counts the task error and scorer errors of one row.
func (g *errorGrouper) addRow(caseID, taskErr string, scorerErrs map[string]string) {
	if taskErr != "" {
		g.add(caseID, "", taskErr)
	}
	names := make([]string, 0, len(scorerErrs))
	for n := range scorerErrs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		g.add(caseID, n, scorerErrs[n])
	}
}

// top returns the most frequent groups, at most MaxErrorGroups, and how
// many groups there are.
func (g *errorGrouper) top() ([]ErrorGroup, int) {
	sorted := append([]*errorGroupAcc(nil), g.order...)
	sort.Slice(sorted, func(i, j int) bool {
		if sorted[i].Count != sorted[j].Count {
			return sorted[i].Count > sorted[j].Count
		}
		return sorted[i].first < sorted[j].first
	})
	var out []ErrorGroup
	for _, acc := range sorted[:min(len(sorted), MaxErrorGroups)] {
		eg := acc.ErrorGroup
		eg.Cases = append([]string(nil), eg.Cases...)
		out = append(out, eg)
	}
	return out, len(sorted)
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// cutMessage keeps the start of a long message, so that the messages that
// differ only far in (a dump of a response) count as one.
func cutMessage(s string) string {
	if len(s) <= maxMessageChars {
		return s
	}
	n := 0
	for i := range s {
		if n == maxMessageChars-1 {
			return s[:i] + "…"
		}
		n++
	}
	return s
}

// oneLine is s on one line of at most max characters, its control
// characters (terminal escapes in a model's output among them) as spaces.
func oneLine(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
	if r := []rune(s); len(r) > max {
		return string(r[:max-1]) + "…"
	}
	return s
}

// outputHeadBytes is how much of an output the comparison keeps per case.
const outputHeadBytes = 320

// outputHead is the start of an encoded output, copied.
func outputHead(raw json.RawMessage) string {
	return string(raw[:min(len(raw), outputHeadBytes)])
}

// outputText is the text of the start of an encoded output: a JSON string
// as itself, even when it was cut, anything else as its JSON; on one line.
func outputText(head string) string {
	if !strings.HasPrefix(head, `"`) {
		return oneLine(head, outputHeadBytes)
	}
	for cut := 0; cut < 8 && cut < len(head); cut++ {
		text := head[:len(head)-cut]
		var s string
		if json.Unmarshal([]byte(text), &s) == nil {
			return oneLine(s, outputHeadBytes)
		}
		if trailing := len(text) - len(strings.TrimRight(text, `\`)); trailing%2 == 0 && json.Unmarshal([]byte(text+`"`), &s) == nil {
			return oneLine(s, outputHeadBytes)
		}
	}
	return oneLine(head, outputHeadBytes)
}

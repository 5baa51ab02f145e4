package view

import (
	"regexp"
	"strings"
)

// diffOp is one run of a diff: text both sides share, or text only the old
// (Op "del") or only the new (Op "ins") side has.
type diffOp struct {
	Op   string // eq, del, ins
	Text string
}

// maxDiffTokens bounds the tokens of each side a diff compares; past it the
// sides are shown as replaced whole.
const maxDiffTokens = 2000

var wordTokens = regexp.MustCompile(`\s+|[^\s]+`)

// diffText diffs old against new: by line when either has several lines,
// else by word.
func diffText(old, new string) []diffOp {
	var a, b []string
	if strings.Contains(old, "\n") || strings.Contains(new, "\n") {
		a, b = lines(old), lines(new)
	} else {
		a, b = wordTokens.FindAllString(old, -1), wordTokens.FindAllString(new, -1)
	}
	if len(a) > maxDiffTokens || len(b) > maxDiffTokens {
		return merge(nil, []diffOp{{"del", old}, {"ins", new}})
	}
	return regroup(lcsDiff(a, b))
}

// regroup joins the changes that only blanks separate into one deletion
// followed by one insertion, which reads better than interleaved words.
func regroup(ops []diffOp) []diffOp {
	var out []diffOp
	for i := 0; i < len(ops); {
		if ops[i].Op == "eq" {
			out = merge(out, ops[i:i+1])
			i++
			continue
		}
		var del, ins strings.Builder
		j := i
		for ; j < len(ops); j++ {
			op := ops[j]
			if op.Op == "eq" {
				if strings.TrimSpace(op.Text) != "" || j+1 == len(ops) || ops[j+1].Op == "eq" {
					break
				}
				del.WriteString(op.Text)
				ins.WriteString(op.Text)
				continue
			}
			if op.Op == "del" {
				del.WriteString(op.Text)
			} else {
				ins.WriteString(op.Text)
			}
		}
		out = merge(out, []diffOp{{"del", del.String()}, {"ins", ins.String()}})
		i = j
	}
	return out
}

func lines(s string) []string { return strings.SplitAfter(s, "\n") }

// lcsDiff is the diff of two token lists along their longest common
// subsequence, with runs of the same kind merged.
func lcsDiff(a, b []string) []diffOp {
	n, m := len(a), len(b)
	// l[i][j] is the LCS length of a[i:] and b[j:], in one flat slice.
	l := make([]int32, (n+1)*(m+1))
	at := func(i, j int) *int32 { return &l[i*(m+1)+j] }
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				*at(i, j) = *at(i+1, j+1) + 1
			} else {
				*at(i, j) = max(*at(i+1, j), *at(i, j+1))
			}
		}
	}
	var ops []diffOp
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			ops = merge(ops, []diffOp{{"eq", a[i]}})
			i, j = i+1, j+1
		case j < m && (i == n || *at(i, j+1) >= *at(i+1, j)):
			ops = merge(ops, []diffOp{{"ins", b[j]}})
			j++
		default:
			ops = merge(ops, []diffOp{{"del", a[i]}})
			i++
		}
	}
	return ops
}

// merge appends ops to runs, joining neighbours of the same kind and
// dropping empty ones.
func merge(runs, ops []diffOp) []diffOp {
	for _, op := range ops {
		if op.Text == "" {
			continue
		}
		if k := len(runs) - 1; k >= 0 && runs[k].Op == op.Op {
			runs[k].Text += op.Text
			continue
		}
		runs = append(runs, op)
	}
	return runs
}

package gitinfo

import (
	"context"
	"slices"
)

// Fields are the fields of the git information an experiment records, as
// caliper.yaml's git.fields names them.
var Fields = []string{"commit", "branch", "tag", "dirty", "author", "commit_time", "commit_message"}

// Settings say what an experiment records (git: in caliper.yaml, the
// Braintrust SDK's git_metadata_settings): Collect "all" (also when empty),
// "none", or "some" with the Fields listed.
type Settings struct {
	Collect string
	Fields  []string
}

// Wants reports whether s records field.
func (s Settings) Wants(field string) bool {
	switch s.Collect {
	case "none":
		return false
	case "some":
		return slices.Contains(s.Fields, field)
	}
	return true
}

// Keep returns info and the commit message with only the fields s records;
// the others are empty.
func (s Settings) Keep(info Info, message string) (Info, string) {
	var out Info
	if s.Wants("commit") {
		out.Commit = info.Commit
	}
	if s.Wants("branch") {
		out.Branch = info.Branch
	}
	if s.Wants("tag") {
		out.Tag = info.Tag
	}
	if s.Wants("dirty") {
		out.Dirty = info.Dirty
	}
	if s.Wants("author") {
		out.Author = info.Author
	}
	if s.Wants("commit_time") {
		out.CommitTime = info.CommitTime
	}
	if !s.Wants("commit_message") {
		message = ""
	}
	return out, message
}

// ReadWith reads what s records of the repository holding dir: nothing, not
// even a git command, when s collects none. It is Read, then CommitMessage
// when the message is wanted, then Keep.
func ReadWith(ctx context.Context, dir string, env map[string]string, s Settings) (Info, string) {
	if s.Collect == "none" {
		return Info{}, ""
	}
	info := Read(ctx, dir, env)
	msg := ""
	if info.Commit != "" && s.Wants("commit_message") {
		msg = CommitMessage(ctx, dir, info.Commit)
	}
	return s.Keep(info, msg)
}

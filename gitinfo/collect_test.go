package gitinfo

import (
	"context"
	"testing"
)

// TestReadWith checks git: {collect, fields} on a real repository: all
// records every field and the commit message, none records nothing, some
// only the listed fields.
func TestReadWith(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	commit := r.commit("add the retriever")
	r.git("tag", "v1.2.0")
	r.write("file.txt", "changed\n") // dirty
	ctx := context.Background()
	env := map[string]string{}

	all, msg := ReadWith(ctx, r.dir, env, Settings{})
	if all.Commit != commit || all.Branch != "main" || all.Tag != "v1.2.0" || !all.Dirty || all.Author == "" || all.CommitTime.IsZero() || msg != "add the retriever" {
		t.Errorf("collect all: %+v, %q", all, msg)
	}
	if got, msg := ReadWith(ctx, r.dir, env, Settings{Collect: "none"}); got != (Info{}) || msg != "" {
		t.Errorf("collect none: %+v, %q", got, msg)
	}
	some, msg := ReadWith(ctx, r.dir, env, Settings{Collect: "some", Fields: []string{"commit", "commit_message"}})
	if some != (Info{Commit: commit}) || msg != "add the retriever" {
		t.Errorf("collect some [commit, commit_message]: %+v, %q", some, msg)
	}
	some, msg = ReadWith(ctx, r.dir, env, Settings{Collect: "some", Fields: []string{"branch", "dirty"}})
	if some != (Info{Branch: "main", Dirty: true}) || msg != "" {
		t.Errorf("collect some [branch, dirty]: %+v, %q", some, msg)
	}
}

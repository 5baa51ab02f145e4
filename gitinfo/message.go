package gitinfo

import (
	"context"
	"strings"
)

// CommitMessage returns the subject line of commit (a hash, or "" for
// HEAD) in the repository at dir; "" when there is no repository or no such
// commit.
func CommitMessage(ctx context.Context, dir, commit string) string {
	ctx, cancel := context.WithTimeout(ctx, readTimeout)
	defer cancel()
	rev := "HEAD"
	if commit != "" {
		rev = commit
	}
	out, err := git(ctx, dir, "log", "-1", "--no-show-signature", "--format=%s", rev, "--")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(out)
}

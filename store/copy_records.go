package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
)

// copyFeedback adds to the destination's experiment id every feedback record
// of the source's that it lacks, and the records in keep (the destination's
// own, saved before its copy of the experiment was replaced), each with its
// id, author and time. It returns how many it added.
func copyFeedback(ctx context.Context, from, to Store, id string, keep []Feedback) (int, error) {
	src, err := from.Feedback(ctx, id, "")
	if err != nil {
		return 0, err
	}
	dst, err := to.Feedback(ctx, id, "")
	if err != nil {
		return 0, err
	}
	have := make(map[string]bool, len(dst))
	for _, f := range dst {
		have[f.ID] = true
	}
	n := 0
	for _, f := range slices.Concat(src, keep) {
		if have[f.ID] {
			continue
		}
		have[f.ID] = true
		if err := to.AddFeedback(ctx, &f); err != nil {
			return n, fmt.Errorf("copying feedback %s on case %q: %w", f.ID, f.CaseID, err)
		}
		n++
	}
	return n, nil
}

// copyShards gives the destination's experiment id the shard records of the
// source's, as they are (state, host, times, rows), and returns how many it
// wrote: none when they already agree.
func copyShards(ctx context.Context, from, to Store, id string) (int, error) {
	src, err := from.Shards(ctx, id)
	if err != nil {
		return 0, err
	}
	dst, err := to.Shards(ctx, id)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, sh := range src {
		i := slices.IndexFunc(dst, func(d Shard) bool { return d.Index == sh.Index })
		if i >= 0 && sameShard(dst[i], sh) {
			continue
		}
		if err := to.StartShard(ctx, id, sh); err != nil {
			return n, fmt.Errorf("copying shard %d/%d: %w", sh.Index, sh.Of, err)
		}
		n++
	}
	return n, nil
}

func sameShard(a, b Shard) bool {
	return a.Index == b.Index && a.Of == b.Of && a.State == b.State && a.Host == b.Host && a.Rows == b.Rows &&
		a.Started.Equal(b.Started) && a.Finished.Equal(b.Finished)
}

// attachmentHashes collects the content hashes of the attachment references
// ({"type": "attachment", "content_hash": ...}) in a row's values.
func attachmentHashes(r *Row, into map[string]bool) {
	for _, raw := range []json.RawMessage{r.Input, r.Expected, r.Output, r.Metadata, r.Spans} {
		if !bytes.Contains(raw, []byte(`"content_hash"`)) {
			continue
		}
		var v any
		if json.Unmarshal(raw, &v) == nil {
			collectHashes(v, into)
		}
	}
}

func collectHashes(v any, into map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		if h, ok := x["content_hash"].(string); ok && x["type"] == "attachment" {
			into[h] = true
		}
		for _, e := range x {
			collectHashes(e, into)
		}
	case []any:
		for _, e := range x {
			collectHashes(e, into)
		}
	}
}

// copyAttachments puts into the destination every attachment of hashes it
// lacks, and returns how many it copied. A reference whose attachment the
// source lacks too is left as it is.
func copyAttachments(ctx context.Context, from, to Store, hashes map[string]bool) (int, error) {
	n := 0
	for _, h := range slices.Sorted(func(yield func(string) bool) {
		for h := range hashes {
			if !yield(h) {
				return
			}
		}
	}) {
		if _, err := to.Attachment(ctx, h); err == nil {
			continue
		} else if !errors.Is(err, ErrNotFound) {
			return n, err
		}
		a, err := from.Attachment(ctx, h)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return n, err
		}
		got, err := to.PutAttachment(ctx, a.MediaType, a.Data)
		if err != nil {
			return n, fmt.Errorf("copying attachment %s: %w", h, err)
		}
		if got != h {
			return n, fmt.Errorf("copying attachment %s: the destination keeps it as %s", h, got)
		}
		n++
	}
	return n, nil
}

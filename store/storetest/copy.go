package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/caliperhq/caliper/store"
)

// testCopyRecords is CopyRecords between two stores of the backend.
func testCopyRecords(t *testing.T, open Opener) {
	t.Parallel()
	CopyRecords(t, open, open)
}

// CopyRecords copies an experiment with feedback, shard records and a row
// that refers to an attachment from a store openFrom makes into one openTo
// makes (the same backend or another): all of it arrives as it was, copying
// again changes nothing, and feedback given on the destination survives a
// newer copy of the experiment.
func CopyRecords(t *testing.T, openFrom, openTo Opener) {
	ctx := context.Background()
	from, to := openFrom(t), openTo(t)
	e := &store.Experiment{Eval: "e", Name: "sharded"}
	if _, err := from.JoinRun(ctx, "run-1", e); err != nil {
		t.Fatal(err)
	}
	started := time.Date(2025, 3, 4, 5, 6, 7, 8, time.UTC)
	for k := 1; k <= 2; k++ {
		if err := from.StartShard(ctx, e.ID, store.Shard{Index: k, Of: 2, Host: fmt.Sprint("ci-", k), Started: started}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := from.FinishShard(ctx, e.ID, 1, store.ShardFinished, 1); err != nil {
		t.Fatal(err)
	}
	png := []byte("\x89PNG\r\n\x1a\n not really an image")
	hash, err := from.PutAttachment(ctx, "image/png", png)
	if err != nil {
		t.Fatal(err)
	}
	ref := fmt.Sprintf(`{"q":"what is this?","image":{"type":"attachment","path":"a.png","content_hash":%q,"media_type":"image/png","size":%d}}`, hash, len(png))
	writeRows(t, from, e.ID, store.WriterOptions{}, &store.Row{CaseID: "c1", Input: json.RawMessage(ref), Created: started},
		&store.Row{CaseID: "c2", Input: json.RawMessage(`2`), Created: started})
	score := 0.5
	for _, f := range []store.Feedback{
		{ExperimentID: e.ID, CaseID: "c1", Name: "helpful", Score: &score, Author: "ann", Created: started},
		{ExperimentID: e.ID, CaseID: "c2", Name: "note", Comment: "odd", Author: "bob"},
	} {
		if err := from.AddFeedback(ctx, &f); err != nil {
			t.Fatal(err)
		}
	}
	e, err = from.Experiment(ctx, "e", e.ID)
	if err != nil {
		t.Fatal(err)
	}

	res, err := store.Copy(ctx, from, to, store.CopyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := (store.CopyResult{Experiments: 1, Rows: 2, Feedback: 2, Attachments: 1, Shards: 2}); res != want {
		t.Errorf("first copy: %+v, want %+v", res, want)
	}
	sameRecords(t, from, to, e.ID)
	a, err := to.Attachment(ctx, hash)
	if err != nil || string(a.Data) != string(png) || a.MediaType != "image/png" {
		t.Errorf("the attachment in the destination: %+v, %v", a, err)
	}
	res, err = store.Copy(ctx, from, to, store.CopyOptions{})
	if err != nil || res != (store.CopyResult{Unchanged: 1}) {
		t.Errorf("copying again: %+v, %v; want the experiment unchanged and nothing added", res, err)
	}

	// Feedback given on the destination, then the run goes on in the source:
	// the newer copy replaces the experiment and keeps that feedback.
	mine := store.Feedback{ExperimentID: e.ID, CaseID: "c2", Name: "helpful", Label: "yes", Author: "team"}
	if err := to.AddFeedback(ctx, &mine); err != nil {
		t.Fatal(err)
	}
	if _, err := from.FinishShard(ctx, e.ID, 2, store.ShardFinished, 1); err != nil {
		t.Fatal(err)
	}
	if err := from.UpdateExperiment(ctx, e.ID, store.StatusCompleted, json.RawMessage(`{"rows":2}`)); err != nil {
		t.Fatal(err)
	}
	res, err = store.Copy(ctx, from, to, store.CopyOptions{})
	if err != nil || res.Experiments != 1 {
		t.Errorf("copying the finished run: %+v, %v; want the experiment copied again", res, err)
	}
	fb, err := to.Feedback(ctx, e.ID, "")
	if err != nil || len(fb) != 3 {
		t.Fatalf("feedback after the newer copy: %d records, %v; want 3, the destination's own kept", len(fb), err)
	}
	src, _ := from.Shards(ctx, e.ID)
	dst, _ := to.Shards(ctx, e.ID)
	if !reflect.DeepEqual(src, dst) {
		t.Errorf("shards after the newer copy:\n%+v\nwant\n%+v", dst, src)
	}
}

// sameRecords checks that two stores hold the same rows, feedback and shards
// for experiment id.
func sameRecords(t *testing.T, a, b store.Store, id string) {
	t.Helper()
	ctx := context.Background()
	ra, rb := readRows(t, a, id), readRows(t, b, id)
	if len(ra) != len(rb) {
		t.Fatalf("%d rows copied, want %d", len(rb), len(ra))
	}
	for i := range ra {
		if !sameRow(ra[i], rb[i]) {
			t.Errorf("row %d copied as\n %#v\nwant\n %#v", i, rb[i], ra[i])
		}
	}
	fa, err1 := a.Feedback(ctx, id, "")
	fb, err2 := b.Feedback(ctx, id, "")
	if err1 != nil || err2 != nil || !reflect.DeepEqual(fa, fb) {
		t.Errorf("feedback copied as\n%+v (%v)\nwant\n%+v (%v)", fb, err2, fa, err1)
	}
	sa, err1 := a.Shards(ctx, id)
	sb, err2 := b.Shards(ctx, id)
	if err1 != nil || err2 != nil || !reflect.DeepEqual(sa, sb) {
		t.Errorf("shards copied as\n%+v (%v)\nwant\n%+v (%v)", sb, err2, sa, err1)
	}
}

// Package storetest is the conformance suite of store backends: every
// behaviour of a store.Store that the rest of caliper relies on, run against
// any backend by its own tests with Run. It is backend-neutral: it uses the
// store.Store interface only.
package storetest

import (
	"testing"

	"github.com/caliperhq/caliper/store"
)

// Opener opens a new, empty store for one test and closes it at the test's
// cleanup. Stores of different calls must not share experiments, datasets or
// cache entries. It is called from parallel tests.
type Opener func(t *testing.T) store.Store

// Run runs the whole suite against the stores open makes, each behaviour as
// a subtest named after it; the subtests run in parallel.
func Run(t *testing.T, open Opener) {
	for _, tc := range []struct {
		name string
		test func(*testing.T, Opener)
	}{
		{"CreateExperiment", testCreateExperiment},
		{"CreateExperimentErrors", testCreateExperimentErrors},
		{"ExperimentLookup", testExperimentLookup},
		{"ExperimentsList", testExperimentsList},
		{"UpdateExperiment", testUpdateExperiment},
		{"DeleteExperiment", testDeleteExperiment},
		{"ExperimentMetadataRoundTrip", testExperimentMetadataRoundTrip},
		{"ExperimentGitJSON", testExperimentGitJSON},
		{"CreateExperimentDatasetVersionWithoutName", testCreateExperimentDatasetVersionWithoutName},
		{"LatestCompleted", testLatestCompleted},
		{"RowsRoundTrip", testRowsRoundTrip},
		{"RowsCreatedFilled", testRowsCreatedFilled},
		{"RowsOrder", testRowsOrder},
		{"RowsStop", testRowsStop},
		{"InsertOrReplace", testInsertOrReplace},
		{"ReplaceLargeBatch", testReplaceLargeBatch},
		{"DoneKeys", testDoneKeys},
		{"CopyRows", testCopyRows},
		{"CopyRowsErrors", testCopyRowsErrors},
		{"CopyRecords", testCopyRecords},
		{"RowCount", testRowCount},
		{"QueryRows", testQueryRows},
		{"WriterCommits", testWriterCommits},
		{"WriterErrors", testWriterErrors},
		{"WriterConcurrentWrites", testWriterConcurrentWrites},
		{"ConcurrentReader", testConcurrentReader},
		{"PushDatasetVersions", testPushDatasetVersions},
		{"DatasetsList", testDatasetsList},
		{"DatasetReadErrors", testDatasetReadErrors},
		{"PushDatasetErrors", testPushDatasetErrors},
		{"PushDatasetConcurrent", testPushDatasetConcurrent},
		{"DatasetLargePush", testDatasetLargePush},
		{"JoinRun", testJoinRun},
		{"Shards", testShards},
		{"Cache", testCache},
		{"CacheConcurrent", testCacheConcurrent},
		{"FeedbackRoundTrip", testFeedbackRoundTrip},
		{"FeedbackErrors", testFeedbackErrors},
		{"Attachments", testAttachments},
		{"AttachmentsConcurrent", testAttachmentsConcurrent},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.test(t, open) })
	}
}

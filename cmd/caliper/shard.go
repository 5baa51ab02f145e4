package main

import (
	"github.com/caliperhq/caliper/internal/exitcode"
	"github.com/caliperhq/caliper/pipeline"
)

// shardOptions sets o to run shard --shard of the run --run-id names. A
// shard resumes by running again: it skips what its run already stored.
func shardOptions(st *State, f runFlags, o *pipeline.ExperimentOptions) error {
	sh, err := pipeline.ParseShard(f.shard)
	if err != nil {
		return err
	}
	if f.retryErrors != "" {
		return exitcode.Invalidf("--shard and --retry-errors cannot be used together: retry the errors of the finished experiment without --shard")
	}
	if f.resume != "" && f.resume != pipeline.ResumeLatest {
		return exitcode.Invalidf("--resume=%s with --shard: a shard resumes its run by run id: write --resume --shard %s --run-id ID", f.resume, sh)
	}
	sh.RunID = pipeline.RunIDFrom(f.runID, st.Env)
	if sh.RunID == "" {
		return exitcode.Invalidf("--shard %s needs the run id every shard of the run shares: pass --run-id ID or set CALIPER_RUN_ID (in CI the run's id is used: GITHUB_RUN_ID, CI_PIPELINE_ID, BUILDKITE_BUILD_ID)", sh)
	}
	sh.Wait = f.wait
	o.Shard = &sh
	return nil
}

package pipeline

import (
	"fmt"
	"testing"
)

// TestShardOfBalanced checks that 10,000 ids split evenly into 2 to 16
// shards, each within 10% of its fair share, and that every id has one shard.
func TestShardOfBalanced(t *testing.T) {
	t.Parallel()
	const ids = 10000
	for _, n := range []int{2, 3, 4, 7, 16} {
		counts := make([]int, n+1)
		for i := range ids {
			k := ShardOf(fmt.Sprintf("case-%d", i), n)
			if k < 1 || k > n {
				t.Fatalf("ShardOf(_, %d) = %d", n, k)
			}
			counts[k]++
		}
		fair := float64(ids) / float64(n)
		for k := 1; k <= n; k++ {
			if d := float64(counts[k]) - fair; d > fair/10 || d < -fair/10 {
				t.Errorf("%d shards: shard %d has %d ids, fair share %.0f", n, k, counts[k], fair)
			}
		}
	}
}

// TestShardOfStable pins the shard of some ids: a change would split a
// dataset differently across machines running different versions.
func TestShardOfStable(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		id   string
		n    int
		want int
	}{
		{"c00000", 4, 3}, {"c00001", 4, 2}, {"case-42", 4, 3}, {"case-42", 7, 4}, {"c00001", 7, 7}, {"any", 1, 1},
	} {
		if got := ShardOf(tc.id, tc.n); got != tc.want {
			t.Errorf("ShardOf(%q, %d) = %d, want %d", tc.id, tc.n, got, tc.want)
		}
	}
}

func TestRunIDFrom(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		flag string
		env  map[string]string
		want string
	}{
		{"mine", map[string]string{"CALIPER_RUN_ID": "env", "GITHUB_RUN_ID": "9"}, "mine"},
		{"", map[string]string{"CALIPER_RUN_ID": "env", "GITHUB_RUN_ID": "9"}, "env"},
		{"", map[string]string{"GITHUB_RUN_ID": "9", "GITHUB_RUN_ATTEMPT": "2"}, "github-9-2"},
		{"", map[string]string{"GITHUB_RUN_ID": "9"}, "github-9-1"},
		{"", map[string]string{"CI_PIPELINE_ID": "77"}, "gitlab-77"},
		{"", map[string]string{"BUILDKITE_BUILD_ID": "b-1"}, "buildkite-b-1"},
		{"", map[string]string{}, ""},
	} {
		if got := RunIDFrom(tc.flag, tc.env); got != tc.want {
			t.Errorf("RunIDFrom(%q, %v) = %q, want %q", tc.flag, tc.env, got, tc.want)
		}
	}
}

func TestParseShard(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in      string
		k, n    int
		invalid bool
	}{
		{"1/1", 1, 1, false}, {"3/4", 3, 4, false}, {"0/4", 0, 0, true}, {"5/4", 0, 0, true},
		{"4", 0, 0, true}, {"a/b", 0, 0, true}, {"1/0", 0, 0, true}, {"-1/2", 0, 0, true},
	} {
		sh, err := ParseShard(tc.in)
		if (err != nil) != tc.invalid || sh.Index != tc.k || sh.Of != tc.n {
			t.Errorf("ParseShard(%q) = %+v, %v", tc.in, sh, err)
		}
	}
}

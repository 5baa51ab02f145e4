package pipeline

import (
	"reflect"
	"testing"

	"github.com/caliperhq/caliper/store"
)

func TestParamDiffs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, was, now string
		want           []string
	}{
		{"same", `{"a":1,"b":"x"}`, `{"b":"x","a":1}`, nil},
		{"changed", `{"a":1}`, `{"a":2}`, []string{"parameter a: 1 in exp, 2 now"}},
		{"added and removed", `{"a":1}`, `{"b":true}`, []string{"parameter a: 1 in exp, unset now", "parameter b: unset in exp, true now"}},
		{"not recorded", ``, `{"a":1}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := &store.Experiment{Name: "exp", Parameters: []byte(tt.was)}
			if got := paramDiffs(e, []byte(tt.now)); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("paramDiffs = %q, want %q", got, tt.want)
			}
		})
	}
}

package exitcode

import (
	"errors"
	"fmt"
	"testing"
)

func TestOf(t *testing.T) {
	t.Parallel()
	plain := errors.New("disk full")
	tests := []struct {
		name   string
		err    error
		code   int
		silent bool
	}{
		{"nil", nil, OK, false},
		{"unmarked", plain, Run, false},
		{"marked", With(Failed, plain), Failed, false},
		{"wrapped", fmt.Errorf("eval x: %w", Invalidf("bad %s", "flag")), Invalid, false},
		{"outermost wins", With(Failed, With(Invalid, plain)), Failed, false},
		{"silent", With(Invalid, nil), Invalid, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Of(tt.err); got != tt.code {
				t.Errorf("Of = %d, want %d", got, tt.code)
			}
			if got := Silent(tt.err); got != tt.silent {
				t.Errorf("Silent = %v, want %v", got, tt.silent)
			}
			if tt.err != nil && Has(tt.err) != (tt.name != "unmarked") {
				t.Errorf("Has = %v", Has(tt.err))
			}
		})
	}
	if !errors.Is(With(Run, plain), plain) {
		t.Error("With must keep the error's chain")
	}
}

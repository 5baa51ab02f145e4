package spec_test

import (
	"github.com/caliperhq/caliper/scorers"
	"github.com/caliperhq/caliper/spec"
)

// The internal tests validate with the registry a run uses. Package inits run
// before any test, so testCatalog is set when they start.
func init() { spec.SetTestCatalog(scorers.Default()) }

package pipeline

import (
	"github.com/caliperhq/caliper/functions"
	"github.com/caliperhq/caliper/scorers"
	"github.com/caliperhq/caliper/spec"
)

// Catalog is the spec.Catalog of a run: the built-in scorers and expression
// helpers of a scorers.Registry and the body kinds of a functions.Kinds. Pass
// it to spec.NewValidator, and its Registry to Compile (Options.Registry), so
// that validation knows exactly what the run builds.
type Catalog struct {
	*scorers.Registry
	*functions.Kinds
}

var (
	_ spec.Catalog   = Catalog{}
	_ spec.BodyKinds = Catalog{}
)

// DefaultCatalog returns the catalog of scorers.Default and functions.DefaultKinds.
func DefaultCatalog() Catalog {
	return Catalog{Registry: scorers.Default(), Kinds: functions.DefaultKinds()}
}

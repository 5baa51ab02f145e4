package pipeline

import (
	"slices"
	"testing"

	"github.com/caliperhq/caliper/llm"
	"github.com/caliperhq/caliper/schema"
	"github.com/caliperhq/caliper/spec"
)

// TestSchemaProviderTypesMatchLLM is the drift test of provider types: the
// schema's providers.NAME.type enum holds exactly the wire formats package llm
// registers.
func TestSchemaProviderTypesMatchLLM(t *testing.T) {
	t.Parallel()
	typ := schema.Definitions()["provider"].(map[string]any)["properties"].(map[string]any)["type"].(map[string]any)
	var inSchema []string
	for _, v := range typ["enum"].([]any) {
		inSchema = append(inSchema, v.(string))
	}
	if got := llm.ProviderTypes(); !slices.Equal(inSchema, got) {
		t.Errorf("the schema's provider types are %v; package llm's %v", inSchema, got)
	}
}

// TestDefaultCatalog: the catalog of a run knows every built-in scorer, helper
// and body kind the pipeline builds.
func TestDefaultCatalog(t *testing.T) {
	t.Parallel()
	cat := DefaultCatalog()
	for _, kind := range []string{spec.KindPrompt, spec.KindExec, spec.KindHTTP, spec.KindExpr} {
		if !cat.BodyKind(kind) {
			t.Errorf("DefaultCatalog lacks the body kind %s", kind)
		}
	}
	if _, ok := cat.BuiltinScorer("rouge_n"); !ok {
		t.Error("DefaultCatalog lacks rouge_n")
	}
	if b, ok := cat.BuiltinScorer("factuality"); !ok || !b.Judge {
		t.Errorf("DefaultCatalog's factuality = %+v, %v; want a judge", b, ok)
	}
	if len(cat.Helpers()) == 0 {
		t.Error("DefaultCatalog has no helpers")
	}
}

package functions

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/caliperhq/caliper/schema"
	"github.com/caliperhq/caliper/spec"
)

// TestSchemaBodyKindsMatchKinds is the drift test of body kinds: the bodies a
// function file can set in the schema are exactly the registered kinds.
func TestSchemaBodyKindsMatchKinds(t *testing.T) {
	t.Parallel()
	props := schema.Definitions()["function"].(map[string]any)["properties"].(map[string]any)
	var inSchema []string
	for name := range props {
		if !slices.Contains([]string{"slug", "type", "description", "input_schema"}, name) {
			inSchema = append(inSchema, name)
		}
	}
	slices.Sort(inSchema)
	registered := DefaultKinds().KindNames()
	slices.Sort(registered)
	if !slices.Equal(inSchema, registered) {
		t.Errorf("the schema's function bodies are %v; the registered kinds %v", inSchema, registered)
	}
}

func TestKindsRegistry(t *testing.T) {
	t.Parallel()
	k := NewKinds()
	body := spec.Body{Kind: spec.KindExpr, Expr: &spec.Expr{Code: "input + 1"}}
	if _, err := k.New(body, Options{}); err == nil || !strings.Contains(err.Error(), `unknown function kind "expr"`) {
		t.Errorf("an empty registry built an expr body: %v", err)
	}
	if k.BodyKind(spec.KindExpr) {
		t.Error("an empty registry claims the expr kind")
	}
	k.Register(Kind{Name: spec.KindExpr, New: newExprKind})
	f, err := k.New(body, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got, err := f.Call(context.Background(), &Request{Input: 1}); err != nil || got != 2 {
		t.Errorf("Call = %v, %v; want 2", got, err)
	}
	for _, bad := range []Kind{{Name: spec.KindExpr, New: newExprKind}, {Name: "", New: newExprKind}, {Name: "grpc"}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Register(%q) did not panic", bad.Name)
				}
			}()
			k.Register(bad)
		}()
	}
}

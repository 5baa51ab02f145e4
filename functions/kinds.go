package functions

import (
	"errors"
	"fmt"
	"strings"

	"github.com/caliperhq/caliper/spec"
)

// Kind is the one record of a kind of function body: the key that selects it
// in YAML (spec.KindExec, ...) and the constructor that builds it. A new kind
// is its implementation file plus one record in kindRecords; validation learns
// of it through spec.BodyKinds, which Kinds implements.
type Kind struct {
	Name        string
	Description string
	New         func(b spec.Body, opts Options) (Function, error)
}

// kindRecords are the body kinds New builds, one record each.
var kindRecords = []Kind{
	{Name: spec.KindPrompt, Description: "a prompt sent to a model", New: newPromptKind},
	{Name: spec.KindExec, Description: "a program, one-shot or a JSON Lines worker", New: newExecKind},
	{Name: spec.KindHTTP, Description: "an HTTP endpoint", New: newHTTPKind},
	{Name: spec.KindExpr, Description: "an expression", New: newExprKind},
}

// Kinds is a registry of body kinds. The zero value is not usable: make one
// with NewKinds or DefaultKinds.
type Kinds struct {
	kinds map[string]Kind
	order []string
}

var _ spec.BodyKinds = (*Kinds)(nil)

// NewKinds returns an empty registry of body kinds.
func NewKinds() *Kinds { return &Kinds{kinds: map[string]Kind{}} }

// DefaultKinds returns a new registry with every kind of kindRecords.
func DefaultKinds() *Kinds {
	k := NewKinds()
	for _, r := range kindRecords {
		k.Register(r)
	}
	return k
}

// Register adds a body kind. An empty name, a nil constructor or a name
// registered twice is a programming error and panics.
func (k *Kinds) Register(r Kind) {
	if r.Name == "" || r.New == nil {
		panic("functions: Register needs a name and a constructor")
	}
	if _, dup := k.kinds[r.Name]; dup {
		panic(fmt.Sprintf("functions: body kind %q is already registered", r.Name))
	}
	k.kinds[r.Name] = r
	k.order = append(k.order, r.Name)
}

// Kind returns the record of the body kind called name.
func (k *Kinds) Kind(name string) (Kind, bool) {
	if k == nil {
		return Kind{}, false
	}
	r, ok := k.kinds[name]
	return r, ok
}

// BodyKind reports whether a body of kind name can be built.
func (k *Kinds) BodyKind(name string) bool {
	_, ok := k.Kind(name)
	return ok
}

// KindNames returns the registered kinds in registration order.
func (k *Kinds) KindNames() []string {
	if k == nil {
		return nil
	}
	return append([]string(nil), k.order...)
}

// New builds the function of body b with the kind registered for b.Kind.
func (k *Kinds) New(b spec.Body, opts Options) (Function, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	opts.kinds = k
	switch b.Kind {
	case spec.KindFunction:
		return nil, fmt.Errorf("function %q is a reference: resolve the slug to its function's body (spec.Eval.Functions) and build that", b.Function)
	case spec.KindBuiltin:
		return nil, errors.New("a built-in scorer is not a function: build it with package scorers")
	case "":
		return nil, errors.New("empty function body: set one of prompt, function, exec, http or expr")
	}
	r, ok := k.Kind(b.Kind)
	if !ok {
		return nil, fmt.Errorf("unknown function kind %q: use %s", b.Kind, strings.Join(k.KindNames(), ", "))
	}
	return r.New(b, opts)
}

func newExprKind(b spec.Body, opts Options) (Function, error) {
	if b.Expr == nil {
		return nil, errors.New("expr body without an expression")
	}
	return built(newExpr(b.Expr, opts))
}

func newExecKind(b spec.Body, opts Options) (Function, error) {
	if b.Exec == nil {
		return nil, errors.New("exec body without a command")
	}
	if b.Exec.Worker {
		return built(newWorkerPool(b.Exec, opts))
	}
	return built(newOneShot(b.Exec, opts))
}

func newHTTPKind(b spec.Body, opts Options) (Function, error) {
	if b.HTTP == nil {
		return nil, errors.New("http body without a url")
	}
	return built(newHTTP(b.HTTP, opts))
}

func newPromptKind(b spec.Body, opts Options) (Function, error) {
	if b.Prompt == nil {
		return nil, errors.New("prompt body without a prompt")
	}
	return newPromptOrAgent(b.Prompt, opts)
}

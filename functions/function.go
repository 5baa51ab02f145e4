// Package functions runs task and scorer functions: expressions, programs (one-shot
// or long-lived JSON Lines workers) and HTTP endpoints.
package functions

import (
	"context"

	"github.com/caliperhq/caliper/spec"
)

// Request is one call of a function: the case, and for scorers the output to score.
// It is sent as JSON to exec and http functions.
type Request struct {
	Input      any                `json:"input"`
	Expected   any                `json:"expected"`
	Metadata   map[string]any     `json:"metadata"`
	Tags       []string           `json:"tags,omitempty"`
	Parameters map[string]any     `json:"parameters"`
	Trial      int                `json:"trial"`
	Output     any                `json:"output,omitempty"`  // scorer functions only
	Metrics    map[string]float64 `json:"metrics,omitempty"` // scorer functions only: duration, tokens, ...
	// Messages is the transcript of an agent task, for scorer functions and
	// user simulators.
	Messages []map[string]any `json:"messages,omitempty"`
	// ToolCalls are the tool calls of an agent task, for scorer functions.
	ToolCalls []spec.ToolCall `json:"tool_calls,omitempty"`
	Trace     *Trace          `json:"-"` // where spans go (model calls); may be nil
}

// Function is a callable task or scorer. Call is safe for concurrent use; Close
// releases processes and connections.
type Function interface {
	Call(ctx context.Context, req *Request) (any, error)
	Close() error
}

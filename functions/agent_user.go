package functions

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/caliperhq/caliper/llm"
	"github.com/caliperhq/caliper/spec"
)

// buildUser builds the function of a user simulator.
func buildUser(u *spec.UserSimulator, opts Options) (Function, error) {
	f, ok := opts.Functions[u.Function]
	if !ok || f == nil {
		return nil, fmt.Errorf("user_simulator %q names no function: define it in functions/*.yaml", u.Function)
	}
	if f.Body.Kind == spec.KindPrompt && f.Body.Prompt.IsAgent() {
		return nil, fmt.Errorf("user_simulator %q is itself an agent prompt: the user cannot run a loop of its own", u.Function)
	}
	if opts.kinds == nil {
		return nil, errors.New("the user simulator is built by a Kinds registry: build the prompt with New or Kinds.New")
	}
	uopts := opts
	uopts.Role, uopts.Functions = RoleTask, nil
	fn, err := opts.kinds.New(f.Body, uopts)
	if err != nil {
		return nil, fmt.Errorf("user_simulator %q: %w", u.Function, err)
	}
	return fn, nil
}

// userTurn asks the user simulator, if any, for the next user message after
// the model's answer and appends it to the transcript. It returns the stop
// reason when the conversation is over ("" to go on): StopAnswer without a
// simulator.
func (l *agentLoop) userTurn(ctx context.Context) (string, error) {
	u := l.a.limits.User
	if l.a.user == nil || u == nil {
		return StopAnswer, nil
	}
	if l.said >= u.MaxTurns {
		return StopMaxUserTurns, nil
	}
	out, err := l.a.user.Call(ctx, &Request{Input: l.req.Input, Metadata: l.req.Metadata, Tags: l.req.Tags,
		Parameters: l.req.Parameters, Trial: l.req.Trial, Messages: transcriptOf(l.cr.Messages)})
	if err != nil {
		return "", fmt.Errorf("user_simulator %q after turn %d: %w", u.Function, l.turns, err)
	}
	text := ""
	if out != nil {
		text = resultText(out)
	}
	if strings.TrimSpace(text) == "" {
		return StopUserDone, nil
	}
	l.said++
	l.cr.Messages = append(l.cr.Messages, llm.Message{Role: llm.RoleUser, Content: text})
	if u.Stop != "" && strings.Contains(text, u.Stop) {
		return StopUserStop, nil
	}
	return "", nil
}

package main

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// The secrets of these tests: each is long and random-looking, and a prefix of
// twelve characters is enough to call a leak.
const (
	echoKey = "sk-echo-3f9a1c7e5b2d4068a1f3c5e7b9d1f3a5c7e9"
	anthKey = "sk-ant-8e6c4a2f0d9b7153e2c4a6f8b0d2e4f6a8c0"
	apiTok  = "tok-5d3b1f9e7c5a3018d6f4b2a0e8c6a4f2d0b8"
)

var (
	secretBinOnce sync.Once
	secretBin     string
	secretBinErr  error
)

// caliperBinary builds the command once for every test of this file.
func caliperBinary(t *testing.T) string {
	t.Helper()
	secretBinOnce.Do(func() {
		dir, err := os.MkdirTemp("", "caliper-secrets-bin-")
		if err != nil {
			secretBinErr = err
			return
		}
		secretBin = filepath.Join(dir, "caliper")
		if out, err := exec.Command("go", "build", "-o", secretBin, ".").CombinedOutput(); err != nil {
			secretBinErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if secretBinErr != nil {
		t.Fatal(secretBinErr)
	}
	return secretBin
}

// echoServer speaks the OpenAI chat-completions wire format (/v1/chat/completions)
// and the Anthropic messages format (/v1/messages), and echoes the key it was
// sent: in the answer, in a judge's reasons, and in an error body that is not
// JSON, where a 283-character padding puts the key across the 300-character
// cut of the message.
func echoServer(t *testing.T) *httptest.Server {
	t.Helper()
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		if r.URL.Path == "/v1/messages" {
			key = r.Header.Get("X-Api-Key")
		}
		var req struct {
			Messages []struct {
				Content json.RawMessage
			}
			Tools []json.RawMessage
		}
		_ = json.NewDecoder(r.Body).Decode(&req)
		var text string
		for _, m := range req.Messages {
			text += string(m.Content)
		}
		w.Header().Set("Content-Type", "application/json")
		if strings.Contains(text, "fail") && len(req.Tools) == 0 && r.URL.Path != "/v1/messages" {
			// Not JSON: the message quotes the body's first 300 characters,
			// and the first twelve of the key are among them.
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, "%s key %s is not allowed", strings.Repeat("x", 283), key)
			return
		}
		if strings.Contains(text, "fail") && len(req.Tools) == 0 {
			w.WriteHeader(http.StatusBadRequest)
			json.NewEncoder(w).Encode(map[string]any{"type": "error", "error": map[string]any{
				"type": "invalid_request_error", "message": strings.Repeat("x", 290) + " key " + key + " is not allowed"}})
			return
		}
		reasons := "the key was " + key
		if r.URL.Path == "/v1/messages" {
			content := []any{map[string]any{"type": "text", "text": "you sent " + key}}
			if len(req.Tools) > 0 {
				content = []any{map[string]any{"type": "tool_use", "id": "tu_1", "name": "select_choice",
					"input": map[string]any{"reasons": reasons, "choice": "Y"}}}
			}
			json.NewEncoder(w).Encode(map[string]any{"id": "msg_1", "type": "message", "role": "assistant", "model": "m",
				"content": content, "stop_reason": "end_turn", "usage": map[string]any{"input_tokens": 5, "output_tokens": 3}})
			return
		}
		message := map[string]any{"role": "assistant", "content": "you sent " + key}
		if len(req.Tools) > 0 {
			args, _ := json.Marshal(map[string]string{"reasons": reasons, "choice": "Y"})
			message = map[string]any{"role": "assistant", "content": nil, "tool_calls": []any{map[string]any{
				"id": "call_1", "type": "function", "function": map[string]any{"name": "select_choice", "arguments": string(args)}}}}
		}
		json.NewEncoder(w).Encode(map[string]any{
			"id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": "m",
			"choices": []any{map[string]any{"index": 0, "message": message, "finish_reason": "stop"}},
			"usage":   map[string]any{"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8},
		})
	}))
}

// runCaliper runs the built binary in dir with env added to a bare environment.
func runCaliper(t *testing.T, dir string, env []string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(caliperBinary(t), args...)
	cmd.Dir = dir
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}, env...)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running caliper: %v", err)
	}
	return code, out.String(), errOut.String()
}

// leaks lists where a secret, or the first twelve characters of one, shows up
// in the texts and in every file under dir.
func leaks(t *testing.T, dir string, texts map[string]string, secrets ...string) []string {
	t.Helper()
	all := map[string]string{}
	for k, v := range texts {
		all[k] = v
	}
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err == nil {
			all[path] = string(b)
		}
		return nil
	})
	var out []string
	for where, text := range all {
		for _, s := range secrets {
			if strings.Contains(text, s[:12]) {
				i := strings.Index(text, s[:12])
				out = append(out, fmt.Sprintf("%s holds %q: ...%s...", where, s[:12], text[max(0, i-40):min(len(text), i+60)]))
			}
		}
	}
	return out
}

func writeEchoProject(t *testing.T, dir, baseURL string) {
	t.Helper()
	writeFile(t, filepath.Join(dir, "caliper.yaml"), fmt.Sprintf(`store: s.db
providers:
  echo: {type: openai, base_url: "%[1]s/v1", api_key_env: ECHO_KEY, max_retries: 0}
  anth: {type: anthropic, base_url: "%[1]s", api_key_env: ANTH_KEY, max_retries: 0}
`, baseURL))
	writeFile(t, filepath.Join(dir, "rows.jsonl"), `{"id": "ok", "input": "hello"}
{"id": "fail", "input": "fail"}
`)
	writeFile(t, filepath.Join(dir, "echo.eval.yaml"), `name: echo
data: {file: rows.jsonl}
task:
  prompt:
    model: echo/m
    messages: [{role: user, content: "{{input}}"}]
scorers:
  - use: closed_qa
    with: {model: anth/m, criteria: "the answer is polite"}
  - use: closed_qa
    name: openai_judge
    with: {model: echo/m, criteria: "the answer is polite"}
max_concurrency: 1
`)
	writeFile(t, filepath.Join(dir, "crash", "crash.py"), `import os, sys
sys.stderr.write("fatal: cannot use key " + os.environ["ECHO_KEY"] + "\n")
sys.stderr.flush()
sys.exit(1)
`)
	writeFile(t, filepath.Join(dir, "crash", "crash.eval.yaml"), `name: crash
data: {inline: [{id: a, input: 1}]}
task: {exec: {command: [python3, crash.py], worker: true}}
scorers:
  - {name: ok, expr: output == 1}
`)
}

// TestEchoedKeyIsNeverStored runs evals against a provider that echoes its key
// and a worker that prints it on stderr before crashing, and looks for the key
// in everything the run leaves: the store (rows, spans, judge reasons, the
// response cache), the terminal, --json, --jsonl, --junit, --markdown and
// experiments export.
func TestEchoedKeyIsNeverStored(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not installed")
	}
	srv := echoServer(t)
	defer srv.Close()
	dir := t.TempDir()
	writeEchoProject(t, dir, srv.URL)
	env := []string{"ECHO_KEY=" + echoKey, "ANTH_KEY=" + anthKey}
	texts := outputsOfTwoRuns(t, dir, env)
	for name, out := range texts {
		if strings.HasPrefix(name, "export ") && !strings.Contains(out, "[redacted]") {
			t.Errorf("%s shows no [redacted]: the echoed key was not masked but dropped?\n%s", name, out)
		}
	}
	for _, l := range leaks(t, dir, texts, echoKey, anthKey) {
		t.Error(l)
	}
	if !strings.Contains(texts["stderr of run 0"], "fatal: cannot use key [redacted]") {
		t.Errorf("the worker's stderr is not forwarded masked:\n%s", texts["stderr of run 0"])
	}
	var cut bool
	for k, v := range texts {
		cut = cut || strings.HasPrefix(k, "export") && strings.Contains(v, "xxx key [redacted]")
	}
	if !cut {
		t.Errorf("no export holds the error of the case \"fail\" with the key masked")
	}
}

// outputsOfTwoRuns runs the eval in dir twice (the second answers from the
// cache) with every reporter, then lists and exports each experiment, and
// returns each text a user could see by where it came from: "stdout of run
// N", "stderr of run N", "experiments list" and "export ID".
func outputsOfTwoRuns(t *testing.T, dir string, env []string) map[string]string {
	t.Helper()
	texts := map[string]string{}
	for i := range 2 {
		code, out, errOut := runCaliper(t, dir, env, "run", ".", "--json", "out/r.json", "--jsonl", "out/r.jsonl",
			"--junit", "out/r.xml", "--markdown", "out/r.md")
		if code != ExitOK && code != ExitFailed {
			t.Fatalf("run %d: exit %d\n%s%s", i, code, out, errOut)
		}
		texts[fmt.Sprintf("stdout of run %d", i)] = out
		texts[fmt.Sprintf("stderr of run %d", i)] = errOut
	}
	code, out, errOut := runCaliper(t, dir, env, "experiments", "list")
	if code != ExitOK {
		t.Fatalf("experiments list: exit %d\n%s", code, errOut)
	}
	texts["experiments list"] = out
	for _, id := range experimentIDs(out) {
		code, out, errOut := runCaliper(t, dir, env, "experiments", "export", id)
		if code != ExitOK {
			t.Fatalf("export %s: exit %d\n%s", id, code, errOut)
		}
		texts["export "+id] = out
	}
	return texts
}

// experimentIDs picks the experiment ids (the last column) from the output of
// experiments list.
func experimentIDs(list string) []string {
	var out []string
	for i, line := range strings.Split(strings.TrimSpace(list), "\n") {
		if f := strings.Fields(line); i > 0 && len(f) > 0 {
			out = append(out, f[len(f)-1])
		}
	}
	return out
}

// tokenServer is an endpoint that wants "Bearer <apiTok>" and echoes it.
func tokenServer(t *testing.T, requests *atomic.Int64) *httptest.Server {
	t.Helper()
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		if r.Header.Get("Authorization") != "Bearer "+apiTok {
			http.Error(w, "bad token "+r.Header.Get("Authorization"), http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"answer": "ok", "seen": r.Header.Get("Authorization")})
	}))
}

// TestHeaderTokenFromEnv sends a token from the environment in an http
// header through {{env.API_TOKEN}}: the eval lists the variable in env:, the
// token reaches the endpoint, and the echoed token is masked. Without the
// variable the run stops before its first case (exit 3, naming it); a template
// that reads a variable env: does not list is invalid (exit 2, file:line:col).
func TestHeaderTokenFromEnv(t *testing.T) {
	t.Parallel()
	var requests atomic.Int64
	srv := tokenServer(t, &requests)
	defer srv.Close()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "caliper.yaml"), "store: s.db\n")
	eval := func(env string) string {
		return fmt.Sprintf(`name: remote
env: [%s]
data: {inline: [{id: a, input: 1}, {id: b, input: 2}]}
task:
  http:
    url: "%s/answer"
    headers: {Authorization: "Bearer {{env.API_TOKEN}}"}
scorers:
  - {name: ok, expr: output.answer == "ok"}
`, env, srv.URL)
	}
	writeFile(t, filepath.Join(dir, "ok", "remote.eval.yaml"), eval("API_TOKEN"))
	writeFile(t, filepath.Join(dir, "unlisted", "remote.eval.yaml"), eval("OTHER"))

	code, out, errOut := runCaliper(t, dir, []string{"API_TOKEN=" + apiTok}, "run", "ok", "--jsonl", "out/r.jsonl")
	if code != ExitOK {
		t.Fatalf("with API_TOKEN set: exit %d\n%s%s", code, out, errOut)
	}
	if n := requests.Load(); n != 2 {
		t.Errorf("the endpoint got %d requests, want 2", n)
	}
	jsonl, _ := os.ReadFile(filepath.Join(dir, "out", "r.jsonl"))
	if !strings.Contains(string(jsonl), `"seen":"Bearer [redacted]"`) {
		t.Errorf("the echoed token is not masked in --jsonl:\n%s", jsonl)
	}
	for _, l := range leaks(t, dir, map[string]string{"stdout": out, "stderr": errOut}, apiTok) {
		t.Error(l)
	}

	requests.Store(0)
	code, out, errOut = runCaliper(t, dir, nil, "run", "ok")
	if code != ExitRun || !strings.Contains(errOut, "API_TOKEN") || !strings.Contains(errOut, "not set") {
		t.Errorf("without API_TOKEN: exit %d, want 3 naming the variable\n%s%s", code, out, errOut)
	}
	if n := requests.Load(); n != 0 {
		t.Errorf("without API_TOKEN the endpoint got %d requests, want none", n)
	}

	code, out, errOut = runCaliper(t, dir, []string{"API_TOKEN=" + apiTok, "OTHER=x"}, "run", "unlisted")
	want := "unlisted/remote.eval.yaml:7:30: http.headers.Authorization reads env.API_TOKEN, which is not listed in env:"
	if code != ExitInvalid || !strings.Contains(errOut, want) {
		t.Errorf("a template reading an unlisted variable: exit %d, want 2 and %q\n%s%s", code, want, out, errOut)
	}
}

// TestMaskingRules masks the user's own data with the masking rules of
// caliper.yaml: a pattern (emails) and a field path (input.user.phone).
// The endpoint still gets the real values; the store, its response cache, the
// spans and every report format hold only the masks.
func TestMaskingRules(t *testing.T) {
	t.Parallel()
	srv := echoServer(t)
	defer srv.Close()
	root := t.TempDir()
	dir := filepath.Join(root, "proj") // everything the run writes; the dataset is outside it
	writeFile(t, filepath.Join(dir, "caliper.yaml"), fmt.Sprintf(`store: s.db
providers:
  echo: {type: openai, base_url: "%s/v1", api_key_env: ECHO_KEY}
masking:
  - {pattern: '[\w.+-]+@example\.com', replace: "[email]"}
  - {field: input.user.phone}
`, srv.URL))
	writeFile(t, filepath.Join(root, "data", "rows.jsonl"), `{"id": "c1", "input": {"user": {"email": "alice.secret@example.com", "phone": "+1-555-0100-777"}}, "expected": "write to alice.secret@example.com"}
`)
	writeFile(t, filepath.Join(dir, "mask.eval.yaml"), `name: mask
data: {file: ../data/rows.jsonl}
task:
  prompt:
    model: echo/m
    messages: [{role: user, content: "Mail {{input.user.email}}, call {{input.user.phone}}"}]
scorers:
  - {name: mentions, expr: 'output contains "@"'}
  - use: closed_qa
    with: {model: echo/m, criteria: "the answer quotes the phone"}
`)
	env := []string{"ECHO_KEY=" + echoKey}
	texts := map[string]string{}
	for i := range 2 { // the second run answers from the cache
		code, out, errOut := runCaliper(t, dir, env, "run", ".", "--json", "out/r.json", "--jsonl", "out/r.jsonl",
			"--junit", "out/r.xml", "--markdown", "out/r.md")
		if code != ExitOK && code != ExitFailed {
			t.Fatalf("run %d: exit %d\n%s%s", i, code, out, errOut)
		}
		texts[fmt.Sprintf("stdout %d", i)], texts[fmt.Sprintf("stderr %d", i)] = out, errOut
	}
	_, list, _ := runCaliper(t, dir, env, "experiments", "list")
	for _, id := range experimentIDs(list) {
		_, out, _ := runCaliper(t, dir, env, "experiments", "export", id)
		texts["export "+id] = out
		for _, want := range []string{`"email":"[email]"`, `"phone":"[masked]"`, `"expected":"write to [email]"`} {
			if !strings.Contains(out, want) {
				t.Errorf("export %s lacks %s:\n%s", id, want, out)
			}
		}
	}
	for _, l := range leaks(t, dir, texts, "alice.secret@example.com", "+1-555-0100-777") {
		t.Error(l)
	}
}

// TestInvokeReadsEnvAndMasks: caliper invoke of a function file whose header
// reads {{env.API_TOKEN}} (listed in caliper.yaml) sends the token and prints
// the echoed one masked; without the variable it exits 3 naming it.
func TestInvokeReadsEnvAndMasks(t *testing.T) {
	t.Parallel()
	var requests atomic.Int64
	srv := tokenServer(t, &requests)
	defer srv.Close()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "caliper.yaml"), "env: [API_TOKEN]\n")
	writeFile(t, filepath.Join(dir, "functions", "remote.yaml"), fmt.Sprintf(`slug: remote
type: task
http:
  url: "%s/answer"
  headers: {Authorization: "Bearer {{env.API_TOKEN}}"}
`, srv.URL))
	code, out, errOut := runCaliper(t, dir, []string{"API_TOKEN=" + apiTok}, "invoke", "remote", "--input", "1")
	if code != ExitOK || !strings.Contains(out, `"seen": "Bearer [redacted]"`) || strings.Contains(out+errOut, apiTok[:12]) {
		t.Errorf("invoke: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = runCaliper(t, dir, nil, "invoke", "remote", "--input", "1")
	if code != ExitRun || !strings.Contains(errOut, "API_TOKEN") {
		t.Errorf("invoke without API_TOKEN: exit %d, want 3 naming it\n%s%s", code, out, errOut)
	}
}

package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestInvoke(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "functions", "shout.yaml"), "slug: shout\nexpr: upper(input.text) + parameters.end\n")
	writeFile(t, filepath.Join(dir, "functions", "same.yaml"), "slug: same-answer\ntype: scorer\nexpr: output == expected\n")
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"task", []string{"invoke", "shout", "--input", `{"text": "hi"}`, "--param", "end=!"}, ExitOK, `"HI!"`},
		{"scorer", []string{"invoke", "same-answer", "--output", "Paris", "--expected", `"Paris"`}, ExitOK, `"name": "same_answer",` + "\n    \"score\": 1"},
		{"scorer that fails", []string{"invoke", "same-answer", "--output", "Rome", "--expected", "Paris"}, ExitOK, `"score": 0`},
		{"unknown slug", []string{"invoke", "shuot"}, ExitInvalid, "known slugs are same-answer, shout"},
		{"bad JSON", []string{"invoke", "shout", "--input", `{"text": `}, ExitInvalid, "--input: invalid JSON"},
		{"runtime error", []string{"invoke", "shout", "--input", `{"text": 3}`}, ExitRun, "shout:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, out, errOut := run(t, dir, tt.args...)
			if code != tt.code || !strings.Contains(out+errOut, tt.want) {
				t.Errorf("exit %d\n%s%s\nwant exit %d and %q", code, out, errOut, tt.code, tt.want)
			}
		})
	}
}

func TestInvokeProgram(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not installed")
	}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "functions", "echo.yaml"), "slug: echo\nexec: {command: [python3, echo.py]}\n")
	writeFile(t, filepath.Join(dir, "functions", "echo.py"), "import json, sys\nreq = json.load(sys.stdin)\nprint(json.dumps({'got': req['input'], 'trial': req['trial']}))\n")
	code, out, errOut := run(t, dir, "invoke", "echo", "--input", "[1, 2]", "--trial", "2")
	if code != ExitOK || !strings.Contains(out, `"got": [`) || !strings.Contains(out, `"trial": 2`) {
		t.Errorf("exit %d\n%s%s", code, out, errOut)
	}
}

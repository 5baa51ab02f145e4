package spec

import (
	"slices"
	"strings"
	"testing"
)

const secretsEval = `name: tok
data: {inline: [{input: 1}]}
task:
  http:
    url: "http://127.0.0.1:1/{{env.URL_PART}}"
    headers: {Authorization: "Bearer {{env.API_TOKEN}}"}
    body: {q: "{{input}}", k: "{{{env.OTHER}}}"}
scorers: [{name: ok, expr: "true"}]
`

func TestEnvAndMaskingDiagnostics(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		files   map[string]string
		want    []string // exact diagnostics
		wantEnv []string
		rules   int
	}{
		{name: "env listed in the eval and in caliper.yaml", files: map[string]string{
			"/p/caliper.yaml": "env: [API_TOKEN]\n",
			"/p/x.eval.yaml":  "env: [URL_PART, OTHER]\n" + secretsEval,
		}, wantEnv: []string{"URL_PART", "OTHER"}},
		{name: "a template reads a variable not listed", files: map[string]string{
			"/p/x.eval.yaml": "env: [URL_PART]\n" + secretsEval,
		}, want: []string{
			`x.eval.yaml:7:30: http.headers.Authorization reads env.API_TOKEN, which is not listed in env: add it to env: at the top of the eval or in caliper.yaml (env: [API_TOKEN]); listed: URL_PART`,
			`x.eval.yaml:8:31: http.body.k reads env.OTHER, which is not listed in env: add it to env: at the top of the eval or in caliper.yaml (env: [OTHER]); listed: URL_PART`,
		}},
		{name: "a bad env name", files: map[string]string{
			"/p/x.eval.yaml": "env: [URL_PART, OTHER, API_TOKEN, 9bad]\n" + secretsEval,
		}, want: []string{`x.eval.yaml:1:35: `}},
		{name: "masking rules", files: map[string]string{
			"/p/caliper.yaml": "masking:\n  - {pattern: '\\d{3}-\\d{4}', replace: '###'}\n  - {field: input.user.email}\n",
			"/p/x.eval.yaml":  "name: m\ndata: {inline: [{input: 1}]}\ntask: {expr: input}\nscorers: [{name: ok, expr: 'true'}]\n",
		}, rules: 2},
		{name: "a bad regular expression", files: map[string]string{
			"/p/caliper.yaml": "masking:\n  - {pattern: 'a(b', replace: x}\n",
			"/p/x.eval.yaml":  "name: m\ndata: {inline: [{input: 1}]}\ntask: {expr: input}\nscorers: [{name: ok, expr: 'true'}]\n",
		}, want: []string{"caliper.yaml:2:15: pattern \"a(b\" is not a valid regular expression (RE2 syntax): error parsing regexp: missing closing ): `a(b`"}},
		{name: "a pattern that matches nothing", files: map[string]string{
			"/p/caliper.yaml": "masking:\n  - {pattern: 'x*'}\n",
			"/p/x.eval.yaml":  "name: m\ndata: {inline: [{input: 1}]}\ntask: {expr: input}\nscorers: [{name: ok, expr: 'true'}]\n",
		}, want: []string{`caliper.yaml:2:15: pattern "x*" matches the empty string, so it would mask between every character: make it match at least one`}},
		{name: "a rule with both", files: map[string]string{
			"/p/caliper.yaml": "masking:\n  - {pattern: 'a', field: input}\n",
			"/p/x.eval.yaml":  "name: m\ndata: {inline: [{input: 1}]}\ntask: {expr: input}\nscorers: [{name: ok, expr: 'true'}]\n",
		}, want: []string{`caliper.yaml:2:5: `}},
		{name: "a field outside a row", files: map[string]string{
			"/p/caliper.yaml": "masking:\n  - {field: user.email}\n",
			"/p/x.eval.yaml":  "name: m\ndata: {inline: [{input: 1}]}\ntask: {expr: input}\nscorers: [{name: ok, expr: 'true'}]\n",
		}, want: []string{`caliper.yaml:2:13: `}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := NewValidator(newMemFS(tt.files), "/p", testCatalog).Validate([]string{"x.eval.yaml"})
			var got []string
			for _, d := range res.Diagnostics {
				got = append(got, d.String())
			}
			if len(got) != len(tt.want) {
				t.Fatalf("diagnostics:\n%s\nwant %d:\n%s", strings.Join(got, "\n"), len(tt.want), strings.Join(tt.want, "\n"))
			}
			for i, w := range tt.want {
				if got[i] != w && !(strings.HasSuffix(w, ": ") && strings.HasPrefix(got[i], w)) {
					t.Errorf("diagnostic %d:\n got %s\nwant %s", i, got[i], w)
				}
			}
			if len(tt.want) > 0 {
				return
			}
			ev := res.Evals[0]
			if tt.wantEnv != nil && !slices.Equal(ev.Env, tt.wantEnv) {
				t.Errorf("env = %v, want %v", ev.Env, tt.wantEnv)
			}
			if tt.rules > 0 && (ev.Project == nil || len(ev.Project.Masking) != tt.rules) {
				t.Errorf("masking rules: %+v", ev.Project)
			}
		})
	}
}

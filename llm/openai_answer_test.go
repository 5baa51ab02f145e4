package llm

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// answerBodies are chat completions as providers write them and as they
// should not: every field the backend reads, null where a server may write
// it, values of other types, repeated and differently cased keys, escapes,
// trailing text, and bodies that are not completions at all.
var answerBodies = append(commonAnswers,
	`{"choices":[{"message":{"content":"a"}},{"message":{"content":"b"}},7,null]}`,
	`{"choices":[{"message":{"content":"a"}},{"message":{"content":"b"}},null]}`,
	`{"choices":[{"message":{"content":"a"}},{"message":{"content":5}}]}`,
	`{"choices":[{"message":{"content":"a"}},{"message":7}]}`,
	`{"choices":[{"message":{"content":"x","role":5}}]}`, `{"choices":[{"message":{"content":"x"},"index":"zero","logprobs":"none"}]}`,
	`{"choices":[{"message":{"content":"x","annotations":7}}],"object":5,"created":"now","id":[]}`,
	`{"choices":[{"message":{"tool_calls":[{"id":"1","type":"other","function":{"name":"f","arguments":"{}"}}]}}]}`,
	`{"choices":[{"message":{"tool_calls":[{"id":"1","type":5,"function":{"name":"f","arguments":"{}"}}]}}]}`,
	`{"choices":[{"message":{"tool_calls":[{"id":"1","type":"custom","custom":{"name":"c","input":"x"}},{"id":"2","type":"function","function":{"name":"f","arguments":"{}"}},{"id":"3","function":{"name":"g","arguments":" [1] "}}]}}]}`,
	`{"choices":[{"message":{"content":"\ud800\u0041 \udc00 \ud83d\ude00 \ud83d\ud83d \u0000 end \ud800"}}]}`,
	`{"choices":[{"message":{"tool_calls":[{"id":null,"type":null,"function":{"name":null,"arguments":null}}]}}]}`,
	`{"choices":[{"message":{"tool_calls":[null]}}]}`,
	`{"choices":[{"message":{"tool_calls":[{"id":"1","function":null}]}}]}`,
	`{"choices":[{"message":{"tool_calls":[{"id":"1","type":"function","function":{"name":"f","arguments":{"a":1}}}]}}]}`,
	`{"choices":[{"message":null,"finish_reason":null}]}`,
	`{"choices":[null]}`, `{"choices":[]}`, `{"choices":null}`, `{"choices":{}}`, `{"choices":"x"}`, `{}`, `null`, `[]`, `[1]`, `"s"`, `7`, ``, ` `,
	`{"choices":[{"message":{"content":5}}],"model":"m"}`,
	`{"choices":[{"message":{"content":true}}]}`,
	`{"choices":[{"message":{"content":{"a":1}}}]}`,
	`{"choices":[{"message":{"content":["a"]}}]}`,
	`{"choices":[{"message":{"content":"a","content":"b"}}]}`,
	`{"choices":[{"message":{"Content":"upper"}}]}`,
	`{"choices":[{"message":{"con\u0074ent":"escaped key"}}]}`,
	`{"model":"a","model":"b","choices":[{"message":{"content":"x"}}]}`,
	`{"choices":[{"message":{"content":"x"}}],"choices":[{"message":{"content":"y"}}]}`,
	`{"choices":[{"message":{"content":"x"},"message":{"content":"y"}}]}`,
	`{"choices":[{"message":{"content":"x"}}]} trailing`,
	`{"choices":[{"message":{"content":"x"}}]} {"choices":[]}`,
	`  {"choices":[{"message":{"content":"x"}}]}  `+"\n\n",
	`{"choices":[{"message":{"content":"x"}}],"usage":{"prompt_tokens":1.5,"completion_tokens":2}}`,
	`{"choices":[{"message":{"content":"x"}}],"usage":{"prompt_tokens":"7","completion_tokens":-2}}`,
	`{"choices":[{"message":{"content":"x"}}],"usage":{"prompt_tokens":1e3,"completion_tokens":null}}`,
	`{"choices":[{"message":{"content":"x"}}],"usage":{"prompt_tokens":99999999999999999999}}`,
	`{"choices":[{"message":{"content":"x"}}],"usage":{"prompt_tokens":3,"prompt_tokens":4}}`,
	`{"choices":[{"message":{"content":"x"}}],"usage":"lots"}`,
	`{"choices":[{"message":{"content":"\ud800 lone, \ud83d\ude00 pair, \u00e9, \n\t\\\/ \""}}]}`,
	"{\"choices\":[{\"message\":{\"content\":\"bad \xff utf-8\"}}]}",
	`{"choices":[{"message":{"content":"x"}}],"model":"m","extra":{"nested":[1,{"a":"}"},"]"],"s":"\"{"}}`,
	`{"choices":[{"message":{"content":"x"}}`, `{"choices":[{"message":{"content":"x}}]}`, `{"choices":[{"message":{"content":"x"}}],}`,
	`{"error":{"message":"a 200 that is an error"}}`,
)

// commonAnswers are answers as OpenAI and the usual compatible servers
// write them.
var commonAnswers = []string{
	openaiAnswer("ok"), openaiAnswer(""), openaiAnswer("Question: <b>2+2</b>\n\"quoted\" \u2028 é 😀"),
	openaiToolAnswer("select_choice", `{"reasons":"It adds up.","choice":"B"}`), openaiToolAnswer("f", "not json"), openaiToolAnswer("", ""),
	`{"id":"x","object":"chat.completion","model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],"usage":{"prompt_tokens":10,"completion_tokens":1,"total_tokens":11}}` + "\n",
	`{"choices":[{"message":{"content":null,"refusal":"I can't help with that."},"finish_reason":"stop"}]}`,
	`{"choices":[{"message":{"content":"both","refusal":"no"}}]}`,
	`{"choices":[{"message":{"tool_calls":null,"content":"x"}}],"usage":null,"model":null}`,
}

// randomAnswer makes a completion from random pieces: fields in any order,
// some left out, some null, some of another type, some repeated, unknown
// fields, spaces, escapes.
func randomAnswer(r *rand.Rand) string {
	str := func() string {
		if r.IntN(8) == 0 {
			return pick(r, []string{"null", "5", "true", `{"a":1}`, `["x"]`, `-0.5e3`})
		}
		return pick(r, []string{quote(pick(r, bodyStrings)), quote(pick(r, bodyStrings)), `"\ud800\u0041"`, `"\ud83d\ude00\/\b"`, "\"raw \xff\xfe\"", `"\udc00x"`, `"a\\"`})
	}
	num := func() string {
		return pick(r, []string{"0", "7", "123456", "-1", "1.5", "2e2", "null", `"3"`, "9223372036854775807", "9223372036854775808"})
	}
	sp := func() string { return pick(r, []string{"", "", "", " ", "\n  ", "\t"}) }
	obj := func(members []string) string {
		r.Shuffle(len(members), func(i, j int) { members[i], members[j] = members[j], members[i] })
		var kept []string
		for _, m := range members {
			if r.IntN(6) == 0 {
				continue
			}
			kept = append(kept, m)
			if r.IntN(25) == 0 {
				kept = append(kept, m) // a repeated key
			}
		}
		if r.IntN(5) == 0 {
			kept = append(kept, `"unknown":`+pick(r, []string{`{"a":[1,"]}"]}`, `"x\"y"`, "null", "3.5", "[[]]"}))
		}
		return "{" + sp() + strings.Join(kept, ","+sp()) + sp() + "}"
	}
	member := func(k, v string) string { return quote(k) + sp() + ":" + sp() + v }
	var calls []string
	for range r.IntN(3) {
		fn := obj([]string{member("name", str()), member("arguments", str())})
		if r.IntN(10) == 0 {
			fn = "null"
		}
		calls = append(calls, obj([]string{member("id", str()), member("type", pick(r, []string{`"function"`, `"function"`, `"custom"`, `"other"`, "null", "5"})), member("custom", pick(r, []string{`{"name":"c","input":"i"}`, "null", "3"})), member("function", fn)}))
	}
	toolCalls := "[" + strings.Join(calls, ",") + "]"
	if r.IntN(8) == 0 {
		toolCalls = "null"
	}
	msg := obj([]string{member(pick(r, []string{"content", "content", "content", "Content"}), str()), member("refusal", str()), member("role", pick(r, []string{`"assistant"`, `"assistant"`, `"user"`, "5", "null"})), member("annotations", pick(r, []string{"[]", "null", "7", `[{"type":"url_citation"}]`})), member("tool_calls", toolCalls)})
	var choices []string
	for range r.IntN(3) {
		choices = append(choices, obj([]string{member("index", pick(r, []string{"0", "1", `"0"`, "null", "[]"})), member("message", msg), member("finish_reason", str()), member("logprobs", pick(r, []string{"null", "{}", `"x"`, `{"content":null}`}))}))
	}
	usage := obj([]string{member("prompt_tokens", num()), member("completion_tokens", num()), member("total_tokens", num())})
	if r.IntN(10) == 0 {
		usage = "null"
	}
	body := obj([]string{member("id", pick(r, []string{`"chatcmpl-1"`, "1", "null"})), member("object", pick(r, []string{`"chat.completion"`, `"other"`, "5"})), member("created", pick(r, []string{"1741569952", `"now"`, "1.5"})), member("model", str()), member("choices", "["+strings.Join(choices, ",")+"]"), member("usage", usage)})
	switch r.IntN(30) {
	case 0:
		body += " trailing"
	case 1:
		body = body[:len(body)-1]
	}
	return sp() + body + sp()
}

// checkChatAnswer compares decodeChatAnswer with the SDK's decoding of a
// JSON body; it reports whether scanAnswer took the body.
func checkChatAnswer(t *testing.T, body string) bool {
	t.Helper()
	want, wantErr := sdkAnswer([]byte(body))
	got, err := decodeChatAnswer([]byte(body), "application/json")
	switch {
	case wantErr != nil:
		if err == nil || err.Error() != "error parsing response json: "+wantErr.Error() || !errors.Is(err, errors.Unwrap(err)) {
			t.Errorf("%s: error %v, the SDK's %v", body, err, wantErr)
		}
	case err != nil:
		t.Errorf("%s: error %v, the SDK decodes %+v", body, err, want)
	case want == nil: // null
		if !reflect.DeepEqual(got, &chatAnswer{}) {
			t.Errorf("%s: %+v, want nothing", body, got)
		}
	case !reflect.DeepEqual(got, want):
		t.Errorf("%s:\n got %+v\nwant %+v", body, got, want)
	}
	_, scanned := scanAnswer(body)
	return scanned
}

func TestChatAnswerMatchesTheSDK(t *testing.T) {
	t.Parallel()
	t.Run("bodies", func(t *testing.T) {
		t.Parallel()
		for _, body := range answerBodies {
			checkChatAnswer(t, body)
		}
	})
	t.Run("random bodies", func(t *testing.T) {
		t.Parallel()
		r := rand.New(rand.NewPCG(3, 4))
		scanned := 0
		const n = 20000
		for range n {
			if checkChatAnswer(t, randomAnswer(r)) {
				scanned++
			}
			if t.Failed() {
				t.FailNow()
			}
		}
		t.Logf("scanAnswer took %d of %d bodies", scanned, n)
		// Most bodies are read without the SDK, so the comparison is of
		// the two ways and not of the SDK with itself.
		if scanned < n/4 {
			t.Errorf("scanAnswer took %d bodies of %d", scanned, n)
		}
	})
}

// TestCommonAnswersAreScanned: the answers of OpenAI and of the usual
// compatible servers are read without the SDK's reflection.
//
// Not parallel: AllocsPerRun counts the allocations of the whole process.
func TestCommonAnswersAreScanned(t *testing.T) {
	for _, body := range commonAnswers {
		if _, ok := scanAnswer(body); !ok {
			t.Errorf("scanAnswer leaves %s to the SDK", body)
		}
	}
	// An answer allocates a few values: the answer, its text, the tool calls.
	body := []byte(openaiAnswer("ok"))
	if n := testing.AllocsPerRun(100, func() { _, _ = decodeChatAnswer(body, "application/json") }); n > 3 {
		t.Errorf("decoding an answer allocates %v times", n)
	}
}

func TestNonJSONAnswers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		contentType string
		json        bool
	}{
		{"application/json", true}, {"application/json; charset=utf-8", true}, {"Application/JSON", true}, {"application/vnd.api+json", true},
		{"application/json ; charset=utf-8", true}, {"text/plain", false}, {"", false}, {"text/html; charset=utf-8", false}, {"application/jsonl", true}, /* the SDK looks for application/json in it */
		{"application/x-ndjson", false}, {"invalid/;;", false},
	} {
		_, err := decodeChatAnswer([]byte(openaiAnswer("x")), tc.contentType)
		want := fmt.Sprintf("expected destination type of 'string' or '[]byte' for responses with content-type '%s' that is not 'application/json'", tc.contentType)
		if tc.json && err != nil || !tc.json && (err == nil || err.Error() != want) {
			t.Errorf("content type %q: error %v", tc.contentType, err)
		}
	}
}

// TestOpenAIBackendMatchesTheSDK sends the same calls through the backend
// and through the SDK's ChatCompletionService.New, as the backend did
// before, to servers giving the same answers: the requests (headers and
// bodies) and what Chat returns, answer or error, are the same.
func TestOpenAIBackendMatchesTheSDK(t *testing.T) {
	t.Parallel()
	type answer struct {
		status      int
		contentType string
		body        string
	}
	answers := []answer{
		{200, "", openaiAnswer("ok")}, {200, "", openaiToolAnswer("f", `{"a":1}`)}, {200, "text/plain", openaiAnswer("ok")},
		{200, "text/html", "<html>not an API</html>"}, {200, "", "not json"}, {200, "", ""}, {200, "", `{"choices":[]}`},
		{200, "application/json; charset=utf-8", `{"choices":[{"message":{"content":5}}]}`}, {200, "", `{"choices":[{"message":{"content":"x"}}]} trailing`},
		{200, "", strings.Repeat("y", 295) + "sk-test-secret"}, {200, "", "null"},
		{400, "", `{"error":{"message":"bad request","type":"invalid_request_error"}}`}, {401, "", `{"error":{"message":"Incorrect API key provided: sk-test-secret."}}`},
		{404, "text/plain", "404 page not found"}, {429, "", `{"error":{"message":"Rate limit reached"}}`}, {500, "", ""},
	}
	requests := []ChatRequest{fullRequest("test/gpt-4o-mini"), toolLoopRequest("test/o4-mini"), {Model: "test/m", Messages: []Message{{Role: RoleUser, Content: "hi"}}, Params: Params{Temperature: ptr(0.0), Extra: map[string]any{"user": "u"}}}}
	for i, a := range answers {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			serve := func(int, received) reply {
				r := reply{Status: a.status, Body: a.body, Header: map[string]string{"Retry-After": "0"}}
				if a.contentType != "" {
					r.Header["Content-Type"] = a.contentType
				}
				return r
			}
			ours, theirs := newFake(t, serve), newFake(t, serve)
			settings := func(_ *Config, p *ProviderConfig) { p.MaxRetries, p.Headers = 1, map[string]string{"X-Team": "evals"} }
			c, sdk := testClient(t, ours.URL, settings), testClient(t, theirs.URL, settings)
			p := sdk.providers["test"]
			p.backend = newSDKOpenAI(p, sdk.http)
			for _, req := range requests {
				got, err := c.Chat(context.Background(), req)
				want, wantErr := sdk.Chat(context.Background(), req)
				if fmt.Sprint(err) != fmt.Sprint(wantErr) {
					t.Errorf("%s: error\n %v\nthe SDK's\n %v", a.body, err, wantErr)
				}
				if got != nil && want != nil {
					got.Latency, want.Latency = 0, 0
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s: answer %+v, the SDK's %+v", a.body, got, want)
				}
			}
			g, w := ours.requests(), theirs.requests()
			if len(g) != len(w) {
				t.Fatalf("%d requests, the SDK %d", len(g), len(w))
			}
			for j := range g {
				if g[j].Raw != w[j].Raw || g[j].Method != w[j].Method || g[j].Path != w[j].Path {
					t.Errorf("request %d: %s %s %s\nthe SDK's %s %s %s", j, g[j].Method, g[j].Path, g[j].Raw, w[j].Method, w[j].Path, w[j].Raw)
				}
				if !reflect.DeepEqual(g[j].Header, w[j].Header) {
					t.Errorf("request %d: headers %v\nthe SDK's %v", j, g[j].Header, w[j].Header)
				}
			}
		})
	}
}

package spec

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/cbroglie/mustache"
)

// promptFile validates a *.prompt.yaml file once per session.
func (s *session) promptFile(abs string) *Prompt {
	return s.prompts.get(abs, func() *Prompt {
		p := s.load(abs, "prompt")
		defer s.finish(p)
		if p.doc == nil {
			return nil
		}
		var raw RawPrompt
		decodeInto(p.doc, &raw)
		pr := checkPrompt(p, &raw, nil)
		pr.File = abs
		return pr
	})
}

var mustacheLine = regexp.MustCompile(`^line (\d+): (.*)$`)

// checkPrompt validates a prompt written at path of a parsed file.
func checkPrompt(p *parsed, raw *RawPrompt, path []string) *Prompt {
	pr := &Prompt{
		Slug: raw.Slug.Value, SlugPos: raw.Slug.Pos, Description: raw.Description, Model: raw.Model.Value, Params: raw.Params,
		Strict: raw.Strict == nil || *raw.Strict, UseCot: raw.UseCot == nil || *raw.UseCot,
		ResponseFormat: raw.ResponseFormat, Tools: raw.Tools, ToolChoice: raw.ToolChoice,
	}
	at := func(segs ...string) []string { return append(append([]string(nil), path...), segs...) }
	for i, m := range raw.Messages {
		pr.Messages = append(pr.Messages, Message{Role: m.Role, Content: m.Content.Value, Pos: m.Content.Pos, text: p.expr(m.Content)})
		if !p.clean(at("messages", strconv.Itoa(i), "content")...) {
			continue
		}
		if _, err := mustache.ParseString(m.Content.Value); err != nil {
			e := p.expr(m.Content)
			pos := e.Pos
			msg := err.Error()
			if sub := mustacheLine.FindStringSubmatch(msg); sub != nil {
				line, _ := strconv.Atoi(sub[1])
				msg = sub[2]
				pos = e.PosAt(tagOffset(m.Content.Value, line, msg))
			}
			p.r.at(pos, "template: %s: check the {{ }} tags", msg)
		}
	}
	for _, c := range raw.ChoiceScores {
		pr.Choices = append(pr.Choices, Choice{Name: c.Key, Score: c.Value})
	}
	if raw.UseCot != nil && len(pr.Choices) == 0 {
		p.r.at(p.posOf(at("use_cot")...), "use_cot only applies to LLM judges: add choice_scores or remove use_cot")
	}
	if rf := raw.ResponseFormat; rf != nil && rf["type"] == "json_schema" && rf["schema"] == nil && p.clean(at("response_format")...) {
		p.r.at(p.posOf(at("response_format")...), "response_format of type json_schema needs a schema")
	}
	if tc := raw.ToolChoice; tc != "" && tc != "auto" && tc != "none" && tc != "required" {
		var names []string
		for _, t := range raw.Tools {
			if n, ok := t["name"].(string); ok {
				names = append(names, n)
			}
		}
		if !contains(names, tc) {
			p.r.at(p.posOf(at("tool_choice")...), "tool_choice %q names no tool: use auto, none, required or the name of one of `tools`", tc)
		}
	}
	return pr
}

// tagOffset finds the rune offset of the tag a mustache error is about, near
// the template line it names; the start of that line when no tag matches.
func tagOffset(tmpl string, line int, msg string) int {
	var needles []string
	switch {
	case msg == "unmatched open tag":
		needles = []string{"{{"}
	case strings.HasPrefix(msg, "interleaved closing tag: "):
		needles = []string{"{{/" + strings.TrimPrefix(msg, "interleaved closing tag: ")}
	case strings.HasPrefix(msg, "Section ") && strings.HasSuffix(msg, " has no closing tag"):
		name := strings.TrimSuffix(strings.TrimPrefix(msg, "Section "), " has no closing tag")
		needles = []string{"{{#" + name, "{{^" + name}
	}
	best, bestDist := -1, 1<<30
	for _, needle := range needles {
		for i := 0; ; {
			j := strings.Index(tmpl[i:], needle)
			if j < 0 {
				break
			}
			at := i + j
			if needle == "{{" && strings.Contains(lineFrom(tmpl, at), "}}") {
				i = at + 2
				continue // this one is closed
			}
			l := strings.Count(tmpl[:at], "\n") + 1
			if d := abs(l - line); d < bestDist || (d == bestDist && needle == "{{") {
				best, bestDist = at, d
			}
			i = at + len(needle)
		}
	}
	if best < 0 {
		return runeOffsetOfLine(tmpl, line)
	}
	return utf8.RuneCountInString(tmpl[:best])
}

// lineFrom is the rest of the line of tmpl from byte at, without the opening "{{".
func lineFrom(tmpl string, at int) string {
	rest := tmpl[at+2:]
	if i := strings.IndexAny(rest, "\n"); i >= 0 {
		rest = rest[:i]
	}
	if i := strings.Index(rest, "{{"); i >= 0 {
		rest = rest[:i]
	}
	return rest
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func runeOffsetOfLine(s string, line int) int {
	off, l := 0, 1
	for _, c := range s {
		if l >= line {
			break
		}
		if c == '\n' {
			l++
		}
		off++
	}
	return off
}

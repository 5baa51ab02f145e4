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

// checkTemplate reports a mustache template that does not parse at the
// position of the offending tag.
func checkTemplate(p *parsed, sc Scalar[string]) {
	_, err := mustache.ParseString(sc.Value)
	if err == nil {
		return
	}
	e := p.expr(sc)
	pos := e.Pos
	msg := err.Error()
	if sub := mustacheLine.FindStringSubmatch(msg); sub != nil {
		line, _ := strconv.Atoi(sub[1])
		msg = sub[2]
		pos = e.PosAt(tagOffset(sc.Value, line, msg))
	}
	p.r.at(pos, "template: %s: check the {{ }} tags", msg)
}

var attachmentTag = regexp.MustCompile(`^\{\{\s*attachment\s+([A-Za-z_][A-Za-z0-9_.]*)\s*\}\}$`)

// checkParts validates the parts of a message's content: text templates, and
// images, which only user messages may carry.
func checkParts(p *parsed, m RawMessage, path []string) []Part {
	parts := make([]Part, 0, len(m.Parts))
	for j, rp := range m.Parts {
		clean := p.clean(append(append([]string(nil), path...), strconv.Itoa(j))...)
		part := Part{Type: rp.Type.Value, Text: rp.Text.Value, Pos: rp.Type.Pos}
		if rp.Text.IsSet() {
			part.Pos, part.text = rp.Text.Pos, p.expr(rp.Text)
		}
		switch part.Type {
		case "text":
			if !rp.Text.IsSet() {
				p.r.at(rp.Type.Pos, "a text part needs text: add `text: ...`")
			} else if clean {
				checkTemplate(p, rp.Text)
			}
		case "image":
			part.Pos = rp.Image.Pos
			if sub := attachmentTag.FindStringSubmatch(rp.Image.Value); sub != nil {
				part.Image = sub[1]
			} else if clean {
				p.r.at(orPos(rp.Image.Pos, rp.Type.Pos), "an image part needs `image: \"{{attachment input.FIELD}}\"`, naming an attachment value of the case")
			}
			if m.Role != "user" {
				p.r.at(rp.Type.Pos, "an image part goes in a user message, not a %s one", m.Role)
			}
		}
		parts = append(parts, part)
	}
	return parts
}

func orPos(p, alt Pos) Pos {
	if p.IsKnown() {
		return p
	}
	return alt
}

// checkPrompt validates a prompt written at path of a parsed file.
func checkPrompt(p *parsed, raw *RawPrompt, path []string) *Prompt {
	pr := &Prompt{
		Slug: raw.Slug.Value, SlugPos: raw.Slug.Pos, Description: raw.Description, Model: raw.Model.Value, Params: raw.Params,
		Strict: raw.Strict == nil || *raw.Strict, UseCot: raw.UseCot == nil || *raw.UseCot,
		ResponseFormat: raw.ResponseFormat, ToolChoice: raw.ToolChoice,
	}
	at := func(segs ...string) []string { return append(append([]string(nil), path...), segs...) }
	checkTools(p, raw, pr, at)
	for i, m := range raw.Messages {
		msg := Message{Role: m.Role, Content: m.Content.Value, Pos: m.Content.Pos, text: p.expr(m.Content)}
		clean := p.clean(at("messages", strconv.Itoa(i), "content")...)
		if len(m.Parts) > 0 {
			msg.Parts = checkParts(p, m, at("messages", strconv.Itoa(i), "content"))
		} else if clean {
			checkTemplate(p, m.Content)
		}
		pr.Messages = append(pr.Messages, msg)
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
		for _, t := range pr.Tools {
			if n, ok := t["name"].(string); ok {
				names = append(names, n)
			}
		}
		for _, t := range pr.FunctionTools {
			names = append(names, t.Slug)
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

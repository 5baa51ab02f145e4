package spec

import (
	"gopkg.in/yaml.v3"
)

// Scalar is a value read from YAML with the position it was written at.
type Scalar[T any] struct {
	Value T
	Pos   Pos
	node  *yaml.Node
}

// UnmarshalYAML records the node's position and decodes its value.
func (s *Scalar[T]) UnmarshalYAML(n *yaml.Node) error {
	s.Pos, s.node = nodePos(n), n
	return n.Decode(&s.Value)
}

// IsSet reports whether the value was written in the file.
func (s Scalar[T]) IsSet() bool { return s.Pos.IsKnown() }

// Entry is one entry of a YAML mapping whose keys are names chosen by the user.
type Entry[T any] struct {
	Key    string
	KeyPos Pos
	Value  T
}

// Entries is a YAML mapping kept in the order it was written.
type Entries[T any] []Entry[T]

// UnmarshalYAML decodes a mapping entry by entry, keeping key positions and order.
func (e *Entries[T]) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		var val T
		_ = v.Decode(&val) // type problems are reported by the schema check
		*e = append(*e, Entry[T]{Key: k.Value, KeyPos: nodePos(k), Value: val})
	}
	return nil
}

// List is a YAML sequence decoded item by item, so that item i of the list is
// item i of the file even when an item is empty or malformed.
type List[T any] []T

// UnmarshalYAML decodes each item on its own; problems are the schema check's.
func (l *List[T]) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.SequenceNode {
		return nil
	}
	out := make([]T, len(n.Content))
	for i, c := range n.Content {
		_ = c.Decode(&out[i])
	}
	*l = out
	return nil
}

// StringOrList is a string or a list of strings, such as an exec command.
type StringOrList struct {
	Values []string
	IsList bool
	Pos    Pos
}

// UnmarshalYAML accepts a scalar or a sequence of scalars.
func (s *StringOrList) UnmarshalYAML(n *yaml.Node) error {
	s.Pos = nodePos(n)
	if n.Kind == yaml.SequenceNode {
		s.IsList = true
		return n.Decode(&s.Values)
	}
	var one string
	if err := n.Decode(&one); err != nil {
		return err
	}
	s.Values = []string{one}
	return nil
}

// PromptRef is a prompt given as a file path or written inline.
type PromptRef struct {
	Path   Scalar[string]
	Inline *RawPrompt
	Pos    Pos
}

// UnmarshalYAML accepts a path (scalar) or an inline prompt (mapping).
func (p *PromptRef) UnmarshalYAML(n *yaml.Node) error {
	p.Pos = nodePos(n)
	if n.Kind == yaml.MappingNode {
		p.Inline = &RawPrompt{}
		return n.Decode(p.Inline)
	}
	return n.Decode(&p.Path)
}

// RawEval is an *.eval.yaml file as written.
type RawEval struct {
	Name           Scalar[string]        `yaml:"name"`
	Description    string                `yaml:"description"`
	Experiment     Scalar[string]        `yaml:"experiment"`
	Metadata       map[string]any        `yaml:"metadata"`
	Tags           []string              `yaml:"tags"`
	Parameters     Entries[RawParameter] `yaml:"parameters"`
	Data           *RawData              `yaml:"data"`
	Task           *RawTask              `yaml:"task"`
	Scorers        List[RawScorer]       `yaml:"scorers"`
	Functions      List[RawFunction]     `yaml:"functions"`
	Trials         Scalar[int]           `yaml:"trials"`
	MaxConcurrency Scalar[int]           `yaml:"max_concurrency"`
	Timeout        Scalar[string]        `yaml:"timeout"`
	MaxDuration    Scalar[string]        `yaml:"max_duration"`
	Reduce         Scalar[string]        `yaml:"reduce"`
	PassScore      *float64              `yaml:"pass_score"`
	Pass           Scalar[string]        `yaml:"pass"`
	ErrorScore     RawErrorScore         `yaml:"error_score"`
	Base           Scalar[string]        `yaml:"base"`
	BaseRequired   *bool                 `yaml:"base_required"`
	Thresholds     Entries[float64]      `yaml:"thresholds"`
	Gates          List[Scalar[string]]  `yaml:"gates"`
	Env            List[Scalar[string]]  `yaml:"env"`
}

// RawParameter is one entry of `parameters`.
type RawParameter struct {
	Type        Scalar[string] `yaml:"type"`
	Default     yaml.Node      `yaml:"default"`
	Description string         `yaml:"description"`
	Enum        []any          `yaml:"enum"`
}

// RawData is the `data` section.
type RawData struct {
	File    Scalar[string] `yaml:"file"`
	Files   *StringOrList  `yaml:"files"`
	Dataset Scalar[string] `yaml:"dataset"`
	// Experiment names a stored experiment whose cases become the eval's.
	Experiment Scalar[string] `yaml:"experiment"`
	Inline     []any          `yaml:"inline"`
	Fields     *RawFields     `yaml:"fields"`
	Filter     Scalar[string] `yaml:"filter"`
	Limit      Scalar[int]    `yaml:"limit"`
	Sample     *RawSample     `yaml:"sample"`
	OnError    Scalar[string] `yaml:"on_error"`
}

// RawFields maps raw rows into cases.
type RawFields struct {
	ID       Scalar[string] `yaml:"id"`
	Input    Scalar[string] `yaml:"input"`
	Expected Scalar[string] `yaml:"expected"`
	Metadata Scalar[string] `yaml:"metadata"`
	Tags     Scalar[string] `yaml:"tags"`
}

// RawSample is `data.sample`.
type RawSample struct {
	Size int   `yaml:"size"`
	Seed int64 `yaml:"seed"`
}

// RawTask is the `task` section.
type RawTask struct {
	Prompt   *PromptRef     `yaml:"prompt"`
	Function Scalar[string] `yaml:"function"`
	Exec     *RawExec       `yaml:"exec"`
	HTTP     *RawHTTP       `yaml:"http"`
	Expr     Scalar[string] `yaml:"expr"`
	// Replay names a stored experiment whose outputs stand for the task's.
	Replay Scalar[string] `yaml:"replay"`
}

// RawScorer is one item of `scorers`.
type RawScorer struct {
	Name     Scalar[string] `yaml:"name"`
	Reduce   string         `yaml:"reduce"`
	Expr     Scalar[string] `yaml:"expr"`
	Use      Scalar[string] `yaml:"use"`
	With     map[string]any `yaml:"with"`
	Function Scalar[string] `yaml:"function"`
	Exec     *RawExec       `yaml:"exec"`
	HTTP     *RawHTTP       `yaml:"http"`
	Prompt   *PromptRef     `yaml:"prompt"`
}

// RawFunction is a function file or one item of an eval's `functions`.
type RawFunction struct {
	Slug        Scalar[string] `yaml:"slug"`
	Type        Scalar[string] `yaml:"type"`
	Description string         `yaml:"description"`
	Prompt      *PromptRef     `yaml:"prompt"`
	Exec        *RawExec       `yaml:"exec"`
	HTTP        *RawHTTP       `yaml:"http"`
	Expr        Scalar[string] `yaml:"expr"`
	// InputSchema is the JSON Schema of the function's arguments when a
	// prompt uses it as a tool.
	InputSchema map[string]any `yaml:"input_schema"`
	// InputSchemaPos is where input_schema is written.
	InputSchemaPos Pos `yaml:"-"`
}

// UnmarshalYAML decodes a function, keeping where input_schema is written.
func (f *RawFunction) UnmarshalYAML(n *yaml.Node) error {
	type plain RawFunction
	err := n.Decode((*plain)(f))
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "input_schema" {
			f.InputSchemaPos = nodePos(n.Content[i+1])
		}
	}
	return err
}

// RawExec runs a program.
type RawExec struct {
	Command   StringOrList      `yaml:"command"`
	Worker    bool              `yaml:"worker"`
	Dir       Scalar[string]    `yaml:"dir"`
	Env       map[string]string `yaml:"env"`
	Timeout   Scalar[string]    `yaml:"timeout"`
	MaxOutput int64             `yaml:"max_output"`
}

// RawHTTP calls an endpoint.
type RawHTTP struct {
	URL     Scalar[string]    `yaml:"url"`
	Method  string            `yaml:"method"`
	Headers map[string]string `yaml:"headers"`
	Body    any               `yaml:"body"`
	Output  Scalar[string]    `yaml:"output"`
	Hooks   bool              `yaml:"hooks"`
	Timeout Scalar[string]    `yaml:"timeout"`
}

// RawPrompt is a *.prompt.yaml file or an inline prompt.
type RawPrompt struct {
	Slug           Scalar[string]    `yaml:"slug"`
	Description    string            `yaml:"description"`
	Model          Scalar[string]    `yaml:"model"`
	Params         map[string]any    `yaml:"params"`
	Messages       List[RawMessage]  `yaml:"messages"`
	Strict         *bool             `yaml:"strict"`
	ResponseFormat map[string]any    `yaml:"response_format"`
	Tools          List[RawTool]     `yaml:"tools"`
	ToolChoice     string            `yaml:"tool_choice"`
	ChoiceScores   Entries[float64]  `yaml:"choice_scores"`
	UseCot         *bool             `yaml:"use_cot"`
	MaxTurns       Scalar[int]       `yaml:"max_turns"`
	MaxToolCalls   Scalar[int]       `yaml:"max_tool_calls"`
	MaxTokensTotal Scalar[int]       `yaml:"max_tokens_total"`
	MaxCostTotal   Scalar[float64]   `yaml:"max_cost_total"`
	OnToolError    Scalar[string]    `yaml:"on_tool_error"`
	UserSimulator  *RawUserSimulator `yaml:"user_simulator"`
}

// RawUserSimulator is a prompt's `user_simulator`: a function that plays
// the user of a conversation.
type RawUserSimulator struct {
	Function Scalar[string] `yaml:"function"`
	MaxTurns Scalar[int]    `yaml:"max_turns"`
	Stop     string         `yaml:"stop"`
}

// RawTool is one item of a prompt's `tools`: a tool written out ({name,
// description, parameters}) or a function by slug ({function: SLUG}).
type RawTool struct {
	Function Scalar[string]
	Fields   map[string]any
}

// UnmarshalYAML keeps the fields of a tool and the position of its function slug.
func (t *RawTool) UnmarshalYAML(n *yaml.Node) error {
	_ = n.Decode(&t.Fields) // shapes are the schema check's
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "function" && n.Content[i+1].Kind == yaml.ScalarNode {
			_ = n.Content[i+1].Decode(&t.Function)
		}
	}
	return nil
}

// RawMessage is one chat message.
type RawMessage struct {
	Role    string         `yaml:"role"`
	Content Scalar[string] `yaml:"content"`
	Parts   []RawPart      `yaml:"-"` // content written as a list of parts
}

// UnmarshalYAML reads content as a text or as a list of parts; the schema
// checks the shapes.
func (m *RawMessage) UnmarshalYAML(n *yaml.Node) error {
	var aux struct {
		Role    string    `yaml:"role"`
		Content yaml.Node `yaml:"content"`
	}
	if err := n.Decode(&aux); err != nil {
		return err
	}
	m.Role = aux.Role
	switch aux.Content.Kind {
	case 0:
	case yaml.SequenceNode:
		return aux.Content.Decode(&m.Parts)
	default:
		return aux.Content.Decode(&m.Content)
	}
	return nil
}

// RawPart is one part of a message's content.
type RawPart struct {
	Type  Scalar[string] `yaml:"type"`
	Text  Scalar[string] `yaml:"text"`
	Image Scalar[string] `yaml:"image"`
}

// RawProject is caliper.yaml.
type RawProject struct {
	Store     Scalar[string]       `yaml:"store"`
	Env       List[Scalar[string]] `yaml:"env"`
	Masking   List[RawMaskRule]    `yaml:"masking"`
	Providers Entries[RawProvider] `yaml:"providers"`
	Prices    Entries[Price]       `yaml:"prices"`
	Git       struct {
		Collect Scalar[string]       `yaml:"collect"`
		Fields  List[Scalar[string]] `yaml:"fields"`
	} `yaml:"git"`
	Cache struct {
		Enabled *bool          `yaml:"enabled"`
		TTL     Scalar[string] `yaml:"ttl"`
	} `yaml:"cache"`
	Defaults struct {
		MaxConcurrency int            `yaml:"max_concurrency"`
		Timeout        Scalar[string] `yaml:"timeout"`
		Trials         int            `yaml:"trials"`
		Model          string         `yaml:"model"`
	} `yaml:"defaults"`
}

// RawProvider is one entry of `providers` in caliper.yaml.
type RawProvider struct {
	Type              string            `yaml:"type"`
	BaseURL           string            `yaml:"base_url"`
	APIKeyEnv         string            `yaml:"api_key_env"`
	Headers           map[string]string `yaml:"headers"`
	MaxConcurrency    int               `yaml:"max_concurrency"`
	RequestsPerMinute int               `yaml:"requests_per_minute"`
	Timeout           Scalar[string]    `yaml:"timeout"`
	MaxRetries        *int              `yaml:"max_retries"`
}

// Price is the price of a model in USD per million tokens.
type Price struct {
	Input  float64 `yaml:"input" json:"input"`
	Output float64 `yaml:"output" json:"output"`
}

package spec

import "time"

// Eval is a validated eval: paths resolved, durations parsed, defaults applied.
type Eval struct {
	File           string
	Name           string
	Description    string
	Experiment     string
	Metadata       map[string]any
	Tags           []string
	Parameters     []Parameter
	Data           Data
	Task           Body
	Scorers        []Scorer
	Functions      map[string]*Function // every function the eval can call, by slug
	Trials         int
	MaxConcurrency int
	Timeout        time.Duration
	MaxDuration    time.Duration // the whole run's time limit; 0 is none
	ErrorScore     string        // zero, skip, value or expr (the ErrorScore* modes)
	ErrorValue     float64       // the score of ErrorScoreValue
	ErrorExpr      *Expr         // the expression of ErrorScoreExpr, in ScopeErrorScore
	Reduce         string        // how trial scores become a case's score: mean, min, max, median, pass_at_k, pass_all_k
	PassScore      float64       // the score at which a trial passes, for pass_at_k and pass_all_k
	Pass           *Expr         // whether a case passed; nil means no error and every score at least 0.5
	Base           string
	// BaseRequired makes the gates that read a comparison fail when there
	// is no base (the default); false makes them pass vacuously.
	BaseRequired bool
	Thresholds   []Threshold
	Gates        []Expr
	Project      *Project // the caliper.yaml that applies, or nil
	Env          []string // the environment variables the eval lists in env: (caliper.yaml's are in Project.Env)
}

// Defaults of an eval that does not set them.
const (
	DefaultTrials         = 1
	DefaultMaxConcurrency = 8
	DefaultTimeout        = 60 * time.Second
)

// Parameter is a typed parameter with its default.
type Parameter struct {
	Name        string
	Type        string
	Description string
	Default     any
	HasDefault  bool
	Enum        []any
}

// Data says where cases come from and how rows become cases.
type Data struct {
	File    string   // absolute path, or ""
	Files   []string // absolute glob patterns
	Dataset string   // store dataset name
	Version int      // pinned dataset version; 0 means latest
	// Experiment is a stored experiment (NAME, ID or EVAL/NAME) whose cases,
	// with their outputs visible to fields as row.output, are the eval's.
	Experiment string
	Inline     []any
	Fields     Fields
	Filter     *Expr
	Limit      int
	Sample     *Sample
	OnError    string // fail or skip
}

// Fields are the optional row-to-case mappings.
type Fields struct {
	ID, Input, Expected, Metadata, Tags *Expr
}

// Sample is a seeded random sample of the cases.
type Sample struct {
	Size int
	Seed int64
}

// Body kinds: what produces a task output or a function result.
const (
	KindPrompt   = "prompt"
	KindFunction = "function"
	KindExec     = "exec"
	KindHTTP     = "http"
	KindExpr     = "expr"
	KindBuiltin  = "use"
	// KindReplay is a task only: the stored outputs of an experiment.
	KindReplay = "replay"
)

// Body is one implementation: exactly one of its fields is set, as Kind says.
type Body struct {
	Kind     string
	Prompt   *Prompt
	Function string
	Exec     *Exec
	HTTP     *HTTP
	Expr     *Expr
	Replay   string // a stored experiment (NAME, ID or EVAL/NAME): task.replay
}

// Scorer is a validated scorer.
type Scorer struct {
	Name    string
	Pos     Pos
	Reduce  string         // this scorer's reducer; the eval's when empty
	Builtin string         // set when Kind is KindBuiltin
	With    map[string]any // arguments of the built-in
	Body
}

// Function is a named task or scorer function.
type Function struct {
	Slug        string
	SlugPos     Pos
	Type        string // task or scorer
	Description string
	File        string
	// InputSchema is the JSON Schema of the arguments when the function is
	// a prompt's tool; nil when the function declares none.
	InputSchema map[string]any
	// InputSchemaPos is where input_schema is written.
	InputSchemaPos Pos
	Body
}

// Exec runs a program, once per call or as a JSON Lines worker.
type Exec struct {
	Command   []string
	Worker    bool
	Dir       string
	Env       map[string]string
	Timeout   time.Duration // 0: the eval's timeout
	MaxOutput int64
}

// DefaultMaxOutput is the largest exec output accepted unless max_output says otherwise.
const DefaultMaxOutput = 10 << 20

// HTTP calls an endpoint.
type HTTP struct {
	URL     string
	Method  string
	Headers map[string]string
	Body    any
	Output  *Expr
	Hooks   bool // the response (or the value of Output) is an answer object {output, metadata, metrics, tags, spans}
	Timeout time.Duration
}

// Prompt is a validated prompt.
type Prompt struct {
	File           string
	Slug           string
	SlugPos        Pos // where the slug is written, for duplicate-slug diagnostics
	Description    string
	Model          string
	Params         map[string]any
	Messages       []Message
	Strict         bool
	ResponseFormat map[string]any
	Tools          []map[string]any
	ToolChoice     string
	Choices        []Choice
	UseCot         bool
	// FunctionTools are the tools backed by functions ({function: SLUG}), in
	// the order written; the prompt runs them in a loop (see AgentLimits).
	FunctionTools []ToolRef
	// Agent holds the limits and the tool error policy of that loop.
	Agent AgentLimits
}

// ToolRef is a tool of a prompt that names a function by slug.
type ToolRef struct {
	Slug string
	Pos  Pos
}

// Tool error policies of an agent prompt (on_tool_error).
const (
	OnToolErrorReturn = "return" // the error goes back to the model as the tool's result
	OnToolErrorFail   = "fail"   // the case errors
)

// DefaultMaxTurns bounds the model turns of an agent prompt without max_turns.
const DefaultMaxTurns = 10

// AgentLimits bound the tool loop of a prompt with function tools. Zero
// means no limit, except MaxTurns, which is DefaultMaxTurns when unset.
type AgentLimits struct {
	MaxTurns       int     // model calls
	MaxToolCalls   int     // tool calls, all turns together
	MaxTokensTotal int     // prompt and completion tokens of every turn
	MaxCostTotal   float64 // estimated USD of every turn
	OnToolError    string  // OnToolErrorReturn (default) or OnToolErrorFail
	// User plays the user of a conversation; nil when the prompt has none.
	User *UserSimulator
}

// DefaultMaxUserTurns bounds the turns of a user simulator without max_turns.
const DefaultMaxUserTurns = 3

// UserSimulator is a function that writes the next user message of a
// conversation from the transcript so far, after each final answer of the
// model: its output is the message; null or an empty string, or a message
// containing Stop, ends the conversation.
type UserSimulator struct {
	Function string
	Pos      Pos
	MaxTurns int    // user messages it may write
	Stop     string // a text that ends the conversation; none when empty
}

// IsAgent reports whether a prompt runs a loop: it has function tools or a
// user simulator.
func (p *Prompt) IsAgent() bool { return p != nil && (len(p.FunctionTools) > 0 || p.Agent.User != nil) }

// Message is one chat message template.
type Message struct {
	Role    string
	Content string
	Pos     Pos
	Parts   []Part // the content as a list of parts; Content is empty then
	text    Expr   // Content as validation read it, to locate its runes
}

// PosAt returns the file position of the rune at offset in Content, from the
// file as validation read it, so that run time never reads it again. It is Pos
// for a message not read from a file.
func (m Message) PosAt(offset int) Pos {
	if m.text.node == nil {
		return m.Pos
	}
	return m.text.PosAt(offset)
}

// Part is one part of a message's content: a text template, or an image.
type Part struct {
	Type  string // text or image
	Text  string // a mustache template
	Image string // the path of the attachment value, e.g. input.photo
	Pos   Pos
	text  Expr // Text as validation read it
}

// PosAt returns the file position of the rune at offset in Text (see
// Message.PosAt).
func (p Part) PosAt(offset int) Pos {
	if p.text.node == nil {
		return p.Pos
	}
	return p.text.PosAt(offset)
}

// Choice is one answer of an LLM judge and its score.
type Choice struct {
	Name  string
	Score float64
}

// Threshold is the minimum mean of one scorer.
type Threshold struct {
	Scorer string
	Min    float64
}

// Project is a validated caliper.yaml.
type Project struct {
	File      string
	Dir       string
	Store     string
	Providers map[string]Provider
	Prices    map[string]Price
	Cache     bool
	CacheTTL  time.Duration
	Defaults  ProjectDefaults
	Env       []string   // environment variables every eval may read in templates; their values are secrets
	Masking   []MaskRule // applied to every row, span and report before it is stored or printed
	Git       GitSettings
}

// GitSettings say what experiments record of the git repository (git: in
// caliper.yaml).
type GitSettings struct {
	Collect string   // GitCollectAll (also when empty), GitCollectNone or GitCollectSome
	Fields  []string // with GitCollectSome, the fields recorded: commit, branch, tag, dirty, author, commit_time, commit_message
}

// Values of git.collect.
const (
	GitCollectAll  = "all"
	GitCollectNone = "none"
	GitCollectSome = "some"
)

// ProjectDefaults are eval settings that apply when an eval does not set them.
type ProjectDefaults struct {
	MaxConcurrency int
	Timeout        time.Duration
	Trials         int
	Model          string
}

// Provider is a configured model provider.
type Provider struct {
	Name              string
	Type              string
	BaseURL           string
	APIKeyEnv         string
	Headers           map[string]string
	MaxConcurrency    int
	RequestsPerMinute int
	Timeout           time.Duration
	MaxRetries        int
}

package llm

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/caliperhq/caliper/internal/mask"
)

// Provider types: the wire format a provider speaks.
const (
	TypeOpenAI    = "openai"
	TypeAnthropic = "anthropic"
)

// Defaults of providers.
const (
	DefaultMaxRetries       = 5
	DefaultOpenAIBaseURL    = "https://api.openai.com/v1"
	DefaultAnthropicBaseURL = "https://api.anthropic.com"
	// DefaultTimeout bounds one request (one attempt) to a provider that sets
	// no timeout of its own.
	DefaultTimeout = 10 * time.Minute
)

// Config configures a Client.
type Config struct {
	// Providers are the providers by name: the name is the part of a model
	// string before the first slash. The built-in providers "openai" and
	// "anthropic" exist without being listed; listing one changes its
	// settings, and fields left empty keep the built-in defaults.
	Providers map[string]ProviderConfig
	// Env is the environment API keys and default base URLs are read from
	// (OPENAI_API_KEY, OPENAI_BASE_URL, ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL
	// and the api_key_env of each provider). The process environment is never
	// read: nil is an empty environment.
	Env map[string]string
	// Prices override and extend the built-in price table, keyed by
	// "provider/model" or by the bare model name.
	Prices map[string]Price
	// Cache keeps answers to identical requests; nil means no cache.
	Cache Cache
	// HTTPClient sends the requests. Default: a client of its own with
	// keep-alive connections for many concurrent calls. Its Timeout should be
	// zero: each provider's Timeout bounds one attempt.
	HTTPClient *http.Client
	// MinBackoff and MaxBackoff bound the exponential backoff between retries
	// that have no Retry-After: the n-th retry waits a random duration in
	// [0, min(MaxBackoff, MinBackoff·2ⁿ)). Defaults 500ms and 30s.
	MinBackoff, MaxBackoff time.Duration
	// MaxRetryAfter caps the wait a Retry-After header asks for. Default 2m.
	MaxRetryAfter time.Duration
	// Mask hides the run's secrets in answers, cache entries and error
	// messages. The client adds the API keys of its providers to it, so that
	// a provider that echoes its key never leaks it; nil masks only those.
	Mask *mask.Masker
}

// ProviderConfig configures one provider.
type ProviderConfig struct {
	// Type is the wire format: TypeOpenAI (chat completions) or TypeAnthropic
	// (messages). Default: the provider's name for the built-in providers.
	Type string
	// BaseURL is the API's base URL, e.g. http://localhost:11434/v1 for
	// Ollama. Default: for "openai", $OPENAI_BASE_URL or the OpenAI API; for
	// "anthropic", $ANTHROPIC_BASE_URL or the Anthropic API; for other
	// providers, the official API of their type.
	BaseURL string
	// APIKeyEnv names the environment variable that holds the API key.
	// Default: OPENAI_API_KEY for "openai" and ANTHROPIC_API_KEY for
	// "anthropic"; other providers without it send no key (local servers).
	APIKeyEnv string
	// Headers are added to every request.
	Headers map[string]string
	// MaxConcurrency bounds the requests in flight to this provider; 0 means
	// no bound.
	MaxConcurrency int
	// RequestsPerMinute bounds the rate at which requests start; 0 means no
	// bound. Retries count.
	RequestsPerMinute int
	// Timeout bounds one attempt; 0 means DefaultTimeout.
	Timeout time.Duration
	// MaxRetries is the number of retries after a failed attempt; 0 means
	// none (spec.Provider defaults it to 5). Built-in providers that Config
	// does not list use DefaultMaxRetries.
	MaxRetries int
}

// provider is a resolved provider: its settings, key and limiters.
type provider struct {
	name, typ, baseURL string
	keyEnv, key        string
	headers            map[string]string
	timeout            time.Duration
	maxRetries         int
	limit              *limiter
	backend            backend
}

// Client sends chat requests to the configured providers. It is safe for
// concurrent use.
type Client struct {
	providers map[string]*provider
	prices    map[string]Price
	cache     Cache
	http      *http.Client
	backoff   backoff
	mask      *mask.Masker // the run's secrets and every provider's key
}

var builtinEnv = map[string]struct{ typ, keyEnv, urlEnv, url string }{
	"openai":    {TypeOpenAI, "OPENAI_API_KEY", "OPENAI_BASE_URL", DefaultOpenAIBaseURL},
	"anthropic": {TypeAnthropic, "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", DefaultAnthropicBaseURL},
}

// NewClient builds a client. It checks the configuration (types, base URLs)
// but not the keys: a provider whose key is missing fails in Check and Chat,
// so that a run that does not use it is not stopped.
func NewClient(cfg Config) (*Client, error) {
	c := &Client{providers: map[string]*provider{}, prices: cfg.Prices, cache: cfg.Cache, http: cfg.HTTPClient}
	if c.http == nil {
		c.http = defaultHTTPClient()
	}
	c.backoff = backoff{min: cfg.MinBackoff, max: cfg.MaxBackoff, maxRetryAfter: cfg.MaxRetryAfter}
	c.backoff.defaults()
	env := func(k string) string { return cfg.Env[k] }

	all := map[string]ProviderConfig{}
	for name := range builtinEnv {
		all[name] = ProviderConfig{MaxRetries: DefaultMaxRetries}
	}
	for name, pc := range cfg.Providers {
		all[name] = pc
	}
	for _, name := range sortedNames(all) {
		pc := all[name]
		if name == "" || strings.Contains(name, "/") {
			return nil, fmt.Errorf("provider name %q: a name is not empty and has no slash, since models are written provider/model", name)
		}
		p := &provider{name: name, typ: pc.Type, baseURL: pc.BaseURL, keyEnv: pc.APIKeyEnv, headers: pc.Headers,
			timeout: pc.Timeout, maxRetries: pc.MaxRetries}
		b, builtin := builtinEnv[name]
		if p.typ == "" && builtin {
			p.typ = b.typ
		}
		pt, known := lookupProviderType(p.typ)
		switch {
		case p.typ == "":
			return nil, fmt.Errorf("provider %q has no type: set %s", name, providerTypeChoices("type: ", " or "))
		case !known:
			return nil, fmt.Errorf("provider %q has unknown type %q: use %s", name, p.typ, providerTypeChoices("", " or "))
		}
		if builtin && p.typ == b.typ {
			if p.baseURL == "" {
				p.baseURL = env(b.urlEnv)
			}
			if p.keyEnv == "" {
				p.keyEnv = b.keyEnv
			}
		}
		if p.baseURL == "" {
			p.baseURL = pt.baseURL
		}
		if u, err := url.Parse(p.baseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("provider %q: base_url %q is not an http(s) URL: write it like http://localhost:11434/v1", name, p.baseURL)
		}
		if p.keyEnv != "" {
			p.key = env(p.keyEnv)
		}
		if p.timeout <= 0 {
			p.timeout = DefaultTimeout
		}
		if p.maxRetries < 0 {
			p.maxRetries = 0
		}
		p.limit = newLimiter(pc.MaxConcurrency, pc.RequestsPerMinute)
		p.backend = pt.newBackend(p, c.http)
		c.providers[name] = p
	}
	var keys []string
	for _, p := range c.providers {
		keys = append(keys, p.key)
		keys = append(keys, mask.HeaderSecrets(p.headers)...)
	}
	c.mask = cfg.Mask.With(keys...)
	return c, nil
}

// SetCache replaces the cache (nil: none), for example to turn it off for one
// run. It must not be called while calls are in flight.
func (c *Client) SetCache(cache Cache) { c.cache = cache }

// Providers returns the names of the providers, sorted.
func (c *Client) Providers() []string {
	names := make([]string, 0, len(c.providers))
	for n := range c.providers {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Check reports whether a model can be called: its provider exists and, when
// the provider reads a key, the key is set. The error names the environment
// variable, never its value. Nothing is sent.
func (c *Client) Check(model string) error {
	_, _, err := c.resolve(model)
	return err
}

// MissingKeyError is the error for a provider whose API key is not set.
type MissingKeyError struct {
	Provider string
	Env      string // the environment variable that should hold the key
}

func (e *MissingKeyError) Error() string {
	return fmt.Sprintf("provider %q needs an API key: set %s in the environment (or api_key_env of the provider in caliper.yaml)", e.Provider, e.Env)
}

func sortedNames[V any](m map[string]V) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func defaultHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 1024
	t.MaxIdleConnsPerHost = 256
	t.IdleConnTimeout = 90 * time.Second
	return &http.Client{Transport: t}
}

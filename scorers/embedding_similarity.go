package scorers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/caliperhq/caliper/functions"
	"github.com/caliperhq/caliper/llm"
	"github.com/caliperhq/caliper/spec"
)

// DefaultEmbeddingModel embeds when with.model is not set: the model autoevals'
// EmbeddingSimilarity uses.
const DefaultEmbeddingModel = "openai/text-embedding-ada-002"

// DefaultEmbeddingMin is autoevals' expectedMin: the cosine that scores 0.
const DefaultEmbeddingMin = 0.7

// The record of embedding_similarity: its algorithm, scorer and record, in this
// file, registered by one line in builtinRecords.
var embeddingSimilarityBuiltin = Builtin{
	Name:        "embedding_similarity",
	Description: "The cosine similarity of the embeddings of the output and the expected text, rescaled as autoevals does: clamp((cos - expected_min) / (1 - expected_min), 0, 1).",
	Args: append([]spec.Arg{
		{Name: "model", Type: spec.ArgModel, Description: "The embedding model, as provider/model of an OpenAI-compatible provider (default " + DefaultEmbeddingModel + ")."},
		{Name: "expected_min", Type: spec.ArgNumber, Description: "The cosine that scores 0; 1 scores 1 (default 0.7)."},
	}, compareArgs...),
	New: newEmbeddingSimilarity,
}

// EmbeddingSimilarity scores two embeddings as autoevals does: their cosine
// similarity, then clamp((cos - min) / (1 - min), 0, 1). Vectors of different
// lengths, or one of zero length, are an error.
func EmbeddingSimilarity(a, b []float64, min float64) (score, cosine float64, err error) {
	if len(a) != len(b) {
		return 0, 0, fmt.Errorf("the embeddings have %d and %d dimensions: both texts must be embedded by the same model", len(a), len(b))
	}
	var dot, na, nb float64
	for i := range a {
		dot += a[i] * b[i]
		na += a[i] * a[i]
		nb += b[i] * b[i]
	}
	if na == 0 || nb == 0 {
		return 0, 0, errors.New("an embedding is the zero vector: its cosine similarity is undefined")
	}
	cosine = dot / (math.Sqrt(na) * math.Sqrt(nb))
	return math.Max(0, math.Min(1, (cosine-min)/(1-min))), cosine, nil
}

// embeddingScorer embeds the texts of the output and the expected value, one
// request each (so that an expected text shared by trials is cached once),
// and scores them with EmbeddingSimilarity.
type embeddingScorer struct {
	compare *builtinScorer
	client  *llm.Client
	model   string
}

func newEmbeddingSimilarity(sc spec.Scorer, deps Deps) (Scorer, error) {
	if deps.LLM == nil {
		return nil, fmt.Errorf("%w: embedding_similarity calls an embeddings endpoint; configure the providers (caliper.yaml) of the pipeline", ErrNeedsProvider)
	}
	model, ok, err := argString(sc, "model")
	if err != nil {
		return nil, err
	}
	if !ok {
		model = DefaultEmbeddingModel
	}
	min := DefaultEmbeddingMin
	if raw, ok := sc.With["expected_min"]; ok {
		f, isNum := number(raw)
		if !isNum || f < 0 || f >= 1 {
			return nil, fmt.Errorf("with.expected_min must be a number in [0, 1), not %s", describe(raw))
		}
		min = f
	}
	s := &embeddingScorer{client: deps.LLM, model: model}
	cmp, err := newCompare(sc, deps, nil)
	if err != nil {
		return nil, err
	}
	s.compare = cmp.(*builtinScorer)
	s.compare.scoreCtx = func(ctx context.Context, out, exp any) (float64, map[string]any, error) {
		vecs, err := s.embed(ctx, sc.Name, text(out), text(exp))
		if err != nil {
			return 0, nil, err
		}
		score, cos, err := EmbeddingSimilarity(vecs[0], vecs[1], min)
		if err != nil {
			return 0, nil, err
		}
		return score, map[string]any{"cosine": cos, "model": model}, nil
	}
	return s, nil
}

// Name returns the name of the score.
func (s *embeddingScorer) Name() string { return s.compare.name }

// Score embeds the case's output and expected value and scores their similarity.
func (s *embeddingScorer) Score(ctx context.Context, env *spec.ScorerEnv) ([]Score, error) {
	return s.compare.Score(ctx, env)
}

// embed embeds each text by its own request, concurrently, and records each
// call in the trace of ctx under the scorer's name. A failure is the error of
// the first text that failed.
func (s *embeddingScorer) embed(ctx context.Context, name string, texts ...string) ([][]float64, error) {
	tr, parent := functions.TraceFrom(ctx)
	if parent == "" {
		parent = name
	}
	vecs := make([][]float64, len(texts))
	errs := make([]error, len(texts))
	done := make(chan int, len(texts))
	for i, t := range texts {
		go func() {
			req := llm.EmbeddingRequest{Model: s.model, Input: []string{t}}
			start := time.Now()
			resp, err := s.client.Embed(ctx, req)
			tr.Add(embeddingSpan(parent, req, resp, err, start))
			if err == nil {
				vecs[i] = resp.Vectors[0]
			}
			errs[i] = err
			done <- i
		}()
	}
	for range texts {
		<-done
	}
	for _, err := range errs {
		if err != nil {
			return nil, err // the first: both calls usually fail alike
		}
	}
	return vecs, nil
}

// embeddingSpan is the span of one embeddings call: kind llm, named after the
// model, the texts as input, the model, usage and dimensions as output (not
// the vector), and the metrics of chat calls without completion tokens.
func embeddingSpan(parent string, req llm.EmbeddingRequest, resp *llm.EmbeddingResponse, err error, start time.Time) functions.Span {
	took := time.Since(start)
	sp := functions.Span{Name: req.Model, Kind: functions.SpanKindLLM, Parent: parent, Start: start, Duration: took,
		Metrics: map[string]float64{"llm_calls": 1}}
	sp.Input, _ = json.Marshal(map[string]any{"model": req.Model, "input": req.Input, "endpoint": "embeddings"})
	if err != nil {
		sp.Error = err.Error()
		sp.Metrics["llm_errors"] = 1
		sp.Metrics["llm_duration"] = took.Seconds()
		return sp
	}
	dims := 0
	if len(resp.Vectors) > 0 {
		dims = len(resp.Vectors[0])
	}
	sp.Output, _ = json.Marshal(map[string]any{"model": resp.Model, "usage": resp.Usage, "dimensions": dims})
	sp.Cached = resp.Cached
	sp.Metrics["prompt_tokens"] = float64(resp.Usage.PromptTokens)
	sp.Metrics["tokens"] = float64(resp.Usage.PromptTokens)
	sp.Metrics["llm_duration"] = resp.Latency.Seconds()
	sp.Metrics["estimated_cost"] = resp.Cost
	if resp.Cached {
		sp.Metrics["llm_cached_calls"] = 1
	}
	return sp
}

// Models returns the embedding model, for the pipeline's key checks.
func (s *embeddingScorer) Models(map[string]any) ([]string, error) { return []string{s.model}, nil }

// Estimate estimates the two embedding calls of a case, for --dry-run.
func (s *embeddingScorer) Estimate(env *spec.ScorerEnv) ([]llm.Estimate, error) {
	if env == nil {
		env = &spec.ScorerEnv{}
	}
	return []llm.Estimate{
		s.client.EstimateEmbedding(llm.EmbeddingRequest{Model: s.model, Input: []string{text(env.Output)}}),
		s.client.EstimateEmbedding(llm.EmbeddingRequest{Model: s.model, Input: []string{text(env.Expected)}}),
	}, nil
}

var (
	_ Estimator             = (*embeddingScorer)(nil)
	_ functions.ModelCaller = (*embeddingScorer)(nil)
)

package llm

import (
	"context"
	"fmt"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
)

var _ embedder = (*openaiBackend)(nil)

// embed sends POST /embeddings with the texts as an array of strings and
// float vectors, and puts the vectors back in the order of the input.
func (b *openaiBackend) embed(ctx context.Context, model string, req *EmbeddingRequest, at *attempt) (*EmbeddingResponse, error) {
	params := openai.EmbeddingNewParams{
		Model:          model,
		Input:          openai.EmbeddingNewParamsInputUnion{OfArrayOfStrings: req.Input},
		EncodingFormat: openai.EmbeddingNewParamsEncodingFormatFloat,
	}
	res, err := b.embeddings.New(ctx, params, option.WithMiddleware(at.capture))
	if err != nil {
		return nil, err
	}
	out := &EmbeddingResponse{Model: res.Model, Vectors: make([][]float64, len(req.Input)),
		Usage: Usage{PromptTokens: int(res.Usage.PromptTokens)}}
	for _, e := range res.Data {
		if e.Index < 0 || int(e.Index) >= len(req.Input) || out.Vectors[e.Index] != nil {
			return nil, &malformedError{msg: fmt.Sprintf("the answer has an embedding of index %d for %d inputs", e.Index, len(req.Input))}
		}
		if len(e.Embedding) == 0 {
			return nil, &malformedError{msg: fmt.Sprintf("the embedding of index %d is empty", e.Index)}
		}
		out.Vectors[e.Index] = e.Embedding
	}
	for i, v := range out.Vectors {
		if v == nil {
			return nil, &malformedError{msg: fmt.Sprintf("the answer has no embedding for input %d of %d", i, len(req.Input))}
		}
	}
	return out, nil
}

package cpu

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/cache"
	"github.com/vkllm/vkllm/internal/quality"
	"github.com/vkllm/vkllm/models/llama"
	"github.com/vkllm/vkllm/runtime/sample"
)

// TestReferenceTokens reproduces llama.cpp's greedy continuation of the
// reference prompt token for token, for both weight files and both paths.
func TestReferenceTokens(t *testing.T) {
	ref := quality.LoadReference(t)
	for _, file := range []string{"stories260K-f32.gguf", "stories260K-f16.gguf"} {
		for _, mode := range []struct {
			name string
			opt  BackendOptions
		}{{"reference", BackendOptions{Reference: true}}, {"fast", BackendOptions{}}} {
			t.Run(file+"/"+mode.name, func(t *testing.T) {
				l := openModel(t, file)
				s, err := NewSession(l.Model, Options{KVType: cache.KVF32, Backend: mode.opt})
				require.NoError(t, err)
				var got []int32
				st, err := s.Generate(context.Background(), ref.PromptIDs, GenerateParams{MaxTokens: ref.NPredict, Sampler: quality.Greedy{}},
					func(id int32) error { got = append(got, id); return nil })
				require.NoError(t, err)
				assert.Equal(t, ref.GeneratedIDs, got)
				assert.Equal(t, len(ref.PromptIDs), st.PromptTokens)
				assert.Equal(t, ref.NPredict, st.GenTokens)
			})
		}
	}
}

// TestLlama2TinyRandom loads a model with the real 32k Llama 2 vocabulary
// and generates through the text API.
func TestLlama2TinyRandom(t *testing.T) {
	l := openModel(t, "llama-2-tiny-random.gguf")
	var out strings.Builder
	st, err := l.Complete(context.Background(), TextOptions{Prompt: "Hello world", MaxTokens: 8,
		Sample: sample.Params{TopP: 1, RepeatPenalty: 1}, Session: Options{KVType: cache.KVF16, Context: 64}}, &out)
	require.NoError(t, err)
	assert.Greater(t, st.PromptTokens, 1)
	assert.Positive(t, st.GenTokens)
	assert.True(t, utf8.ValidString(out.String()))
}

// TestBatchOfSequences runs two sequences (a prefill chunk and a decode
// token) in one step and checks each against running it alone.
func TestBatchOfSequences(t *testing.T) {
	l := openModel(t, "stories260K-f32.gguf")
	m := l.Model
	for _, ref := range []bool{true, false} {
		kv, err := cache.NewHostPool(m.Config.Layers, cache.Layout{Type: cache.KVF32, BlockSize: 4,
			KVHeads: m.Config.KVHeads, HeadDim: m.Config.HeadDim}, 16)
		require.NoError(t, err)
		be, err := NewBackend(m, kv, BackendOptions{Reference: ref})
		require.NoError(t, err)
		a := llama.Seq{Tokens: []int32{1, 403, 407, 261, 378, 432}, Blocks: []cache.BlockID{3, 1}, Logits: []int{2, 5}}
		b := llama.Seq{Tokens: []int32{1, 403, 407}, Blocks: []cache.BlockID{7}, Logits: []int{2}}
		both, err := llama.Forward(m, be, &llama.Batch{Seqs: []llama.Seq{a, b}, BlockSize: 4})
		require.NoError(t, err)
		alone, err := llama.Forward(m, be, &llama.Batch{Seqs: []llama.Seq{a}, BlockSize: 4})
		require.NoError(t, err)
		v := m.Config.Vocab
		assert.InDeltaSlice(t, alone, both[:2*v], 1e-5)
		// b's last row equals a's row 2: same tokens at the same positions.
		assert.InDeltaSlice(t, alone[:v], both[2*v:], 1e-5)
		// Decode one more token of b on its own blocks after a prefill of 3.
		b2 := llama.Seq{Tokens: []int32{261}, Start: 3, Blocks: []cache.BlockID{7}, Logits: []int{0}}
		a2 := llama.Seq{Tokens: []int32{261}, Start: 3, Blocks: []cache.BlockID{3}, Logits: []int{0}}
		mixed, err := llama.Forward(m, be, &llama.Batch{Seqs: []llama.Seq{b2, a2}, BlockSize: 4})
		require.NoError(t, err)
		assert.InDeltaSlice(t, mixed[:v], mixed[v:], 1e-5)
	}
}

package cpu

import (
	"context"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/cache"
	"github.com/vkllm/vkllm/internal/quality"
	"github.com/vkllm/vkllm/internal/testenv"
	"github.com/vkllm/vkllm/models/tokenizer"
)

// compareKV teacher-forces tokens through a session with the given KV type
// and compares every row's distribution with the f32 logits.
func compareKV(t *testing.T, l *Loaded, kv cache.KVType, tokens []int32, base []float32) quality.KL {
	t.Helper()
	logits := evalAll(t, l, Options{KVType: kv, PrefillChunk: 64}, tokens)
	return quality.Compare(base, logits, l.Model.Config.Vocab)
}

// TestKVQuality measures the mean KL divergence of f16 and int8 KV caches
// against f32 over 500 teacher-forced tokens of text sampled from
// stories260K. llama.cpp reports f16-vs-f32 mean KLD ~0.000003 on this
// model; int8 has no llama.cpp counterpart here (its q8_0 needs head dim
// 32k), so its bound is the figure measured when the test was written with
// headroom.
func TestKVQuality(t *testing.T) {
	l := openModel(t, "stories260K-f32.gguf")
	text, err := os.ReadFile(testenv.Shared(t, "reference/tinystories-sampled.txt"))
	require.NoError(t, err)
	tok, err := tokenizer.FromGGUF(l.File)
	require.NoError(t, err)
	tokens := tok.Encode(string(text), true)
	require.Greater(t, len(tokens), 500)
	tokens = tokens[:500]
	base := evalAll(t, l, Options{KVType: cache.KVF32, PrefillChunk: 64}, tokens)

	tests := []struct {
		kv      cache.KVType
		maxMean float64
		minTop1 float64
	}{
		{cache.KVF16, 1e-4, 0.99},
		{cache.KVInt8, 5e-3, 0.95},
	}
	for _, tt := range tests {
		t.Run(tt.kv.String(), func(t *testing.T) {
			st := compareKV(t, l, tt.kv, tokens, base)
			t.Logf("%v KV vs f32 over %d tokens: mean KLD %.7f, p99 %.7f, max %.7f, same top token %.2f%%",
				tt.kv, len(tokens), st.Mean, st.P99, st.Max, 100*st.Top1)
			assert.Less(t, st.Mean, tt.maxMean)
			assert.GreaterOrEqual(t, st.Top1, tt.minTop1)
		})
	}
}

// TestInt8Greedy checks that greedy generation with an int8 cache stays on
// the f32 cache's path: it measures the length of the common prefix of the
// reference continuation.
func TestInt8Greedy(t *testing.T) {
	ref := quality.LoadReference(t)
	l := openModel(t, "stories260K-f32.gguf")
	for _, kv := range []cache.KVType{cache.KVF16, cache.KVInt8} {
		s, err := NewSession(l.Model, Options{KVType: kv})
		require.NoError(t, err)
		var got []int32
		_, err = s.Generate(context.Background(), ref.PromptIDs, GenerateParams{MaxTokens: ref.NPredict, Sampler: quality.Greedy{}},
			func(id int32) error { got = append(got, id); return nil })
		require.NoError(t, err)
		n := 0
		for n < len(got) && got[n] == ref.GeneratedIDs[n] {
			n++
		}
		t.Logf("%v KV: first %d of %d greedy tokens equal the f32 reference", kv, n, len(got))
		assert.GreaterOrEqual(t, n, 48, "%v KV", kv) // measured: 64 of 64 for both
	}
}

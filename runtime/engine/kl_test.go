package engine

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/cache"
	"github.com/vkllm/vkllm/internal/quality"
	"github.com/vkllm/vkllm/internal/testenv"
	"github.com/vkllm/vkllm/models/tokenizer"
	"github.com/vkllm/vkllm/runtime/vk/vktest"
)

// TestKVQuality measures on the device the KL divergence of next-token
// distributions with f16 and int8 KV caches against the f32 cache, over
// teacher-forced text sampled from stories260K. The bounds are the CPU
// path's (runtime/cpu TestKVQuality), which measured the same rules.
func TestKVQuality(t *testing.T) {
	dev := vktest.Device(t)
	l := openModel(t, testenv.Model(t, "stories260K-f32.gguf"))
	text, err := os.ReadFile(testenv.Shared(t, "reference/tinystories-sampled.txt"))
	require.NoError(t, err)
	tok, err := tokenizer.FromGGUF(l.File)
	require.NoError(t, err)
	tokens := tok.Encode(string(text), true)
	n := 300
	if testing.Short() {
		n = 130
	}
	require.Greater(t, len(tokens), n)
	tokens = tokens[:n]
	m := l.Model
	base := evalAll(t, m, newEngine(t, dev, m, cache.KVF32, 32), tokens)
	tests := []struct {
		kv      cache.KVType
		maxMean float64
		minTop1 float64
	}{{cache.KVF16, 1e-4, 0.99}, {cache.KVInt8, 5e-3, 0.95}}
	for _, tt := range tests {
		t.Run(tt.kv.String(), func(t *testing.T) {
			got := evalAll(t, m, newEngine(t, dev, m, tt.kv, 32), tokens)
			st := quality.Compare(base, got, m.Config.Vocab)
			t.Logf("GPU %v KV vs f32 over %d tokens: mean KLD %.7f, p99 %.7f, max %.7f, same top token %.2f%%",
				tt.kv, n, st.Mean, st.P99, st.Max, 100*st.Top1)
			assert.Less(t, st.Mean, tt.maxMean)
			assert.GreaterOrEqual(t, st.Top1, tt.minTop1)
		})
	}
}

package engine

import (
	"math"
	"os"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/cache"
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
			st := klStatsOf(base, got, m.Config.Vocab)
			t.Logf("GPU %v KV vs f32 over %d tokens: mean KLD %.7f, p99 %.7f, max %.7f, same top token %.2f%%",
				tt.kv, n, st.mean, st.p99, st.max, 100*st.top1)
			assert.Less(t, st.mean, tt.maxMean)
			assert.GreaterOrEqual(t, st.top1, tt.minTop1)
		})
	}
}

type klStats struct{ mean, p99, max, top1 float64 }

// klStatsOf compares every row's distribution q with the baseline p.
func klStatsOf(base, got []float32, vocab int) klStats {
	rows := len(base) / vocab
	kls := make([]float64, rows)
	same := 0
	for i := range rows {
		p, q := base[i*vocab:(i+1)*vocab], got[i*vocab:(i+1)*vocab]
		kls[i] = klDiv(p, q)
		if (argmax{}).Sample(p, nil) == (argmax{}).Sample(q, nil) {
			same++
		}
	}
	sort.Float64s(kls)
	var sum float64
	for _, k := range kls {
		sum += k
	}
	return klStats{sum / float64(rows), kls[rows*99/100], kls[rows-1], float64(same) / float64(rows)}
}

// klDiv returns KL(softmax(p) ‖ softmax(q)) in nats.
func klDiv(p, q []float32) float64 {
	lp, lq := logSoftmax(p), logSoftmax(q)
	var kl float64
	for i := range lp {
		kl += math.Exp(lp[i]) * (lp[i] - lq[i])
	}
	return max(kl, 0)
}

func logSoftmax(x []float32) []float64 {
	m := math.Inf(-1)
	for _, v := range x {
		m = max(m, float64(v))
	}
	var s float64
	for _, v := range x {
		s += math.Exp(float64(v) - m)
	}
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v) - m - math.Log(s)
	}
	return out
}

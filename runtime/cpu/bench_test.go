package cpu

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/cache"
	"github.com/vkllm/vkllm/models/quant"
	"github.com/vkllm/vkllm/models/synth"
)

// BenchmarkGenerate measures decode tokens/s of the fast path on the
// issue's 85M-parameter synthetic model (dim 768, 12 layers, 12 heads,
// 4 KV heads, FFN 2048, vocab 512): one op is one decode step.
func BenchmarkGenerate(b *testing.B) {
	if testing.Short() {
		b.Skip("writes a large model")
	}
	for _, typ := range []quant.Type{quant.Q8_0, quant.F32} {
		b.Run(typ.String(), func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "bench.gguf")
			require.NoError(b, synth.WriteFile(path, synth.Config{Layers: 12, Dim: 768, FFN: 2048, Heads: 12,
				KVHeads: 4, Vocab: 512, Context: 1024, Type: typ, Seed: 1}))
			l, err := Open(path)
			require.NoError(b, err)
			defer l.Close()
			l.Touch(nil)
			s, err := NewSession(l.Model, Options{KVType: cache.KVF32, Context: 256})
			require.NoError(b, err)
			logits, err := s.Eval([]int32{1, 2, 3, 4}, false)
			require.NoError(b, err)
			for b.Loop() {
				if s.Len() == s.Context() {
					s.Reset()
				}
				if logits, err = s.Eval([]int32{argmax{}.Sample(logits, nil)}, false); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tok/s")
		})
	}
}

package engine

import (
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/cache"
	"github.com/vkllm/vkllm/cache/device"
	"github.com/vkllm/vkllm/models/llama"
	"github.com/vkllm/vkllm/models/quant"
	"github.com/vkllm/vkllm/models/synth"
	"github.com/vkllm/vkllm/runtime/cpu"
	"github.com/vkllm/vkllm/runtime/vk/vktest"
)

// chain runs every op except the attention ones through ops, the way
// Forward strings them together, so the engine's non-attention ops can be
// checked against the CPU backend on their own.
func chain[A any](ops llama.Ops[A], m *llama.Model, b *llama.Batch) ([]float32, error) {
	if err := ops.Begin(b); err != nil {
		return nil, err
	}
	w := &m.Weights.Layers[0]
	x := ops.Embed(m.Weights.TokenEmbd)
	n := ops.RMSNorm(x, w.AttnNorm, m.Config.NormEps)
	// Q stands in for attention's output: with Q/K/V fused it is a view
	// with strided rows, which Rope (on its own here) and MatMul take.
	q, _, _ := ops.MatMulQKV(n, w.Q, w.K, w.V)
	q = ops.Rope(q, m.Config.Rope())
	h := ops.Add(x, ops.MatMul(q, w.O))
	n = ops.RMSNorm(h, w.FFNNorm, m.Config.NormEps)
	s := ops.MatMulSwiGLU(n, w.Gate, w.Up)
	// The members of a fused pair on their own.
	s = ops.Add(s, ops.MatMul(n, w.Gate))
	s = ops.Add(s, ops.MatMul(n, w.Up))
	x = ops.Gather(ops.Add(h, ops.MatMul(s, w.Down)))
	x = ops.RMSNorm(x, m.Weights.OutputNorm, m.Config.NormEps)
	return ops.Finish(ops.MatMul(x, m.Weights.Output))
}

func TestOpsMatchCPU(t *testing.T) {
	// Rows of 256 and 512 values are whole groups of Q8_0 and Q4_0 blocks,
	// which the _rows_tx matvecs read through texel views.
	tests := []struct {
		typ      quant.Type
		dim, ffn int
		bound    float64
	}{
		{quant.F32, 64, 96, 1e-5}, {quant.F16, 64, 96, 1e-5}, {quant.Q8_0, 64, 96, 1e-5},
		{quant.Q8_0, 256, 512, 1e-5}, {quant.Q4_0, 256, 512, 1e-5},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%v/%d", tt.typ, tt.dim), func(t *testing.T) {
			dev := vktest.Device(t)
			l, err := cpu.Open(synth.TempModel(t, synth.Config{Layers: 1, Dim: tt.dim, FFN: tt.ffn, Heads: 4, KVHeads: 2,
				Vocab: 300, Context: 64, Type: tt.typ, Seed: 3}))
			require.NoError(t, err)
			defer l.Close()
			m := l.Model
			e, err := New(dev, m, Options{KVType: cache.KVF32, BlockSize: 4, KV: device.Options{Blocks: 8}})
			require.NoError(t, err)
			defer e.Close()
			kv, err := cache.NewHostPool(m.Config.Layers, e.Layout(), 8)
			require.NoError(t, err)
			be, err := cpu.NewBackend(m, kv, cpu.BackendOptions{Reference: true})
			require.NoError(t, err)
			b := &llama.Batch{BlockSize: 4, Seqs: []llama.Seq{
				{Tokens: []int32{1, 7, 299, 4, 5}, Start: 2, Blocks: []cache.BlockID{3, 1}, Logits: []int{0, 1, 4}},
				{Tokens: []int32{9}, Start: 6, Blocks: []cache.BlockID{2, 4}, Logits: []int{0}},
			}}
			want, err := chain(be, m, b)
			require.NoError(t, err)
			for range 2 { // the second step reuses the arena and descriptor sets
				got, err := chain(e, m, b)
				require.NoError(t, err)
				require.Len(t, got, len(want))
				assert.Less(t, relErr(got, want), tt.bound)
			}
		})
	}
}

// relErr is the normalised error ‖got − want‖ / ‖want‖.
func relErr(got, want []float32) float64 {
	var d, n float64
	for i := range want {
		e := float64(got[i]) - float64(want[i])
		d += e * e
		n += float64(want[i]) * float64(want[i])
	}
	return math.Sqrt(d / n)
}

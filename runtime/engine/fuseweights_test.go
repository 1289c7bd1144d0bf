package engine

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/cache"
	"github.com/vkllm/vkllm/cache/device"
	"github.com/vkllm/vkllm/models/llama"
	"github.com/vkllm/vkllm/models/quant"
	"github.com/vkllm/vkllm/models/synth"
	"github.com/vkllm/vkllm/runtime/cpu"
	"github.com/vkllm/vkllm/runtime/vk"
	"github.com/vkllm/vkllm/runtime/vk/vktest"
)

// productCalls runs a 3-token prompt step and then profiles one decode
// step, returning its dispatches of the weight products and of swiglu by
// profile name.
func productCalls(t *testing.T, m *llama.Model, noFuse bool) map[string]int {
	dev := vktest.Device(t)
	e := newEngineOpt(t, dev, m, Options{KVType: cache.KVF32, Profile: true, NoFuse: noFuse, KV: device.Options{Blocks: 4}})
	blocks := []cache.BlockID{1}
	_, err := e.Step(&llama.Batch{BlockSize: 16, Seqs: []llama.Seq{{Tokens: []int32{1, 2, 3}, Blocks: blocks, Logits: []int{2}}}})
	require.NoError(t, err)
	e.ResetProfile()
	_, err = e.Step(&llama.Batch{BlockSize: 16, Seqs: []llama.Seq{{Tokens: []int32{4}, Start: 3, Blocks: blocks, Logits: []int{0}}}})
	require.NoError(t, err)
	prof, steps := e.Profile()
	require.Equal(t, 1, steps)
	calls := map[string]int{}
	for _, kt := range prof {
		if strings.HasPrefix(kt.Name, "matvec") || kt.Name == "swiglu" {
			calls[kt.Name] = kt.Calls
		}
	}
	return calls
}

// TestFusedProducts: a decode step records one Q/K/V product and one
// gate/up+SwiGLU product per layer where the layer's members share a
// type, four dispatches fewer per layer than separate products; in the
// Q4_K_M-style model, layers 2 and 3 (V in Q6_K) keep separate Q, K and V
// products.
func TestFusedProducts(t *testing.T) {
	tests := []struct {
		name        string
		cfg         synth.Config
		fused, flat map[string]int
	}{
		{"f32", synth.Config{Layers: 2, Dim: 64, FFN: 96, Heads: 4, KVHeads: 2, Vocab: 300, Context: 64, Type: quant.F32, Seed: 3},
			map[string]int{"matvec_qkv_f32": 2, "matvec_glu_f32": 2, "matvec_f32": 2*2 + 1},
			map[string]int{"matvec_f32": 2*7 + 1, "swiglu": 2}},
		{"q4_k_m", mixedConfig(),
			map[string]int{"matvec_qkv_q4_k": 2, "matvec_glu_q4_k": 4, "matvec_q4_k": 2*2 + 2*3, "matvec_q6_k": 2*2 + 1},
			map[string]int{"matvec_q4_k": 2*7 + 2*5, "matvec_q6_k": 2*2 + 1, "swiglu": 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := openModel(t, synth.TempModel(t, tt.cfg))
			fused := productCalls(t, l.Model, false)
			flat := productCalls(t, l.Model, true)
			assert.Equal(t, tt.fused, fused)
			assert.Equal(t, tt.flat, flat)
			sum := func(m map[string]int) (n int) {
				for _, c := range m {
					n += c
				}
				return n
			}
			assert.Equal(t, sum(tt.flat)-4*tt.cfg.Layers+2*mixedLayers(l.Model), sum(fused))
		})
	}
}

// mixedLayers counts the layers whose Q, K and V differ in type (not
// fused: two dispatches more than a fused layer).
func mixedLayers(m *llama.Model) int {
	n := 0
	for _, w := range m.Weights.Layers {
		if w.Q.Type != w.K.Type || w.K.Type != w.V.Type {
			n++
		}
	}
	return n
}

// TestFusedPortableDevice: without optional features the pair products
// take the cooperative layout (no _rows_sx) and, for a 37-row prompt of a
// block format, the tiled kernel; logits and greedy tokens still match the
// CPU reference.
func TestFusedPortableDevice(t *testing.T) {
	dev := vktest.DeviceWith(t, vk.DeviceOptions{Portable: true})
	l := openModel(t, synth.TempModel(t, synth.Config{Layers: 2, Dim: 64, FFN: 96, Heads: 4, KVHeads: 2,
		Vocab: 300, Context: 64, Type: quant.Q8_0, Seed: 5}))
	tokens := mixedTokens(37)
	want := cpuLogits(t, l.Model, cpu.Options{KVType: cache.KVF32, Backend: cpu.BackendOptions{Reference: true}}, tokens)
	e := newEngine(t, dev, l.Model, cache.KVF32, 8)
	require.NotNil(t, e.fusedWith(l.Model.Weights.Layers[0].Gate, l.Model.Weights.Layers[0].Up))
	require.Equal(t, "matvec_glu_q8_0", e.k.glu[quant.Q8_0.String()].Variant())
	got := evalAll(t, l.Model, e, tokens)
	assert.Less(t, relErr(got, want), 1e-5)
	prompt := tokens[:5]
	assert.Equal(t, cpuGreedy(t, l.Model, prompt, 16), greedy(t, l.Model, newEngine(t, dev, l.Model, cache.KVF32, 8), prompt, 16))
}

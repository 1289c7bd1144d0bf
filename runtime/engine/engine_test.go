package engine

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/cache"
	"github.com/vkllm/vkllm/cache/device"
	"github.com/vkllm/vkllm/internal/quality"
	"github.com/vkllm/vkllm/internal/testenv"
	"github.com/vkllm/vkllm/models/llama"
	"github.com/vkllm/vkllm/models/quant"
	"github.com/vkllm/vkllm/models/synth"
	"github.com/vkllm/vkllm/runtime/cpu"
	"github.com/vkllm/vkllm/runtime/kernels"
	"github.com/vkllm/vkllm/runtime/vk"
	"github.com/vkllm/vkllm/runtime/vk/vktest"
)

func openModel(t testing.TB, path string) *cpu.Loaded {
	t.Helper()
	l, err := cpu.Open(path)
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	return l
}

// newEngine opens an engine on dev with a pool of blocks blocks.
func newEngine(t testing.TB, dev *vk.Device, m *llama.Model, kv cache.KVType, blocks int) *Engine {
	t.Helper()
	e, err := New(dev, m, Options{KVType: kv, KV: device.Options{Blocks: blocks}})
	require.NoError(t, err)
	t.Cleanup(e.Close)
	return e
}

// greedy generates n tokens after prompt on a session over st.
func greedy(t testing.TB, m *llama.Model, st cpu.Stepper, prompt []int32, n int) []int32 {
	t.Helper()
	s, err := cpu.NewSessionOn(m, st, cpu.Options{})
	require.NoError(t, err)
	var got []int32
	_, err = s.Generate(context.Background(), prompt, cpu.GenerateParams{MaxTokens: n, Sampler: quality.Greedy{}},
		func(id int32) error { got = append(got, id); return nil })
	require.NoError(t, err)
	return got
}

// TestReferenceTokens: with an f32 KV cache the engine's greedy tokens
// equal llama.cpp's and the CPU path's for both weight files, with the
// 5-token prompt through the decode kernel (default threshold) and through
// the prefill kernel (PrefillRows 2).
func TestReferenceTokens(t *testing.T) {
	ref := quality.LoadReference(t)
	for _, file := range []string{"stories260K-f32.gguf", "stories260K-f16.gguf"} {
		for _, pre := range []int{0, 2} {
			t.Run(fmt.Sprintf("%s/prefill-rows%d", file, pre), func(t *testing.T) {
				dev := vktest.Device(t)
				l := openModel(t, testenv.Model(t, file))
				e := newEngineOpt(t, dev, l.Model, Options{KVType: cache.KVF32, PrefillRows: pre, KV: device.Options{Blocks: 16}})
				got := greedy(t, l.Model, e, ref.PromptIDs, ref.NPredict)
				assert.Equal(t, ref.GeneratedIDs, got)
			})
		}
	}
}

// evalAll teacher-forces tokens through a session over st and returns
// every row's logits.
func evalAll(t testing.TB, m *llama.Model, st cpu.Stepper, tokens []int32) []float32 {
	t.Helper()
	s, err := cpu.NewSessionOn(m, st, cpu.Options{})
	require.NoError(t, err)
	logits, err := s.Eval(tokens, true)
	require.NoError(t, err)
	return logits
}

// TestBatchOfSequences runs a prefill chunk and a decode token of two
// sequences in one step and checks each against running it alone; with
// PrefillRows 2 the chunks take the prefill kernel in steps that mix it
// with decode rows.
func TestBatchOfSequences(t *testing.T) {
	for _, pre := range []int{0, 2} {
		t.Run(fmt.Sprintf("prefill-rows%d", pre), func(t *testing.T) { testBatchOfSequences(t, pre) })
	}
}

func testBatchOfSequences(t *testing.T, prefillRows int) {
	dev := vktest.Device(t)
	l := openModel(t, testenv.Model(t, "stories260K-f32.gguf"))
	m := l.Model
	e, err := New(dev, m, Options{KVType: cache.KVF32, BlockSize: 4, PrefillRows: prefillRows, KV: device.Options{Blocks: 16}})
	require.NoError(t, err)
	defer e.Close()
	v := m.Config.Vocab
	a := llama.Seq{Tokens: []int32{1, 403, 407, 261, 378, 432}, Blocks: []cache.BlockID{3, 1}, Logits: []int{2, 5}}
	b := llama.Seq{Tokens: []int32{1, 403, 407}, Blocks: []cache.BlockID{7}, Logits: []int{2}}
	both, err := e.Step(&llama.Batch{Seqs: []llama.Seq{a, b}, BlockSize: 4})
	require.NoError(t, err)
	alone, err := e.Step(&llama.Batch{Seqs: []llama.Seq{a}, BlockSize: 4})
	require.NoError(t, err)
	assert.InDeltaSlice(t, alone, both[:2*v], 1e-5)
	assert.InDeltaSlice(t, alone[:v], both[2*v:], 1e-5) // same tokens, same positions
	// A decode token of each after their prefills, in one step, in the
	// other order, mixed with a fresh prefill of a third sequence.
	b2 := llama.Seq{Tokens: []int32{261}, Start: 3, Blocks: []cache.BlockID{7}, Logits: []int{0}}
	a2 := llama.Seq{Tokens: []int32{261}, Start: 3, Blocks: []cache.BlockID{3}, Logits: []int{0}}
	c := llama.Seq{Tokens: []int32{1, 403, 407, 261}, Blocks: []cache.BlockID{9}, Logits: []int{3}}
	mixed, err := e.Step(&llama.Batch{Seqs: []llama.Seq{b2, c, a2}, BlockSize: 4})
	require.NoError(t, err)
	assert.InDeltaSlice(t, mixed[:v], mixed[v:2*v], 1e-5)
	assert.InDeltaSlice(t, mixed[:v], mixed[2*v:], 1e-5)
	// And the same against the CPU backend.
	kv, err := cache.NewHostPool(m.Config.Layers, e.Layout(), 16)
	require.NoError(t, err)
	be, err := cpu.NewBackend(m, kv, cpu.BackendOptions{Reference: true})
	require.NoError(t, err)
	_, err = be.Step(&llama.Batch{Seqs: []llama.Seq{a, b}, BlockSize: 4})
	require.NoError(t, err)
	want, err := be.Step(&llama.Batch{Seqs: []llama.Seq{b2, c, a2}, BlockSize: 4})
	require.NoError(t, err)
	assert.Less(t, relErr(mixed, want), 1e-5)
}

// TestSynthMatchesCPU runs synthetic models of each weight type and GQA
// shape on the engine and the CPU reference, over prompts that cross
// blocks and end in a partly filled block.
func TestSynthMatchesCPU(t *testing.T) {
	for _, typ := range []quant.Type{quant.F32, quant.F16, quant.Q8_0} {
		for _, kvh := range []int{4, 1, 8} {
			t.Run(typ.String()+"/kv"+string(rune('0'+kvh)), func(t *testing.T) {
				dev := vktest.Device(t)
				l := openModel(t, synth.TempModel(t, synth.Config{Layers: 2, Dim: 64, FFN: 96, Heads: 8, KVHeads: kvh,
					Vocab: 300, Context: 128, Type: typ, Seed: 7}))
				tokens := make([]int32, 37)
				for i := range tokens {
					tokens[i] = int32((i*131 + 7) % 300)
				}
				want := cpuLogits(t, l.Model, cpu.Options{KVType: cache.KVF32, Backend: cpu.BackendOptions{Reference: true}}, tokens)
				got := evalAll(t, l.Model, newEngine(t, dev, l.Model, cache.KVF32, 8), tokens)
				e := relErr(got, want)
				t.Logf("normalised logit error engine vs CPU reference: %.2e", e)
				assert.Less(t, e, 1e-5)
			})
		}
	}
}

// TestUnsupportedWeights: a matrix of a type without a GPU kernel fails
// with ErrUnsupported naming the tensor, and a failed New frees what it
// allocated.
func TestUnsupportedWeights(t *testing.T) {
	dev := vktest.Device(t)
	typ, ok := unsupportedType()
	if !ok {
		t.Skip("every known weight type has a GPU kernel")
	}
	l := openModel(t, testenv.Model(t, "stories260K-f32.gguf"))
	e := newEngine(t, dev, l.Model, cache.KVF32, 4)
	bs := typ.BlockSize()
	tn := &llama.Tensor{Name: "blk.0.attn_q.weight", Type: typ, Rows: 2, Cols: bs}
	_, err := e.upload(tn)
	require.Error(t, err)
	assert.ErrorIs(t, err, vk.ErrUnsupported)
	assert.Contains(t, err.Error(), "blk.0.attn_q.weight")

	before := dev.Stats()
	l.Model.Weights.Layers[0].Q.Type = typ // New must fail and clean up
	defer func() { l.Model.Weights.Layers[0].Q.Type = quant.F32 }()
	_, err = New(dev, l.Model, Options{KVType: cache.KVF32, KV: device.Options{Blocks: 4}})
	assert.ErrorIs(t, err, vk.ErrUnsupported)
	assert.Equal(t, before.BytesInUse, dev.Stats().BytesInUse, "a failed New frees what it allocated")
	assert.Equal(t, before.LiveObjects, dev.Stats().LiveObjects)
}

// unsupportedType returns a known block type the GPU kernels cannot read.
func unsupportedType() (quant.Type, bool) {
	for t := quant.Type(0); t < 64; t++ {
		if t.Known() && t.BlockSize() > 0 && !slices.Contains(kernels.WeightTypes, t) {
			return t, true
		}
	}
	return 0, false
}

// TestCloseFreesEverything checks the allocator is back to its state
// before New once the engine has run steps and closed.
func TestCloseFreesEverything(t *testing.T) {
	dev := vktest.Device(t)
	l := openModel(t, testenv.Model(t, "stories260K-f32.gguf"))
	before := dev.Stats()
	e, err := New(dev, l.Model, Options{KVType: cache.KVInt8, Profile: true})
	require.NoError(t, err)
	t.Cleanup(e.Close)
	assert.Greater(t, e.NumBlocks(), 2, "default size: a fraction of free memory")
	greedy(t, l.Model, e, []int32{1, 403, 407}, 4)
	prof, steps := e.Profile()
	assert.Equal(t, 4, steps)
	names := map[string]bool{}
	for _, kt := range prof {
		names[kt.Name] = true
		assert.Positive(t, kt.Calls)
	}
	// The first norm reads the embedding, the others fuse with the residual
	// add before them; the last block's add feeds Gather; Q/K/V and
	// gate/up+SwiGLU are one product each.
	for _, n := range []string{"matvec_f32", "matvec_qkv_f32", "matvec_glu_f32", "rmsnorm", "add_rmsnorm", "rope_kvstore",
		"attn_decode", "add", "embed"} {
		assert.True(t, names[n], "profile names %s: %v", n, names)
	}
	e.Close()
	e.Close()
	after := dev.Stats()
	assert.Equal(t, before.BytesInUse, after.BytesInUse)
	assert.Equal(t, before.LiveObjects, after.LiveObjects)
}

func TestStepErrors(t *testing.T) {
	dev := vktest.Device(t)
	l := openModel(t, testenv.Model(t, "stories260K-f32.gguf"))
	e, err := New(dev, l.Model, Options{KVType: cache.KVF32, MaxRows: 4, KV: device.Options{Blocks: 4}})
	require.NoError(t, err)
	defer e.Close()
	tests := []struct {
		name string
		b    llama.Batch
		want string
	}{
		{"too many rows", llama.Batch{BlockSize: 16, Seqs: []llama.Seq{{Tokens: make([]int32, 5), Blocks: []cache.BlockID{1}}}}, "rows"},
		{"null block", llama.Batch{BlockSize: 16, Seqs: []llama.Seq{{Tokens: []int32{1}, Blocks: []cache.BlockID{0}}}}, "block id 0"},
		{"block past pool", llama.Batch{BlockSize: 16, Seqs: []llama.Seq{{Tokens: []int32{1}, Blocks: []cache.BlockID{4}}}}, "block id 4"},
		{"block size", llama.Batch{BlockSize: 8, Seqs: []llama.Seq{{Tokens: []int32{1}, Blocks: []cache.BlockID{1}}}}, "block size"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.Step(&tt.b)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
	// The engine still works after the errors.
	_, err = e.Step(&llama.Batch{BlockSize: 16, Seqs: []llama.Seq{{Tokens: []int32{1, 2}, Blocks: []cache.BlockID{2}, Logits: []int{1}}}})
	assert.NoError(t, err)
}

// TestLongPrompt evaluates a prompt of several steps (the first ones
// without logit rows) and compares the last logits with the CPU path.
func TestLongPrompt(t *testing.T) {
	dev := vktest.Device(t)
	l := openModel(t, testenv.Model(t, "stories260K-f32.gguf"))
	m := l.Model
	tokens := make([]int32, 150)
	for i := range tokens {
		tokens[i] = int32((i*7919 + 13) % m.Config.Vocab)
	}
	s, err := cpu.NewSessionOn(m, newEngine(t, dev, m, cache.KVF32, 16), cpu.Options{})
	require.NoError(t, err)
	got, err := s.Eval(tokens, false)
	require.NoError(t, err)
	ref, err := cpu.NewSession(m, cpu.Options{KVType: cache.KVF32, Backend: cpu.BackendOptions{Reference: true}})
	require.NoError(t, err)
	want, err := ref.Eval(tokens, false)
	require.NoError(t, err)
	assert.Less(t, relErr(got, want), 1e-5)
}

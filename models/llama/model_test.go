package llama

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/internal/testenv"
	"github.com/vkllm/vkllm/models/gguf"
	"github.com/vkllm/vkllm/models/quant"
)

var errNoKey = errors.New("no key")

// fakeMeta is in-memory metadata; values are string, uint64 or float64.
type fakeMeta map[string]any

func get[T any](m fakeMeta, key string) (T, error) {
	var zero T
	v, ok := m[key]
	if !ok {
		return zero, fmt.Errorf("%s: %w", key, errNoKey)
	}
	t, ok := v.(T)
	if !ok {
		return zero, fmt.Errorf("%s: wrong type %T", key, v)
	}
	return t, nil
}

func (m fakeMeta) String(k string) (string, error) { return get[string](m, k) }
func (m fakeMeta) Uint(k string) (uint64, error)   { return get[uint64](m, k) }
func (m fakeMeta) Float(k string) (float64, error) { return get[float64](m, k) }

// fakeModel returns metadata and F32 tensors of a tiny GQA llama.
func fakeModel() (fakeMeta, map[string]RawTensor) {
	md := fakeMeta{
		"general.architecture": "llama", "llama.block_count": uint64(2), "llama.embedding_length": uint64(16),
		"llama.feed_forward_length": uint64(24), "llama.attention.head_count": uint64(4),
		"llama.attention.head_count_kv": uint64(2), "llama.context_length": uint64(64),
	}
	ts := map[string]RawTensor{}
	add := func(name string, dims ...uint64) {
		n := uint64(4)
		for _, d := range dims {
			n *= d
		}
		ts[name] = RawTensor{Type: quant.F32, Dims: dims, Data: make([]byte, n)}
	}
	add("token_embd.weight", 16, 32)
	add("output_norm.weight", 16)
	add("output.weight", 16, 32)
	for l := range 2 {
		add(fmt.Sprintf("blk.%d.attn_norm.weight", l), 16)
		add(fmt.Sprintf("blk.%d.ffn_norm.weight", l), 16)
		add(fmt.Sprintf("blk.%d.attn_q.weight", l), 16, 16)
		add(fmt.Sprintf("blk.%d.attn_k.weight", l), 16, 8)
		add(fmt.Sprintf("blk.%d.attn_v.weight", l), 16, 8)
		add(fmt.Sprintf("blk.%d.attn_output.weight", l), 16, 16)
		add(fmt.Sprintf("blk.%d.ffn_gate.weight", l), 16, 24)
		add(fmt.Sprintf("blk.%d.ffn_up.weight", l), 16, 24)
		add(fmt.Sprintf("blk.%d.ffn_down.weight", l), 24, 16)
	}
	return md, ts
}

func mapSource(ts map[string]RawTensor) TensorSource {
	return func(name string) (RawTensor, bool, error) {
		t, ok := ts[name]
		return t, ok, nil
	}
}

func TestNewConfig(t *testing.T) {
	md, ts := fakeModel()
	m, err := New(md, mapSource(ts), errNoKey)
	require.NoError(t, err)
	want := Config{Arch: "llama", Layers: 2, Dim: 16, FFN: 24, Heads: 4, KVHeads: 2, HeadDim: 4, Vocab: 32,
		Context: 64, RopeBase: DefaultRopeBase, RopeDims: 4, NormEps: DefaultNormEps}
	assert.Equal(t, want, m.Config)
	assert.Len(t, m.Weights.All, 3+2*9)
	for i, w := range m.Weights.All {
		assert.Equal(t, i, w.ID)
	}
	assert.Equal(t, 8, m.Weights.Layers[1].K.Rows)
	assert.Equal(t, 24, m.Weights.Layers[1].Down.Cols)
}

func TestTiedOutput(t *testing.T) {
	md, ts := fakeModel()
	delete(ts, "output.weight")
	m, err := New(md, mapSource(ts), errNoKey)
	require.NoError(t, err)
	assert.True(t, m.Config.TiedOutput)
	assert.Same(t, m.Weights.TokenEmbd, m.Weights.Output)
	assert.Len(t, m.Weights.All, 2+2*9)
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name   string
		change func(fakeMeta, map[string]RawTensor)
		want   string
	}{
		{"wrong architecture", func(md fakeMeta, _ map[string]RawTensor) { md["general.architecture"] = "gpt2" },
			`unsupported architecture "gpt2"`},
		{"missing tensor", func(_ fakeMeta, ts map[string]RawTensor) { delete(ts, "blk.1.ffn_up.weight") },
			"missing tensor blk.1.ffn_up.weight"},
		{"wrong shape", func(_ fakeMeta, ts map[string]RawTensor) {
			k := ts["blk.0.attn_k.weight"]
			k.Dims = []uint64{16, 16}
			ts["blk.0.attn_k.weight"] = k
		}, "tensor blk.0.attn_k.weight: wrong shape [16 16], want [16 8]"},
		{"unsupported type", func(_ fakeMeta, ts map[string]RawTensor) {
			q := ts["blk.0.attn_q.weight"]
			q.Type = quant.IQ2_XXS
			ts["blk.0.attn_q.weight"] = q
		}, "tensor blk.0.attn_q.weight: unsupported tensor type IQ2_XXS"},
		{"quantized norm", func(_ fakeMeta, ts map[string]RawTensor) {
			n := ts["output_norm.weight"]
			n.Type = quant.F16
			ts["output_norm.weight"] = n
		}, "unsupported tensor type F16 for a vector"},
		{"short data", func(_ fakeMeta, ts map[string]RawTensor) {
			v := ts["blk.1.attn_v.weight"]
			v.Data = v.Data[:10]
			ts["blk.1.attn_v.weight"] = v
		}, "tensor blk.1.attn_v.weight: 10 bytes of data, want 512"},
		{"missing key", func(md fakeMeta, _ map[string]RawTensor) { delete(md, "llama.block_count") },
			"llama.block_count"},
		{"bad GQA", func(md fakeMeta, _ map[string]RawTensor) { md["llama.attention.head_count_kv"] = uint64(3) },
			"not a multiple of head_count_kv 3"},
		{"huge dim", func(md fakeMeta, _ map[string]RawTensor) { md["llama.embedding_length"] = uint64(1 << 40) },
			"too large"},
		{"wrong key type", func(md fakeMeta, _ map[string]RawTensor) { md["llama.rope.freq_base"] = "x" },
			"llama.rope.freq_base"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			md, ts := fakeModel()
			tt.change(md, ts)
			_, err := New(md, mapSource(ts), errNoKey)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestLoadStories(t *testing.T) {
	f, err := gguf.Open(testenv.Model(t, "stories260K-f32.gguf"))
	require.NoError(t, err)
	defer f.Close()
	m, err := Load(f)
	require.NoError(t, err)
	c := m.Config
	assert.Equal(t, [7]int{5, 64, 172, 8, 4, 512, 512}, [7]int{c.Layers, c.Dim, c.FFN, c.Heads, c.KVHeads, c.Vocab, c.Context})
	assert.Equal(t, 8, c.RopeDims)
	assert.False(t, c.RopeNeoX)
}

func TestRegister(t *testing.T) {
	assert.Contains(t, Archs(), "llama")
	assert.Panics(t, func() { Register(Family{Arch: "llama"}) })
}

package synth

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/models/gguf"
	"github.com/vkllm/vkllm/models/quant"
)

// With 8 layers llama.cpp's use_more_bits picks layers 0 (first eighth),
// 7 (last eighth), 3 and 6 ((i-1)%3 == 2) for the Q6_K attn_v and ffn_down.
func TestMixQ4KMTypes(t *testing.T) {
	cfg := Config{Layers: 8, Dim: 256, FFN: 512, Heads: 4, KVHeads: 2, Vocab: 300, Context: 64, Mix: MixQ4KM, Seed: 1}
	f, err := gguf.Open(TempModel(t, cfg))
	require.NoError(t, err)
	defer f.Close()
	want := map[string]quant.Type{
		"token_embd.weight": quant.Q4_K, "output.weight": quant.Q6_K, "output_norm.weight": quant.F32,
	}
	six := map[int]bool{0: true, 3: true, 6: true, 7: true}
	for i := range 8 {
		p := fmt.Sprintf("blk.%d.", i)
		big := quant.Q4_K
		if six[i] {
			big = quant.Q6_K
		}
		want[p+"attn_v.weight"], want[p+"ffn_down.weight"] = big, big
		for _, n := range []string{"attn_q", "attn_k", "attn_output", "ffn_gate", "ffn_up"} {
			want[p+n+".weight"] = quant.Q4_K
		}
		want[p+"attn_norm.weight"], want[p+"ffn_norm.weight"] = quant.F32, quant.F32
	}
	for name, typ := range want {
		ti, ok := f.Tensor(name)
		require.True(t, ok, name)
		assert.Equal(t, typ, ti.Type, name)
	}
	ft, err := f.Uint("general.file_type")
	require.NoError(t, err)
	assert.Equal(t, uint64(15), ft, "LLAMA_FTYPE_MOSTLY_Q4_K_M")
	qv, err := f.Uint("general.quantization_version")
	require.NoError(t, err)
	assert.Equal(t, uint64(quantizationVersion), qv)
}

func TestMoreBits(t *testing.T) {
	var got []int
	for i := range 32 {
		if moreBits(i, 32) {
			got = append(got, i)
		}
	}
	// n/8 = 4, 7n/8 = 28; between them every third layer from 4+2.
	assert.Equal(t, []int{0, 1, 2, 3, 6, 9, 12, 15, 18, 21, 24, 27, 28, 29, 30, 31}, got)
}

// Tied embeddings make token_embd the output projection, which the recipe
// keeps at Q6_K.
func TestMixQ4KMTied(t *testing.T) {
	cfg := Config{Layers: 1, Dim: 256, FFN: 256, Heads: 2, Vocab: 300, Context: 64, Mix: MixQ4KM, TiedEmbeddings: true}
	f, err := gguf.Open(TempModel(t, cfg))
	require.NoError(t, err)
	defer f.Close()
	ti, ok := f.Tensor("token_embd.weight")
	require.True(t, ok)
	assert.Equal(t, quant.Q6_K, ti.Type)
}

func TestMixValidation(t *testing.T) {
	base := Config{Layers: 2, Dim: 256, FFN: 512, Heads: 4, Vocab: 300, Mix: MixQ4KM}
	tests := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"dim", func(c *Config) { c.Dim = 128 }, "token_embd.weight: row length 128 is not a multiple of the Q4_K block size 256"},
		{"ffn", func(c *Config) { c.FFN = 384 }, "blk.0.ffn_down.weight: row length 384 is not a multiple of the Q4_K block size 256"},
		{"type", func(c *Config) { c.Type = quant.Q8_0 }, "mix q4_k_m has base type Q4_K, not Q8_0"},
		{"unknown", func(c *Config) { c.Mix = "q3_k_s" }, `unknown mix "q3_k_s"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := base
			tt.edit(&cfg)
			_, err := Resolve(cfg)
			assert.ErrorContains(t, err, tt.want)
		})
	}
	cfg, err := Resolve(base)
	require.NoError(t, err)
	assert.Equal(t, quant.Q4_K, cfg.Type)
}

func TestParseWeights(t *testing.T) {
	tests := []struct {
		in   string
		typ  quant.Type
		mix  string
		fail bool
	}{
		{"q4_k_m", quant.Q4_K, MixQ4KM, false},
		{"Q4_K_M", quant.Q4_K, MixQ4KM, false},
		{"q6_k", quant.Q6_K, "", false},
		{"f32", quant.F32, "", false},
		{"q4_k_x", 0, "", true},
	}
	for _, tt := range tests {
		typ, mix, err := ParseWeights(tt.in)
		if tt.fail {
			assert.ErrorContains(t, err, "q4_k_m", tt.in)
			continue
		}
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.typ, typ, tt.in)
		assert.Equal(t, tt.mix, mix, tt.in)
	}
}

// Every type the quantizers produce can be written on its own too.
func TestKQuantTypes(t *testing.T) {
	for _, typ := range []quant.Type{quant.Q4_1, quant.Q4_K, quant.Q5_K, quant.Q6_K} {
		cfg := Config{Layers: 1, Dim: 256, FFN: 256, Heads: 2, Vocab: 300, Context: 64, Type: typ}
		f, err := gguf.Open(TempModel(t, cfg))
		require.NoError(t, err, typ)
		ti, ok := f.Tensor("blk.0.ffn_up.weight")
		require.True(t, ok)
		assert.Equal(t, typ, ti.Type)
		f.Close()
	}
}

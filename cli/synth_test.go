package cli

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/models/gguf"
	"github.com/vkllm/vkllm/models/quant"
)

func TestSynthCommand(t *testing.T) {
	out := filepath.Join(t.TempDir(), "m.gguf")
	require.NoError(t, Main([]string{"vkllm", "synth", "--layers", "2", "--dim", "64", "--ffn", "96",
		"--heads", "4", "--kv-heads", "2", "--vocab", "300", "--ctx", "128", "--type", "q8_0",
		"--seed", "3", "--tied", "-o", out}))
	f, err := gguf.Open(out)
	require.NoError(t, err)
	defer f.Close()
	for key, want := range map[string]uint64{
		"llama.block_count": 2, "llama.embedding_length": 64, "llama.feed_forward_length": 96,
		"llama.attention.head_count": 4, "llama.attention.head_count_kv": 2,
		"llama.context_length": 128, "llama.vocab_size": 300,
	} {
		got, err := f.Uint(key)
		require.NoError(t, err, key)
		assert.Equal(t, want, got, key)
	}
	q, ok := f.Tensor("blk.1.ffn_up.weight")
	require.True(t, ok)
	assert.Equal(t, quant.Q8_0, q.Type)
	_, ok = f.Tensor("output.weight")
	assert.False(t, ok, "--tied must drop output.weight")
}

func TestSynthCommandErrors(t *testing.T) {
	out := filepath.Join(t.TempDir(), "m.gguf")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--type", "q9_9"}, "unknown type name"},
		{[]string{"--heads", "5"}, "not divisible by heads"},
		{[]string{"--type", "q8_0", "--ffn", "172"}, "blk.0.ffn_down.weight"},
	}
	for _, tt := range tests {
		args := append([]string{"vkllm", "synth", "--layers", "1", "-o", out}, tt.args...)
		assert.ErrorContains(t, Main(args), tt.want)
		assert.NoFileExists(t, out)
	}
}

func TestSynthCommandQ4KM(t *testing.T) {
	out := filepath.Join(t.TempDir(), "m.gguf")
	require.NoError(t, Main([]string{"vkllm", "synth", "--layers", "1", "--dim", "256", "--ffn", "256",
		"--heads", "2", "--vocab", "300", "--ctx", "64", "--type", "q4_k_m", "-o", out}))
	f, err := gguf.Open(out)
	require.NoError(t, err)
	defer f.Close()
	for name, want := range map[string]quant.Type{
		"blk.0.attn_q.weight": quant.Q4_K, "blk.0.attn_v.weight": quant.Q6_K, "output.weight": quant.Q6_K,
	} {
		ti, ok := f.Tensor(name)
		require.True(t, ok, name)
		assert.Equal(t, want, ti.Type, name)
	}
	err = Main([]string{"vkllm", "synth", "--layers", "1", "--dim", "64", "--heads", "2", "--type", "q4_k_m", "-o", out + "2"})
	assert.ErrorContains(t, err, "token_embd.weight: row length 64 is not a multiple of the Q4_K block size 256")
}

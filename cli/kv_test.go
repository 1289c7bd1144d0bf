package cli

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/internal/testenv"
)

func TestKVConfigJSON(t *testing.T) {
	out, errOut, err := runApp(t, "", "kv", "--config", "llama3-8b", "--ctx", "8192", "--seqs", "4", "--json")
	require.NoError(t, err, errOut)
	var r struct {
		Layers, Heads, KVHeads, HeadDim int
		KV                              map[string]struct {
			BytesPerToken int   `json:"bytes_per_token"`
			Bytes         int64 `json:"bytes"`
		} `json:"kv"`
		MHA int `json:"mha_f16_bytes_per_token"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &r))
	assert.Equal(t, 32, r.Layers)
	assert.Equal(t, 32, r.Heads)
	// 2 × 32 layers × 8 KV heads × 128 × bytes (+4 scale bytes for int8).
	assert.Equal(t, 262144, r.KV["f32"].BytesPerToken)
	assert.Equal(t, 131072, r.KV["f16"].BytesPerToken)
	assert.Equal(t, 2*32*8*(128+4), r.KV["int8"].BytesPerToken)
	assert.Equal(t, int64(131072)*8192*4, r.KV["f16"].Bytes)
	assert.Equal(t, 4*131072, r.MHA)
	assert.LessOrEqual(t, float64(r.KV["int8"].BytesPerToken), 0.52*float64(r.KV["f16"].BytesPerToken))
}

func TestKVJSONKeys(t *testing.T) {
	out, _, err := runApp(t, "", "kv", "--config", "llama2-7b", "--json")
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &m))
	for _, k := range []string{"layers", "heads", "kv_heads", "head_dim", "kv", "mha_f16_bytes_per_token"} {
		assert.Contains(t, m, k)
	}
	assert.Equal(t, 0.0, m["gqa_saved_fraction"], "llama 2 7B is MHA")
}

func TestKVModelTable(t *testing.T) {
	out, errOut, err := runApp(t, "", "kv", "-m", testenv.Model(t, "stories260K-f32.gguf"), "--ctx", "100")
	require.NoError(t, err, errOut)
	assert.Contains(t, out, "5 layers, 8 heads, 4 KV heads, head dim 8")
	assert.Contains(t, out, "int8              480")
	// 7 blocks of 16 tokens × 10 pools × 4 heads × 16 × (8 + 4) bytes.
	assert.Contains(t, out, "52.50 KiB")
	assert.Contains(t, out, "GQA saves 50.0%")
}

func TestKVErrors(t *testing.T) {
	tests := [][]string{
		{"kv"},
		{"kv", "--config", "nope"},
		{"kv", "--config", "llama3-8b", "-m", "x.gguf"},
		{"kv", "--config", "llama3-8b", "--seqs", "0"},
	}
	for _, args := range tests {
		_, _, err := runApp(t, "", args...)
		assert.Error(t, err, "%v", args)
	}
}

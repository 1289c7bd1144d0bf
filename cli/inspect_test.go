package cli

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/internal/testenv"
	"github.com/vkllm/vkllm/models/llama"
)

func TestInspect(t *testing.T) {
	model := testenv.Model(t, "stories260K-f32.gguf")
	out, _, err := runApp(t, "", "inspect", model)
	require.NoError(t, err)
	assert.Contains(t, out, "architecture: llama")
	assert.Contains(t, out, "layers 5, dim 64, ffn 172, heads 8, kv heads 4, head dim 8, vocab 512, context 512")
	assert.Contains(t, out, "kv bytes/token: f32 1280, f16 640, int8 480")
	assert.Contains(t, out, "blk.0.attn_k.weight")

	out, _, err = runApp(t, "", "inspect", "--json", model)
	require.NoError(t, err)
	var info llama.Info
	require.NoError(t, json.Unmarshal([]byte(out), &info))
	assert.Equal(t, 512, info.Tokenizer.Vocab)
	assert.Equal(t, int32(1), info.Tokenizer.BOS)
	assert.Equal(t, int32(2), info.Tokenizer.EOS)
	assert.Len(t, info.Tensors, 3+5*9)
	assert.Equal(t, 480, info.KVBytesPerToken["int8"])
}

func TestInspectErrors(t *testing.T) {
	_, _, err := runApp(t, "", "inspect")
	assert.ErrorContains(t, err, "want one MODEL")
	_, _, err = runApp(t, "", "inspect", testenv.Shared(t, "vocab/ggml-vocab-gpt-2.gguf"))
	assert.ErrorContains(t, err, "unsupported architecture")
}

package gguf

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/internal/testenv"
	"github.com/vkllm/vkllm/models/quant"
)

// Facts about the shared files, from their READMEs and llama.cpp's dump.
func TestRealModels(t *testing.T) {
	tests := []struct {
		file     string
		tensors  int
		arch     string
		uints    map[string]uint64
		vocab    int
		embdType quant.Type
	}{
		{"stories260K-f32.gguf", 48, "llama", map[string]uint64{"llama.block_count": 5, "llama.attention.head_count_kv": 4, "llama.context_length": 512, "llama.embedding_length": 64}, 512, quant.F32},
		{"stories260K-f16.gguf", 48, "llama", map[string]uint64{"llama.feed_forward_length": 172, "tokenizer.ggml.bos_token_id": 1}, 512, quant.F16},
		{"llama-2-tiny-random.gguf", 12, "llama", map[string]uint64{"llama.block_count": 1, "llama.embedding_length": 8}, 32000, quant.F16},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f, err := Open(testenv.Model(t, tt.file))
			require.NoError(t, err)
			defer f.Close()
			assert.Len(t, f.Tensors, tt.tensors)
			assert.Equal(t, tt.arch, f.Arch())
			for k, want := range tt.uints {
				got, err := f.Uint(k)
				require.NoError(t, err, k)
				assert.Equal(t, want, got, k)
			}
			toks, err := f.Strings("tokenizer.ggml.tokens")
			require.NoError(t, err)
			assert.Len(t, toks, tt.vocab)
			types, err := f.Int32s("tokenizer.ggml.token_type")
			require.NoError(t, err)
			assert.Len(t, types, tt.vocab)
			embd, ok := f.Tensor("token_embd.weight")
			require.True(t, ok)
			assert.Equal(t, tt.embdType, embd.Type)
			assert.Equal(t, uint64(tt.vocab), embd.Dims[1])
			checkTensorsDecode(t, f)
		})
	}
}

// Every tensor's data must be readable and decode to finite values.
func checkTensorsDecode(t *testing.T, f *File) {
	t.Helper()
	for _, ti := range f.Tensors {
		data, err := f.TensorData(ti.Name)
		require.NoError(t, err, ti.Name)
		vals := make([]float32, ti.Elements())
		require.NoError(t, quant.Dequantize(ti.Type, data, vals), ti.Name)
		for i, v := range vals {
			require.False(t, v != v || v > 1e30 || v < -1e30, "%s[%d] = %g", ti.Name, i, v)
		}
	}
}

// The mapped and ReaderAt paths agree on metadata and every tensor's bytes.
func TestReadMatchesOpen(t *testing.T) {
	for _, name := range []string{"stories260K-f16.gguf", "llama-2-tiny-random.gguf"} {
		path := testenv.Model(t, name)
		r, err := os.Open(path)
		require.NoError(t, err)
		defer r.Close()
		st, err := r.Stat()
		require.NoError(t, err)
		g, err := Read(r, st.Size())
		require.NoError(t, err)
		m, err := Open(path)
		require.NoError(t, err)
		defer m.Close()
		assert.Equal(t, m.KV, g.KV)
		assert.Equal(t, m.Tensors, g.Tensors)
		for _, ti := range g.Tensors {
			a, err := g.TensorData(ti.Name)
			require.NoError(t, err)
			b, err := m.TensorData(ti.Name)
			require.NoError(t, err)
			require.Equal(t, b, a, ti.Name)
		}
	}
}
func TestRealVocabs(t *testing.T) {
	tests := []struct {
		file   string
		arch   string
		model  string
		tokens int
		merges int // 0: none
	}{
		{"ggml-vocab-gpt-2.gguf", "gpt2", "gpt2", 50257, 50000},
		{"ggml-vocab-deepseek-coder.gguf", "llama", "gpt2", 32256, 31757},
		{"ggml-vocab-llama-spm.gguf", "llama", "llama", 32000, 0},
		{"ggml-vocab-phi-3.gguf", "phi3", "llama", 32064, 0},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f, err := Open(testenv.Shared(t, "vocab/"+tt.file))
			require.NoError(t, err)
			defer f.Close()
			assert.Empty(t, f.Tensors)
			assert.Equal(t, tt.arch, f.Arch())
			model, err := f.String("tokenizer.ggml.model")
			require.NoError(t, err)
			assert.Equal(t, tt.model, model)
			toks, err := f.Strings("tokenizer.ggml.tokens")
			require.NoError(t, err)
			assert.Len(t, toks, tt.tokens)
			merges, err := f.Strings("tokenizer.ggml.merges")
			if tt.merges == 0 {
				assert.ErrorIs(t, err, ErrNoKey)
				return
			}
			require.NoError(t, err)
			assert.Len(t, merges, tt.merges)
		})
	}
}

// BenchmarkOpenVocab measures parsing a 50k-token, 50k-merge vocabulary.
func BenchmarkOpenVocab(b *testing.B) {
	path := testenv.Shared(b, "vocab/ggml-vocab-gpt-2.gguf")
	for b.Loop() {
		f, err := Open(path)
		if err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
}

package synth

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/internal/testenv"
	"github.com/vkllm/vkllm/models/gguf"
	"github.com/vkllm/vkllm/models/quant"
)

func TestVocabFrom(t *testing.T) {
	src := testenv.Model(t, "stories260K-f32.gguf")
	ref, err := gguf.Open(src)
	require.NoError(t, err)
	defer ref.Close()
	var want []gguf.KV
	for _, kv := range ref.KV {
		if strings.HasPrefix(kv.Key, "tokenizer.") {
			want = append(want, kv)
		}
	}
	require.NotEmpty(t, want)

	cfg := small(quant.Q8_0)
	cfg.Vocab, cfg.VocabFrom = 0, src
	f, err := gguf.Open(TempModel(t, cfg))
	require.NoError(t, err)
	defer f.Close()
	var got []gguf.KV
	for _, kv := range f.KV {
		if strings.HasPrefix(kv.Key, "tokenizer.") {
			got = append(got, kv)
		}
	}
	assert.Equal(t, want, got)
	emb, ok := f.Tensor("token_embd.weight")
	require.True(t, ok)
	assert.Equal(t, []uint64{64, 512}, emb.Dims)
	n, err := f.Uint("llama.vocab_size")
	require.NoError(t, err)
	assert.Equal(t, uint64(512), n)

	cfg.Vocab = 512
	assert.NoError(t, Write(&failWriter{n: 1 << 30}, cfg), "a matching vocab size is fine")
	cfg.Vocab = 300
	assert.ErrorContains(t, Write(&failWriter{n: 1 << 30}, cfg), "vocab 300 does not match the 512 tokens")
}

func TestBuiltinVocab(t *testing.T) {
	tests := []struct {
		vocab, wantLen, wantUnused int
	}{
		{MinVocab, MinVocab, 0},
		{300, 300, 0},
		{0, MinVocab + len(builtinPieces()), 0},
		{4000, 4000, 4000 - MinVocab - len(builtinPieces())},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.vocab), func(t *testing.T) {
			cfg := small(quant.F32)
			cfg.Vocab = tt.vocab
			f, err := gguf.Open(TempModel(t, cfg))
			require.NoError(t, err)
			defer f.Close()
			tokens, err := f.Strings("tokenizer.ggml.tokens")
			require.NoError(t, err)
			types, err := f.Int32s("tokenizer.ggml.token_type")
			require.NoError(t, err)
			scores, err := f.Float32s("tokenizer.ggml.scores")
			require.NoError(t, err)
			require.Len(t, tokens, tt.wantLen)
			require.Len(t, types, tt.wantLen)
			require.Len(t, scores, tt.wantLen)
			checkBuiltinTokens(t, tokens, types, scores, tt.wantUnused)
			emb, ok := f.Tensor("token_embd.weight")
			require.True(t, ok)
			assert.Equal(t, uint64(tt.wantLen), emb.Dims[1])
			model, err := f.String("tokenizer.ggml.model")
			require.NoError(t, err)
			assert.Equal(t, "llama", model)
		})
	}
}

func checkBuiltinTokens(t *testing.T, tokens []string, types []int32, scores []float32, wantUnused int) {
	t.Helper()
	assert.Equal(t, []string{"<unk>", "<s>", "</s>"}, tokens[:3])
	assert.Equal(t, []int32{tokUnknown, tokControl, tokControl}, types[:3])
	for b := range 256 {
		assert.Equal(t, fmt.Sprintf("<0x%02X>", b), tokens[3+b])
		assert.Equal(t, int32(tokByte), types[3+b])
	}
	seen := map[string]bool{}
	unused := 0
	for i, tok := range tokens {
		assert.False(t, seen[tok], "duplicate token %q", tok)
		seen[tok] = true
		if types[i] == tokUnused {
			unused++
		}
		if i > MinVocab && types[i] == tokNormal && types[i-1] == tokNormal {
			assert.Less(t, scores[i], scores[i-1], "scores must fall with the index")
		}
	}
	assert.Equal(t, wantUnused, unused)
}

// TestBuiltinPiecesReachable checks that every "▁"-word piece can be built by
// SentencePiece merges: its prefix one character shorter is a piece too.
func TestBuiltinPiecesReachable(t *testing.T) {
	pieces := builtinPieces()
	have := map[string]bool{}
	for _, p := range pieces {
		have[p] = true
	}
	for _, p := range pieces {
		rest, ok := strings.CutPrefix(p, spaceMark)
		if !ok || len(rest) <= 1 {
			continue
		}
		assert.True(t, have[spaceMark+rest[:len(rest)-1]], "%q has no prefix piece", p)
	}
	assert.True(t, have[spaceMark+"the"])
}

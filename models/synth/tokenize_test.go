package synth

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/models/gguf"
	"github.com/vkllm/vkllm/models/quant"
	"github.com/vkllm/vkllm/models/tokenizer"
)

// TestBuiltinVocabTokenizes checks that the built-in vocabulary serves a real
// SentencePiece tokenizer: any text round-trips (bytes fall back to <0xNN>)
// and common words become single pieces through merges.
func TestBuiltinVocabTokenizes(t *testing.T) {
	cfg := small(quant.F32)
	cfg.Vocab = 0
	f, err := gguf.Open(TempModel(t, cfg))
	require.NoError(t, err)
	defer f.Close()
	tok, err := tokenizer.FromGGUF(f)
	require.NoError(t, err)
	tokens, err := f.Strings("tokenizer.ggml.tokens")
	require.NoError(t, err)

	for _, text := range []string{
		"Once upon a time, there was a little girl named Lily.",
		"Ünïcödé 文字 and emoji 🙂, tabs\tand\nnewlines",
		"",
	} {
		ids := tok.Encode(text, false)
		assert.Equal(t, text, tok.Decode(ids), "round trip of %q", text)
	}
	ids := tok.Encode("the little dog", false)
	var pieces []string
	for _, id := range ids {
		pieces = append(pieces, tokens[id])
	}
	assert.Equal(t, []string{spaceMark + "the", spaceMark + "little", spaceMark + "dog"}, pieces)
	withBOS := tok.Encode("the", true)
	require.NotEmpty(t, withBOS)
	assert.Equal(t, int32(bosID), withBOS[0])
}

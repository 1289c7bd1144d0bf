package tokenizer

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/internal/testenv"
)

// TestRoundTrip decodes the encoding of every vector. llama.cpp's own
// round trip holds for all of them except where its clean-up of
// tokenization spaces (GPT-2 only) rewrites " ?" and the like: there the
// expected text is the cleaned one.
func TestRoundTrip(t *testing.T) {
	for _, name := range vocabNames {
		t.Run(name, func(t *testing.T) {
			tok := loadVocab(t, name)
			for i, v := range readVectors(t, name) {
				want := v.text
				if tok.cleanSpaces {
					want = cleanSpaces(want)
				}
				assert.Equal(t, want, tok.Decode(tok.Encode(v.text, false)), "vector %d", i)
				assert.Equal(t, want, tok.Decode(tok.Encode(v.text, true)), "vector %d with BOS", i)
			}
		})
	}
}

type storiesRef struct {
	Prompt       string  `json:"prompt"`
	PromptIDs    []int32 `json:"prompt_ids_with_bos"`
	GeneratedIDs []int32 `json:"generated_ids"`
	Continuation string  `json:"continuation"`
}

func readStoriesRef(t *testing.T) storiesRef {
	t.Helper()
	b, err := os.ReadFile(testenv.Shared(t, "reference/stories260K-p1.json"))
	require.NoError(t, err)
	var ref storiesRef
	require.NoError(t, json.Unmarshal(b, &ref))
	require.NotEmpty(t, ref.PromptIDs)
	return ref
}

// TestStoriesPrompt checks the prompt ids llama.cpp gave stories260K, and
// that streaming the generated ids reproduces its continuation text.
func TestStoriesPrompt(t *testing.T) {
	ref := readStoriesRef(t)
	for _, file := range []string{"stories260K-f32.gguf", "stories260K-f16.gguf"} {
		t.Run(file, func(t *testing.T) {
			tok := loadGGUF(t, testenv.Model(t, file))
			assert.Equal(t, 512, tok.VocabSize())
			assert.True(t, tok.AddBOS())
			assert.Equal(t, ref.PromptIDs, tok.Encode(ref.Prompt, true))
			assert.Equal(t, ref.Prompt, tok.Decode(ref.PromptIDs))

			d := tok.NewDecoder()
			var got string
			for _, id := range ref.GeneratedIDs {
				got += d.Next(id)
			}
			got += d.Flush()
			assert.Equal(t, ref.Continuation, got)
			assert.Equal(t, ref.Continuation, tok.Decode(ref.GeneratedIDs))
		})
	}
}

func TestLlama2TinyRandom(t *testing.T) {
	tok := loadGGUF(t, testenv.Model(t, "llama-2-tiny-random.gguf"))
	spm := loadVocab(t, "llama-spm")
	assert.Equal(t, 32000, tok.VocabSize())
	for _, v := range readVectors(t, "llama-spm") {
		assert.Equal(t, spm.Encode(v.text, true), tok.Encode(v.text, true), "%q", v.text)
	}
}

// TestConcurrentUse encodes and decodes from several goroutines; run with
// -race it checks that a Tokenizer is read-only after FromGGUF.
func TestConcurrentUse(t *testing.T) {
	tok := loadVocab(t, "gpt-2")
	vs := readVectors(t, "gpt-2")
	done := make(chan bool)
	for g := 0; g < 4; g++ {
		go func() {
			ok := true
			for _, v := range vs {
				ok = ok && assert.Equal(t, v.ids, tok.Encode(v.text, false)) && tok.Decode(v.ids) != "\x00"
			}
			done <- ok
		}()
	}
	for g := 0; g < 4; g++ {
		assert.True(t, <-done)
	}
}

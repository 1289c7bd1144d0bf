package tokenizer

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

var vocabNames = []string{"llama-spm", "phi-3", "gpt-2", "deepseek-coder"}

// TestVectors checks every llama.cpp test vector of every shared vocabulary.
func TestVectors(t *testing.T) {
	for _, name := range vocabNames {
		t.Run(name, func(t *testing.T) {
			tok := loadVocab(t, name)
			for i, v := range readVectors(t, name) {
				assert.Equal(t, v.ids, tok.Encode(v.text, false), "vector %d %q", i, v.text)
			}
		})
	}
}

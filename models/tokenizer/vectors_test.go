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
				got := tok.Encode(v.text, false)
				if len(v.ids) == 0 {
					assert.Empty(t, got, "vector %d %q", i, v.text)
					continue
				}
				assert.Equal(t, v.ids, got, "vector %d %q", i, v.text)
			}
		})
	}
}

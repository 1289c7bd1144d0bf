package tokenizer

import (
	"fmt"

	"github.com/vkllm/vkllm/models/gguf"
)

// FromFile builds the tokenizer of a GGUF file, reading its metadata only
// (no tensor data), so vocabulary-only files work.
func FromFile(path string) (*Tokenizer, error) {
	f, err := gguf.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	t, err := FromGGUF(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

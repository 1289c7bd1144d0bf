package cpu

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/cache"
)

// TestReferenceTokens reproduces llama.cpp's greedy continuation of the
// reference prompt token for token, for both weight files and both paths.
func TestReferenceTokens(t *testing.T) {
	ref := loadReference(t)
	for _, file := range []string{"stories260K-f32.gguf", "stories260K-f16.gguf"} {
		for _, mode := range []struct {
			name string
			opt  BackendOptions
		}{{"reference", BackendOptions{Reference: true}}, {"fast", BackendOptions{}}} {
			t.Run(file+"/"+mode.name, func(t *testing.T) {
				l := openModel(t, file)
				s, err := NewSession(l.Model, Options{KVType: cache.KVF32, Backend: mode.opt})
				require.NoError(t, err)
				var got []int32
				st, err := s.Generate(context.Background(), ref.PromptIDs, GenerateParams{MaxTokens: ref.NPredict, Sampler: argmax{}},
					func(id int32) error { got = append(got, id); return nil })
				require.NoError(t, err)
				assert.Equal(t, ref.GeneratedIDs, got)
				assert.Equal(t, len(ref.PromptIDs), st.PromptTokens)
				assert.Equal(t, ref.NPredict, st.GenTokens)
			})
		}
	}
}

package cpu

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/cache"
	"github.com/vkllm/vkllm/internal/quality"
)

// TestSessionOnStepper runs a session on a caller-made backend whose pool
// is smaller than the context: the session's context shrinks to the pool,
// and generation matches a session that made its own pool.
func TestSessionOnStepper(t *testing.T) {
	ref := quality.LoadReference(t)
	l := openModel(t, "stories260K-f32.gguf")
	m := l.Model
	layout := cache.Layout{Type: cache.KVF32, BlockSize: 8, KVHeads: m.Config.KVHeads, HeadDim: m.Config.HeadDim}
	kv, err := cache.NewHostPool(m.Config.Layers, layout, 11) // 10 usable blocks: 80 tokens
	require.NoError(t, err)
	be, err := NewBackend(m, kv, BackendOptions{})
	require.NoError(t, err)
	s, err := NewSessionOn(m, be, Options{KVType: cache.KVInt8, BlockSize: 32}) // ignored: the backend's pool decides
	require.NoError(t, err)
	assert.Equal(t, 80, s.Context())
	assert.Equal(t, layout, s.Layout())
	var got []int32
	st, err := s.Generate(context.Background(), ref.PromptIDs, GenerateParams{MaxTokens: 200, Sampler: quality.Greedy{}},
		func(id int32) error { got = append(got, id); return nil })
	require.NoError(t, err)
	assert.Equal(t, 80, s.Len(), "stops at the full pool")
	n := min(len(got), len(ref.GeneratedIDs))
	assert.Equal(t, ref.GeneratedIDs[:n], got[:n])
	assert.Equal(t, 80-len(ref.PromptIDs)+1, st.GenTokens)
}

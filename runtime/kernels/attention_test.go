package kernels

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/cache"
)

// TestAttnMeta checks the header (pos, table offset) and that a table
// shared by several rows is stored once while equal contents in distinct
// slices are not merged.
func TestAttnMeta(t *testing.T) {
	a := []cache.BlockID{7, 3}
	b := []cache.BlockID{7, 3}
	got := AttnMeta([]AttnRow{{Pos: 20, Table: a}, {Pos: 21, Table: a}, {Pos: 0, Table: b}})
	assert.Equal(t, []int32{20, 6, 21, 6, 0, 8, 7, 3, 7, 3}, got)
	assert.Empty(t, AttnMeta(nil))
}

func TestDecodeSplits(t *testing.T) {
	tests := []struct {
		ctx, rows, kvHeads int
		want               uint32
	}{
		{1, 1, 8, 1},       // one token: nothing to split
		{64, 1, 8, 1},      // one tile
		{1024, 1, 8, 16},   // long context, few workgroups
		{4096, 1, 4, 64},   // capped by the target
		{4096, 1, 1, 64},   // capped by maxSplits
		{4096, 64, 8, 1},   // the rows fill the device
		{300, 2, 4, 5},     // ceil(300/64)
		{100000, 1, 1, 64}, // never above maxSplits
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, DecodeSplits(tt.ctx, tt.rows, tt.kvHeads), "%+v", tt)
	}
}

// TestPrefillTiles checks the tiling fits the shared-memory budget and the
// accumulator cap, and that an impossible shape is refused.
func TestPrefillTiles(t *testing.T) {
	for _, tc := range []struct {
		heads, kv, dim int
		limit          uint32
	}{{8, 4, 64, 32768}, {32, 8, 128, 32768}, {32, 8, 128, 16384}, {8, 1, 256, 16384}, {8, 4, 8, 32768}} {
		s := AttnShape{Layout: cache.Layout{Type: cache.KVF16, BlockSize: 16, KVHeads: tc.kv, HeadDim: tc.dim}, Heads: tc.heads}
		q, kt, err := prefillTiles(tc.limit, s, 64)
		require.NoError(t, err, "%+v", tc)
		assert.LessOrEqual(t, prefillShared(q*s.Group(), q, kt, tc.dim), int(tc.limit), "%+v", tc)
		assert.LessOrEqual(t, q*s.Group()*tc.dim/4, prefillMaxAccVec4*64, "%+v", tc)
		assert.GreaterOrEqual(t, q, 1)
	}
	s := AttnShape{Layout: cache.Layout{Type: cache.KVF32, BlockSize: 16, KVHeads: 1, HeadDim: 1024}, Heads: 64}
	_, _, err := prefillTiles(16384, s, 64)
	assert.Error(t, err)
}

func TestAttnShapeCheck(t *testing.T) {
	l := cache.Layout{Type: cache.KVInt8, BlockSize: 16, KVHeads: 4, HeadDim: 64}
	assert.NoError(t, AttnShape{Layout: l, Heads: 8}.check())
	assert.Error(t, AttnShape{Layout: l, Heads: 6}.check(), "heads not a multiple of KV heads")
	l.HeadDim = 6
	assert.Error(t, AttnShape{Layout: l, Heads: 8}.check(), "head dim not a multiple of 4")
}

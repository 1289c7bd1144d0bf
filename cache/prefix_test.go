package cache

import (
	"encoding/binary"
	"hash/fnv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHashBlockTokens pins the hash to FNV-1a 64 of the parent's and the
// tokens' little-endian bytes, computed here with hash/fnv.
func TestHashBlockTokens(t *testing.T) {
	tests := []struct {
		parent BlockHash
		tokens []int32
	}{
		{0, []int32{1, 2, 3, 4}},
		{0xdeadbeef, []int32{1, 2, 3, 4}},
		{7, []int32{-1, 1 << 30}},
		{0, nil},
	}
	for _, tt := range tests {
		f := fnv.New64a()
		var buf [8]byte
		binary.LittleEndian.PutUint64(buf[:], uint64(tt.parent))
		f.Write(buf[:])
		for _, tok := range tt.tokens {
			binary.LittleEndian.PutUint32(buf[:4], uint32(tok))
			f.Write(buf[:4])
		}
		assert.Equal(t, BlockHash(f.Sum64()), HashBlockTokens(tt.parent, tt.tokens))
	}
	a := HashBlockTokens(0, []int32{1, 2})
	assert.NotEqual(t, a, HashBlockTokens(1, []int32{1, 2}), "parent is part of the name")
	assert.NotEqual(t, a, HashBlockTokens(0, []int32{2, 1}), "order matters")
}

func TestCacheBlockRules(t *testing.T) {
	p := newPool(t, 5, 2)
	ids, ok := p.Allocate(2)
	require.True(t, ok)
	assert.Panics(t, func() { p.CacheBlock(3, 9) }, "free block")
	assert.Panics(t, func() { p.CacheBlock(NullBlock, 9) })
	assert.Panics(t, func() { p.CacheBlock(ids[0], 0) }, "zero hash")
	assert.True(t, p.CacheBlock(ids[0], 9))
	assert.True(t, p.CacheBlock(ids[0], 9), "idempotent")
	assert.Panics(t, func() { p.CacheBlock(ids[0], 10) }, "rename")
	assert.False(t, p.CacheBlock(ids[1], 9), "duplicate content stays private")
	id, ok := p.Lookup(9)
	assert.True(t, ok)
	assert.Equal(t, ids[0], id)
	assert.Equal(t, 1, p.NumCached())
	p.Free(ids...)
	assert.Equal(t, 1, p.NumCached(), "freed blocks stay cached")
	require.NoError(t, p.CheckInvariants())

	// Corrupt the cache both ways.
	p.blocks[ids[1]].hash = 5
	assert.ErrorContains(t, p.CheckInvariants(), "2 blocks carry a hash, cache holds 1")
	p.blocks[ids[1]].hash = 0
	p.cached[11] = ids[1]
	assert.ErrorContains(t, p.CheckInvariants(), "does not match")
}

func TestTableCachePanics(t *testing.T) {
	p := newPool(t, 5, 2)
	bt := NewBlockTable(2)
	require.True(t, bt.Grow(p, 3))
	assert.Panics(t, func() { bt.AppendCached(p, []int32{1, 2, 3}) }, "non-empty table")
	assert.Panics(t, func() { bt.CacheFull(p, []int32{1, 2, 3, 4}) }, "more tokens than held")
	bt.Release(p)
	require.NoError(t, p.CheckInvariants())
}

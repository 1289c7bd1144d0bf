package vk

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSubAllocator(t *testing.T) {
	s := newSubAllocator(1024)
	a, ok := s.alloc(100, 1)
	require.True(t, ok)
	b, ok := s.alloc(100, 256)
	require.True(t, ok)
	assert.Equal(t, uint64(0), a)
	assert.Equal(t, uint64(256), b, "aligned past the first range")
	assert.Equal(t, []span{{100, 156}, {356, 668}}, s.free, "padding before b stays free")

	c, ok := s.alloc(156, 4)
	require.True(t, ok)
	assert.Equal(t, uint64(100), c, "first fit reuses the padding")
	_, ok = s.alloc(700, 1)
	assert.False(t, ok, "no free range of 700 bytes")

	s.release(b, 100)
	s.release(a, 100)
	assert.Equal(t, []span{{0, 100}, {256, 768}}, s.free, "released ranges coalesce with neighbours")
	s.release(c, 156)
	assert.Equal(t, []span{{0, 1024}}, s.free)
	assert.Zero(t, s.used)
}

func TestSubAllocatorDoubleFreePanics(t *testing.T) {
	s := newSubAllocator(64)
	off, ok := s.alloc(16, 16)
	require.True(t, ok)
	s.release(off, 16)
	assert.Panics(t, func() { s.release(off, 16) })
	assert.Panics(t, func() { s.release(60, 16) }, "outside the block")
}

// fakePool returns a pool whose blocks are plain Go values.
func fakePool(blockSize, limit uint64) (*memPool, *[]uint64) {
	var sizes []uint64
	p := &memPool{blockSize: blockSize, limit: limit}
	p.newBlock = func(size uint64) (*memBlock, error) {
		if size > limit {
			return nil, errors.New("block over limit")
		}
		sizes = append(sizes, size)
		return &memBlock{sub: newSubAllocator(size)}, nil
	}
	p.freeBlock = func(*memBlock) {}
	return p, &sizes
}

func TestMemPool(t *testing.T) {
	p, sizes := fakePool(1<<20, 4<<20)
	a, err := p.alloc(600<<10, 256)
	require.NoError(t, err)
	b, err := p.alloc(600<<10, 256)
	require.NoError(t, err)
	assert.NotSame(t, a.block, b.block, "second allocation does not fit the first block")
	big, err := p.alloc(3<<20, 256)
	require.NoError(t, err)
	assert.Equal(t, []uint64{1 << 20, 1 << 20, 3 << 20}, *sizes, "a large request gets its own block")

	_, err = p.alloc(5<<20, 256)
	assert.ErrorIs(t, err, ErrUnsupported, "over the block limit")

	var st AllocatorStats
	p.addStats(&st)
	assert.Equal(t, AllocatorStats{BytesAllocated: 5 << 20, BytesInUse: 1200<<10 + 3<<20, Blocks: 3}, st)

	p.free(big)
	p.free(b)
	p.free(a)
	st = AllocatorStats{}
	p.addStats(&st)
	assert.Equal(t, AllocatorStats{BytesAllocated: 1 << 20, Blocks: 1}, st, "empty blocks go back, one is kept")

	c, err := p.alloc(100, 4096)
	require.NoError(t, err)
	assert.Equal(t, uint64(0), c.off)
	assert.Len(t, *sizes, 3, "the kept block is reused")
}

package device

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/cache"
	"github.com/vkllm/vkllm/runtime/vk/vktest"
)

func layout(t cache.KVType, heads, hd int) cache.Layout {
	return cache.Layout{Type: t, BlockSize: 16, KVHeads: heads, HeadDim: hd}
}

// TestBytesPerToken checks that the allocator's bytes per token slot equal
// the layout's formula and that int8 halves f16 (plus its scales).
func TestBytesPerToken(t *testing.T) {
	dev := vktest.Device(t)
	const layers = 4
	got := map[cache.KVType]float64{}
	for _, kv := range []cache.KVType{cache.KVF32, cache.KVF16, cache.KVInt8} {
		t.Run(kv.String(), func(t *testing.T) {
			l := layout(kv, 8, 128)
			p, err := New(dev, layers, l, Options{Blocks: 33})
			require.NoError(t, err)
			defer p.Close()
			assert.Equal(t, 33, p.NumBlocks())
			assert.Equal(t, float64(l.BytesPerToken(layers)), p.BytesPerToken())
			got[kv] = p.BytesPerToken()
		})
	}
	assert.LessOrEqual(t, got[cache.KVInt8], 0.52*got[cache.KVF16])
	assert.Zero(t, dev.Stats().BytesInUse, "allocator back to zero after Close")
}

// TestPoolsAreZeroedAndDisjoint writes a marker into each pool's range and
// reads the whole of every pool back.
func TestPoolsAreZeroedAndDisjoint(t *testing.T) {
	dev := vktest.Device(t)
	l := layout(cache.KVInt8, 2, 8)
	p, err := New(dev, 3, l, Options{Blocks: 5})
	require.NoError(t, err)
	defer p.Close()
	size := uint64(5 * l.BlockBytes())
	for i := range 2 * p.Layers() {
		b := pool(p, i)
		assert.Equal(t, size, b.Size)
		got := make([]byte, size)
		require.NoError(t, dev.Download(b.Buffer, b.Offset, got))
		assert.Equal(t, make([]byte, size), got, "pool %d starts zeroed", i)
		require.NoError(t, dev.Upload(b.Buffer, b.Offset+size-4, []byte{byte(i + 1), 0, 0, 0}))
	}
	for i := range 2 * p.Layers() {
		b := pool(p, i)
		got := make([]byte, 4)
		require.NoError(t, dev.Download(b.Buffer, b.Offset+size-4, got))
		assert.Equal(t, byte(i+1), got[0], "pool %d's last word", i)
	}
}

func pool(p *Pool, i int) Range {
	if i < p.Layers() {
		return p.K(i)
	}
	return p.V(i - p.Layers())
}

func TestSizing(t *testing.T) {
	dev := vktest.Device(t)
	l := layout(cache.KVF16, 4, 64) // 8 KiB blocks
	bb := uint64(l.BlockBytes())
	tests := []struct {
		name string
		opt  Options
		want int
	}{
		{"blocks", Options{Blocks: 7}, 7},
		{"bytes", Options{Bytes: 2 * 2 * 10 * bb}, 10},
		{"bytes rounds down", Options{Bytes: 2*2*10*bb + bb}, 10},
		{"fraction capped", Options{MaxBlocks: 12}, 12},
		{"small fraction", Options{Fraction: 1e-9, Bytes: 0, MaxBlocks: 0}, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := New(dev, 2, l, tt.opt)
			if tt.want < 0 {
				if err == nil { // a huge device can hold 2 blocks even at 1e-9
					assert.GreaterOrEqual(t, p.NumBlocks(), 2)
					p.Close()
				}
				return
			}
			require.NoError(t, err)
			defer p.Close()
			assert.Equal(t, tt.want, p.NumBlocks())
			if tt.opt.Bytes > 0 {
				assert.LessOrEqual(t, p.AllocatedBytes(), tt.opt.Bytes)
			}
		})
	}
}

func TestDefaultFraction(t *testing.T) {
	dev := vktest.Device(t)
	l := layout(cache.KVInt8, 4, 64)
	free := FreeMemory(dev)
	require.Positive(t, free)
	n, err := blockCount(dev, 2, l, Options{})
	require.NoError(t, err)
	want := min(int(DefaultFraction*float64(free))/(4*l.BlockBytes()),
		int(min(uint64(dev.Limits().MaxStorageBufferRange), dev.MaxBufferSize())/uint64(l.BlockBytes())))
	assert.Equal(t, want, n)
}

func TestErrors(t *testing.T) {
	dev := vktest.Device(t)
	l := layout(cache.KVF32, 8, 128)
	tests := []struct {
		name string
		opt  Options
		want string
	}{
		{"both", Options{Blocks: 4, Bytes: 1 << 20}, "not both"},
		{"one block", Options{Blocks: 1}, "at least 2"},
		{"range", Options{Blocks: 1 << 20}, "descriptor range"},
		{"tiny budget", Options{Bytes: 100}, "need at least 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(dev, 2, l, tt.opt)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
	_, err := New(dev, 2, l, Options{Blocks: 1 << 20})
	assert.ErrorIs(t, err, ErrTooLarge)
	_, err = New(dev, 0, l, Options{Blocks: 4})
	assert.Error(t, err)
	_, err = New(dev, 1, cache.Layout{}, Options{Blocks: 4})
	assert.Error(t, err)
}

// TestPlan checks the packing of pools into buffers of bounded size.
func TestPlan(t *testing.T) {
	const gib = 1 << 30
	tests := []struct {
		name              string
		n                 int
		size, align, maxB uint64
		bufs              int
	}{
		{"all in one", 8, 1000, 256, gib, 1},
		{"one per buffer", 4, 600 << 20, 256, gib, 4},
		{"three per buffer", 64, 300 << 20, 256, gib, 22},
		{"exact fit", 4, gib / 2, 256, gib, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bs := plan(tt.n, tt.size, tt.align, tt.maxB)
			assert.Len(t, bs, tt.bufs)
			pools := 0
			for _, b := range bs {
				assert.LessOrEqual(t, b.size, tt.maxB)
				for i, off := range b.offsets {
					assert.Zero(t, off%tt.align)
					assert.LessOrEqual(t, off+tt.size, b.size)
					if i > 0 {
						assert.GreaterOrEqual(t, off, b.offsets[i-1]+tt.size, "pools overlap")
					}
				}
				pools += len(b.offsets)
			}
			assert.Equal(t, tt.n, pools)
		})
	}
}

// TestLargePoolSpansBuffers allocates more than one buffer's worth of KV,
// as a long context on a real model would.
func TestLargePoolSpansBuffers(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates over 1 GiB")
	}
	dev := vktest.Device(t)
	l := layout(cache.KVInt8, 8, 128)
	// The largest pool one descriptor range holds, in enough layers that
	// the pools need more than one buffer.
	size := min(uint64(dev.Limits().MaxStorageBufferRange), dev.MaxBufferSize())
	n := int(size / uint64(l.BlockBytes()))
	layers := int(dev.MaxBufferSize()/size)/2 + 1
	p, err := New(dev, layers, l, Options{Blocks: n})
	require.NoError(t, err)
	defer p.Close()
	assert.Equal(t, 2, p.Buffers())
	assert.Equal(t, float64(l.BytesPerToken(layers)), p.BytesPerToken())
	_, err = New(dev, 1, l, Options{Blocks: n + 1})
	assert.ErrorIs(t, err, ErrTooLarge)
}

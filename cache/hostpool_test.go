package cache

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHostPool(t *testing.T) {
	l := Layout{KVInt8, 4, 2, 8}
	hp, err := NewHostPool(3, l, 5)
	require.NoError(t, err)
	assert.Equal(t, 3, hp.Layers())
	assert.Equal(t, 5, hp.NumBlocks())
	assert.Equal(t, l, hp.Layout())
	assert.Equal(t, 2*3*5*l.BlockBytes(), hp.Bytes())

	// Every (layer, pool, block) is its own region: write distinct vectors
	// everywhere, then read them all back.
	x := make([]float32, l.HeadDim)
	vec := func(layer, pool, id int) []float32 {
		for i := range x {
			x[i] = float32(layer*100 + pool*50 + id*10 + i - 40)
		}
		return x
	}
	for layer := range 3 {
		for id := range BlockID(5) {
			assert.Len(t, hp.K(layer, id), l.BlockBytes())
			assert.Equal(t, l.BlockBytes(), cap(hp.V(layer, id)))
			l.Store(hp.K(layer, id), 1, 3, vec(layer, 0, int(id)))
			l.Store(hp.V(layer, id), 1, 3, vec(layer, 1, int(id)))
		}
	}
	got := make([]float32, l.HeadDim)
	for layer := range 3 {
		for id := range BlockID(5) {
			for pool, b := range [][]byte{hp.K(layer, id), hp.V(layer, id)} {
				l.Load(b, 1, 3, got)
				want := vec(layer, pool, int(id))
				for i := range got {
					assert.InDelta(t, want[i], got[i], 1, "layer %d pool %d block %d", layer, pool, id)
				}
			}
		}
	}
	assert.Panics(t, func() { hp.K(3, 0) })
	assert.Panics(t, func() { hp.V(0, 5) })
	assert.Panics(t, func() { hp.K(0, -1) })
}

func TestHostPoolRefusesBadSizes(t *testing.T) {
	l := Layout{KVF16, 16, 8, 128}
	tests := []struct {
		name   string
		layers int
		layout Layout
		blocks int
		want   string
	}{
		{"zero layers", 0, l, 10, "positive layers"},
		{"zero blocks", 2, l, 0, "positive layers"},
		{"bad layout", 2, Layout{KVF16, 16, 0, 128}, 10, "KV heads 0"},
		{"absurd", 1 << 10, l, 1 << 20, "exceeds 64 GiB"},
		{"overflow", 1 << 30, l, 1 << 40, "exceeds 64 GiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewHostPool(tt.layers, tt.layout, tt.blocks)
			assert.ErrorContains(t, err, tt.want)
		})
	}
}

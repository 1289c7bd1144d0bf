package cache

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestKVTypeNames(t *testing.T) {
	for _, typ := range []KVType{KVF32, KVF16, KVInt8} {
		got, err := ParseKVType(typ.String())
		require.NoError(t, err)
		assert.Equal(t, typ, got)
	}
	got, err := ParseKVType("INT8")
	require.NoError(t, err)
	assert.Equal(t, KVInt8, got)
	_, err = ParseKVType("q8_0")
	assert.ErrorContains(t, err, `unknown KV type "q8_0"`)
	assert.Equal(t, "KVType(9)", KVType(9).String())
}

func TestLayoutOffsets(t *testing.T) {
	tests := []struct {
		l                  Layout
		head, slot         int
		blockBytes, valOff int
		scaleOff           int // -1: no scales
	}{
		{Layout{KVF32, 16, 2, 4}, 1, 3, 512, (16 + 3) * 4 * 4, -1},
		{Layout{KVF16, 4, 3, 3}, 2, 1, 72, (8 + 1) * 3 * 2, -1},
		{Layout{KVInt8, 4, 3, 3}, 2, 1, 36 + 48, 27, 36 + 9*4},
		{Layout{KVInt8, 1, 1, 5}, 0, 0, 8 + 4, 0, 8}, // 5 value bytes pad to 8
		{Layout{KVInt8, 16, 8, 128}, 7, 15, 16384 + 512, 127 * 128, 16384 + 127*4},
	}
	for _, tt := range tests {
		t.Run(tt.l.String(), func(t *testing.T) {
			require.NoError(t, tt.l.Validate())
			assert.Equal(t, tt.blockBytes, tt.l.BlockBytes())
			assert.Equal(t, tt.valOff, tt.l.ValueOffset(tt.head, tt.slot))
			if tt.scaleOff < 0 {
				assert.Panics(t, func() { tt.l.ScaleOffset(tt.head, tt.slot) })
			} else {
				assert.Equal(t, tt.scaleOff, tt.l.ScaleOffset(tt.head, tt.slot))
			}
			assert.Panics(t, func() { tt.l.ValueOffset(tt.l.KVHeads, 0) })
			assert.Panics(t, func() { tt.l.ValueOffset(0, tt.l.BlockSize) })
		})
	}
}

func TestBytesPerToken(t *testing.T) {
	tests := []struct {
		name               string
		layers, heads, dim int
		f32, f16, int8     int
	}{
		// Llama-2 7B (MHA): the well-known 0.5 MiB per token in fp16.
		{"llama2-7b", 32, 32, 128, 1 << 20, 1 << 19, 2 * 32 * 32 * 132},
		// Llama-3 8B (GQA, 8 KV heads): 128 KiB per token in fp16.
		{"llama3-8b", 32, 8, 128, 1 << 18, 1 << 17, 2 * 32 * 8 * 132},
		{"stories260K", 5, 4, 8, 2 * 5 * 4 * 32, 2 * 5 * 4 * 16, 2 * 5 * 4 * 12},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bpt := func(typ KVType) int {
				return Layout{typ, 16, tt.heads, tt.dim}.BytesPerToken(tt.layers)
			}
			assert.Equal(t, tt.f32, bpt(KVF32))
			assert.Equal(t, tt.f16, bpt(KVF16))
			assert.Equal(t, tt.int8, bpt(KVInt8))
			if tt.dim == 128 {
				assert.LessOrEqual(t, float64(bpt(KVInt8)), 0.52*float64(bpt(KVF16)))
			}
			// With no padding a block costs exactly B tokens' worth per pool.
			l := Layout{KVInt8, 16, tt.heads, tt.dim}
			assert.Equal(t, l.BytesPerToken(tt.layers)*16, 2*tt.layers*l.BlockBytes())
		})
	}
}

func TestLayoutValidate(t *testing.T) {
	bad := []Layout{
		{KVType(3), 16, 1, 64},
		{KVF16, 0, 1, 64},
		{KVF16, 16, 0, 64},
		{KVF16, 16, 1, 0},
		{KVF16, 16, 1, 1 << 13},
		{KVF32, 1024, 1024, 4096}, // each dimension in range, block too big
	}
	for _, l := range bad {
		assert.Error(t, l.Validate(), "%+v", l)
	}
}

// TestStoreLoadRoundTrip bounds the error of each type on random vectors
// with varied magnitudes, and checks Store touches only its own bytes.
func TestStoreLoadRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, typ := range []KVType{KVF32, KVF16, KVInt8} {
		t.Run(typ.String(), func(t *testing.T) {
			l := Layout{typ, 4, 3, 40}
			block := make([]byte, l.BlockBytes())
			x := make([]float32, l.HeadDim)
			got := make([]float32, l.HeadDim)
			for iter := range 200 {
				head, slot := rng.IntN(l.KVHeads), rng.IntN(l.BlockSize)
				scale := float32(math.Pow(10, float64(rng.IntN(7)-3)))
				for i := range x {
					x[i] = float32(rng.NormFloat64()) * scale
				}
				l.Store(block, head, slot, x)
				l.Load(block, head, slot, got)
				checkRoundTrip(t, typ, x, got, iter)
			}
		})
	}
}

func checkRoundTrip(t *testing.T, typ KVType, x, got []float32, iter int) {
	var amax float64
	for _, v := range x {
		amax = max(amax, math.Abs(float64(v)))
	}
	for i := range x {
		err := math.Abs(float64(got[i]) - float64(x[i]))
		var bound float64
		switch typ {
		case KVF16: // half an ulp: 11 significant bits, or 2^-24 steps for subnormals
			bound = max(math.Abs(float64(x[i]))*0x1p-11, 0x1p-25)
		case KVInt8: // half a quantization step, plus float32 rounding
			bound = amax/127/2 + amax*1e-6
		}
		require.LessOrEqual(t, err, bound, "iter %d element %d: %v -> %v", iter, i, x[i], got[i])
	}
}

func TestStoreTouchesOnlyItsVector(t *testing.T) {
	for _, typ := range []KVType{KVF32, KVF16, KVInt8} {
		l := Layout{typ, 4, 2, 5}
		block := make([]byte, l.BlockBytes())
		for i := range block {
			block[i] = 0xAA
		}
		l.Store(block, 1, 2, []float32{1, -2, 3, -4, 5})
		lo := l.ValueOffset(1, 2)
		hi := lo + 5*typ.ValueBytes()
		for i, b := range block {
			inScale := typ == KVInt8 && i >= l.ScaleOffset(1, 2) && i < l.ScaleOffset(1, 2)+4
			if (i < lo || i >= hi) && !inScale {
				require.Equal(t, byte(0xAA), b, "%v: byte %d changed", typ, i)
			}
		}
	}
}

func TestInt8EdgeCases(t *testing.T) {
	inf := float32(math.Inf(1))
	nan := float32(math.NaN())
	tests := []struct {
		name  string
		x     []float32
		q     []int8
		scale float32
	}{
		{"all zeros", []float32{0, 0, 0, 0}, []int8{0, 0, 0, 0}, 0},
		// s = 127/127 = 1 exactly, so these are true ties: half away from zero.
		{"ties", []float32{127, 0.5, -0.5, 1.5, -2.5, 126.5}, []int8{127, 1, -1, 2, -3, 127}, 1},
		{"negative max", []float32{-254, 2, 127, -1}, []int8{-127, 1, 64, -1}, 2},
		{"one huge value", []float32{1e30, 1e-3, -5, 3e27}, []int8{127, 0, 0, 0}, 1e30 / 127},
		{"subnormal scale", []float32{1e-40, 1e-37}, []int8{0, 0}, 0},
		{"smallest normal scale", []float32{127 * 0x1p-126, 0}, []int8{127, 0}, 0x1p-126},
		{"non-finite", []float32{nan, inf, -inf, 254}, []int8{0, 127, -127, 127}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := Layout{KVInt8, 2, 1, len(tt.x)}
			block := make([]byte, l.BlockBytes())
			l.Store(block, 0, 1, tt.x)
			off := l.ValueOffset(0, 1)
			q := make([]int8, len(tt.x))
			for i := range q {
				q[i] = int8(block[off+i])
			}
			assert.Equal(t, tt.q, q)
			s := math.Float32frombits(binary.LittleEndian.Uint32(block[l.ScaleOffset(0, 1):]))
			assert.Equal(t, tt.scale, s)
			got := make([]float32, len(tt.x))
			l.Load(block, 0, 1, got)
			for i := range got {
				assert.Equal(t, float32(tt.q[i])*tt.scale, got[i])
			}
		})
	}
}

func TestF16Rounding(t *testing.T) {
	l := Layout{KVF16, 1, 1, 4}
	block := make([]byte, l.BlockBytes())
	// Ties between neighbouring halves near 1 (ulp 2^-10) go to the even one;
	// 70000 overflows half's range to +Inf.
	x := []float32{1 + 0x1p-11, 1 + 3*0x1p-11, 70000, 0x1p-24}
	l.Store(block, 0, 0, x)
	got := make([]float32, 4)
	l.Load(block, 0, 0, got)
	assert.Equal(t, []float32{1, 1 + 0x1p-9, float32(math.Inf(1)), 0x1p-24}, got)
}

func TestStoreChecksSizes(t *testing.T) {
	l := Layout{KVF32, 2, 1, 4}
	assert.Panics(t, func() { l.Store(make([]byte, l.BlockBytes()-1), 0, 0, make([]float32, 4)) })
	assert.Panics(t, func() { l.Store(make([]byte, l.BlockBytes()), 0, 0, make([]float32, 3)) })
	assert.Panics(t, func() { l.Load(make([]byte, l.BlockBytes()), 0, 2, make([]float32, 4)) })
}

package quant

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestQuantizeQ8_0ByHand(t *testing.T) {
	// max|x| = 127 gives d = 1; halves round away from zero.
	x := make([]float32, 32)
	copy(x, []float32{127, -127, 63.5, -0.5, 0.5, 2.5, -2.4, 0.49})
	got, err := Quantize(Q8_0, x)
	require.NoError(t, err)
	want := cat(le16(h1), []byte{127, 0x81, 64, 0xff, 1, 3, 0xfe, 0}, fill(24, 0))
	assert.Equal(t, want, got)
}

func TestQuantizeQ4_0ByHand(t *testing.T) {
	// The largest magnitude, -8, maps to q=0 and gives d = -8/-8 = 1; then
	// q = min(15, trunc(x + 8.5)): 7 -> 15, 7.6 -> 15 (clamped), -0.5 -> 8,
	// -0.6 -> 7, 0 -> 8.
	x := make([]float32, 32)
	copy(x, []float32{-8, 7, 7.6, -0.5, -0.6})
	got, err := Quantize(Q4_0, x)
	require.NoError(t, err)
	qs := fill(16, 0x88)
	qs[0], qs[1], qs[2], qs[3], qs[4] = 0x80, 0x8f, 0x8f, 0x88, 0x87
	assert.Equal(t, cat(le16(h1), qs), got)

	// A positive maximum gives a negative d: 8 -> q=0, d = -1.
	x[0] = 8
	got, err = Quantize(Q4_0, x)
	require.NoError(t, err)
	assert.Equal(t, le16(hNeg1), got[:2])
	assert.Equal(t, byte(0), got[2]&0xf)
}

func TestQuantizeZeroBlock(t *testing.T) {
	for _, ty := range []Type{Q8_0, Q4_0} {
		got, err := Quantize(ty, make([]float32, 64))
		require.NoError(t, err)
		back := make([]float32, 64)
		require.NoError(t, Dequantize(ty, got, back))
		assert.Equal(t, make([]float32, 64), back, ty)
	}
}

func randomRow(seed uint64, n int) []float32 {
	rng := rand.New(rand.NewPCG(seed, 7))
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(rng.NormFloat64() * math.Exp(rng.NormFloat64())) // heavy-ish tails
	}
	return x
}

// Each block's round-trip error stays within the quantizer's step: half a
// step for Q8_0 (plus the fp16 rounding of d), one step for Q4_0 (whose top
// code is clamped). Steps are computed from the block maximum here, not
// taken from the encoder.
func TestQuantizeRoundTripBounds(t *testing.T) {
	tests := []struct {
		t     Type
		steps float64 // error bound in units of max|x|/levels
		level float64
	}{
		{Q8_0, 0.5 + 127.0/2048, 127},
		{Q4_0, 1 + 8.0/2048, 8},
	}
	x := randomRow(3, 32*512)
	for _, tt := range tests {
		t.Run(tt.t.String(), func(t *testing.T) {
			q, err := Quantize(tt.t, x)
			require.NoError(t, err)
			back := make([]float32, len(x))
			require.NoError(t, Dequantize(tt.t, q, back))
			for b := 0; b < len(x); b += 32 {
				var amax float64
				for _, v := range x[b : b+32] {
					amax = math.Max(amax, math.Abs(float64(v)))
				}
				bound := tt.steps*amax/tt.level + 1e-6
				for i := b; i < b+32; i++ {
					e := math.Abs(float64(back[i] - x[i]))
					require.LessOrEqual(t, e, bound, "value %d: %g -> %g", i, x[i], back[i])
				}
			}
		})
	}
}

func TestQuantizeScalarTypes(t *testing.T) {
	x := []float32{1, -2, 0.1, 65504, 1e-7, float32(math.Inf(1))}
	for _, ty := range []Type{F32, F16, BF16} {
		q, err := Quantize(ty, x)
		require.NoError(t, err)
		back := make([]float32, len(x))
		require.NoError(t, Dequantize(ty, q, back))
		for i, v := range x {
			var want float32
			switch ty {
			case F32:
				want = v
			case F16:
				want = F16ToF32(F32ToF16(v))
			case BF16:
				want = BF16ToF32(F32ToBF16(v))
			}
			assert.Equal(t, want, back[i], "%v %g", ty, v)
		}
	}
}

func TestQuantizeErrors(t *testing.T) {
	_, err := Quantize(Q2_K, make([]float32, 256))
	assert.ErrorIs(t, err, ErrUnsupported)
	_, err = Quantize(Q8_0, make([]float32, 31))
	assert.ErrorContains(t, err, "multiple of the block size")
	_, err = Quantize(Type(99), make([]float32, 1))
	assert.Error(t, err)
}

func BenchmarkDequantize(b *testing.B) {
	const n = 1 << 16
	rng := rand.New(rand.NewPCG(9, 9))
	for _, ty := range []Type{F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K} {
		b.Run(ty.String(), func(b *testing.B) {
			size, err := ty.RowBytes(n)
			require.NoError(b, err)
			src := make([]byte, size)
			for i := range src {
				src[i] = byte(rng.Uint32())
			}
			dst := make([]float32, n)
			b.SetBytes(int64(size))
			for b.Loop() {
				if err := Dequantize(ty, src, dst); err != nil {
					b.Fatal(err)
				}
			}
			sec := b.Elapsed().Seconds() / float64(b.N)
			b.ReportMetric(float64(size)/sec/1e9, "GB/s-in")
			b.ReportMetric(float64(4*n)/sec/1e9, "GB/s-out")
		})
	}
}

package quant

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// roundTrip quantizes x as t and dequantizes it back.
func roundTrip(t *testing.T, ty Type, x []float32) []float32 {
	t.Helper()
	q, err := Quantize(ty, x)
	require.NoError(t, err)
	want, err := ty.RowBytes(len(x))
	require.NoError(t, err)
	require.Len(t, q, want)
	back := make([]float32, len(x))
	require.NoError(t, Dequantize(ty, q, back))
	return back
}

// relRMS returns rms(back - x) / rms(x).
func relRMS(x, back []float32) float64 {
	var e, s float64
	for i, v := range x {
		d := float64(back[i] - v)
		e += d * d
		s += float64(v) * float64(v)
	}
	return math.Sqrt(e / s)
}

// On N(0,1) data the relative RMS error of a uniform quantizer with L levels
// over a sub-block's range is about range/(L*sqrt(12)); the bounds sit a
// little above what these quantizers measure (printed with -v) and below
// the next coarser type, so a mis-packed bit or a wrong scale fails.
func TestQuantizeKGaussianError(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 5))
	x := make([]float32, 256*256)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	tests := []struct {
		t     Type
		bound float64
	}{
		{Q4_1, 0.09},
		{Q4_K, 0.09},
		{Q5_K, 0.045},
		{Q6_K, 0.022},
		{Q8_0, 0.006}, // reference point: ggml's own rounding
	}
	for _, tt := range tests {
		t.Run(tt.t.String(), func(t *testing.T) {
			e := relRMS(x, roundTrip(t, tt.t, x))
			t.Logf("%v: relative RMS error %.4f", tt.t, e)
			assert.Less(t, e, tt.bound)
			assert.Greater(t, e, tt.bound/4, "error far below the format's resolution: is the data being stored unquantized?")
		})
	}
}

// Sub-blocks of very different magnitude in one super-block keep their own
// resolution: the small one's error is bounded by its own range, not by the
// super-block's largest scale.
func TestQuantizeKMixedMagnitudes(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 9))
	x := make([]float32, 256)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
		if i >= 128 {
			x[i] *= 0.02
		}
	}
	for _, ty := range []Type{Q4_K, Q5_K, Q6_K} {
		back := roundTrip(t, ty, x)
		assert.Less(t, relRMS(x[128:], back[128:]), 0.15, ty)
	}
}

func TestQuantizeKZeroAndConstant(t *testing.T) {
	for _, ty := range []Type{Q4_1, Q4_K, Q5_K, Q6_K} {
		zero := make([]float32, 512)
		assert.Equal(t, zero, roundTrip(t, ty, zero), ty)
		// A constant block comes back within the fp16 rounding of its
		// factors (0.25/63 is not exact in fp16).
		neg := make([]float32, 256)
		for i := range neg {
			neg[i] = -0.25
		}
		assert.InDeltaSlice(t, neg, roundTrip(t, ty, neg), 0.25/1024, ty)
	}
}

// Blocks built from integer codes and power-of-two factors, with each
// sub-block reaching its extreme codes, are represented exactly: quantizing
// their dequantized values and dequantizing again gives the same values.
func TestQuantizeKExact(t *testing.T) {
	builders := map[Type]func(*rand.Rand) []byte{
		Q4_1: exactQ4_1, Q4_K: exactQ4_K, Q5_K: exactQ5_K, Q6_K: exactQ6_K,
	}
	for ty, build := range builders {
		t.Run(ty.String(), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(ty), 1))
			for range 50 {
				x := make([]float32, ty.BlockSize())
				require.NoError(t, Dequantize(ty, build(rng), x))
				require.Equal(t, x, roundTrip(t, ty, x))
			}
		})
	}
}

func randomBytes(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

const (
	hPow6  = 0x2400 // 2^-6
	hPow8  = 0x1c00 // 2^-8
	hPow9  = 0x1800 // 2^-9
	hPow10 = 0x1400 // 2^-10
	hM3_8  = 0xb600 // -0.375
)

// exactQ4_1: d = 2^-6, m = -0.375, codes 0 and 15 present.
func exactQ4_1(rng *rand.Rand) []byte {
	qs := randomBytes(rng, 16)
	qs[0], qs[1] = 0x00, 0xff
	return cat(le16(hPow6), le16(hM3_8), qs)
}

// exactQ4_K: sub-block 0 has scale 63 and min 63 (so d and dmin come back
// unchanged); every sub-block holds codes 0 and 15.
func exactQ4_K(rng *rand.Rand) []byte {
	b := cat(le16(hPow8), le16(hPow9), randomBytes(rng, 12+128))
	b[4] |= 63
	b[8] |= 63
	for c := range 4 {
		b[16+32*c], b[16+32*c+1] = 0x00, 0xff
	}
	return b
}

// exactQ5_K: as exactQ4_K with codes 0 and 31 (qh bits of values l=0 clear,
// of l=1 set).
func exactQ5_K(rng *rand.Rand) []byte {
	b := cat(le16(hPow8), le16(hPow9), randomBytes(rng, 12+32+128))
	b[4] |= 63
	b[8] |= 63
	b[16], b[17] = 0x00, 0xff
	for c := range 4 {
		b[48+32*c], b[48+32*c+1] = 0x00, 0xff
	}
	return b
}

// exactQ6_K: d = 2^-10, sub-block 0's scale is -128, and each sub-block's
// first value has code 0 (q-32 = -32, its unique largest magnitude).
func exactQ6_K(rng *rand.Rand) []byte {
	b := randomBytes(rng, 210)
	binary.LittleEndian.PutUint16(b[208:], hPow10)
	b[192] = 0x80
	for h := range 2 {
		for _, l := range []int{0, 16} {
			b[64*h+l], b[64*h+l+32], b[128+32*h+l] = 0, 0, 0
		}
	}
	return b
}

func FuzzQuantizeK(f *testing.F) {
	f.Add(uint64(1), 1.0)
	f.Add(uint64(2), 1e-6)
	f.Add(uint64(3), 6e4)
	f.Fuzz(func(t *testing.T, seed uint64, scale float64) {
		if math.IsNaN(scale) || math.IsInf(scale, 0) || math.Abs(scale) > 1e4 {
			t.Skip("values must stay finite in fp16 factors")
		}
		rng := rand.New(rand.NewPCG(seed, 3))
		x := make([]float32, 256)
		for i := range x {
			x[i] = float32(scale * rng.NormFloat64())
		}
		for _, ty := range []Type{Q4_1, Q4_K, Q5_K, Q6_K} {
			back := roundTrip(t, ty, x)
			for i, v := range back {
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
					t.Fatalf("%v: value %d: %g -> %g", ty, i, x[i], v)
				}
			}
		}
	})
}

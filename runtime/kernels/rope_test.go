package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/cache"
	"github.com/vkllm/vkllm/runtime/vk/vktest"
)

// ropeAngle32 mirrors rope.glsl's rope_angle in float32, one rounding per
// operation as the shader's `precise` arithmetic does (the float32
// conversions keep Go from fusing any of it).
func ropeAngle32(pos int32, hi, lo float32) float32 {
	const (
		c1, c2, c3 float32 = 6.28125, 1.934051513671875e-3, 1.255665893e-6
		inv2pi     float32 = 1.591549367e-1
	)
	hc := float32(4097 * hi)
	h1 := float32(hc - float32(hc-hi))
	h2 := float32(hi - h1)
	P, Ph, Pl := float32(pos), float32(pos&^0xfff), float32(pos&0xfff)
	p := float32(P * hi)
	err := float32(float32(float32(float32(Ph*h1)-p)+float32(Ph*h2)) + float32(Pl*h1))
	err = float32(err + float32(Pl*h2))
	err = float32(err + float32(P*lo))
	k := float32(math.RoundToEven(float64(float32(p * inv2pi))))
	r := float32(float32(p-float32(k*c1)) - float32(k*c2))
	r = float32(r + err)
	return float32(r - float32(k*c3))
}

// angleDiff returns |a − b| modulo 2π, in [0, π].
func angleDiff(a, b float64) float64 {
	d := math.Mod(math.Abs(a-b), 2*math.Pi)
	return min(d, 2*math.Pi-d)
}

// TestRopeAngleReduction checks the shaders' float32 angle arithmetic
// (mirrored in Go) against float64 pos·base^(-2i/dims) modulo 2π over
// positions up to 2^17 and every pair of several bases and widths: the
// reduced angle stays within 2.5e-7 rad (4e-8 of a turn) and within
// 0.02 of [-π, π], where the float32 product the shaders used before (pos times a
// float32 frequency) is off by up to ~1e-2 rad at the far positions.
func TestRopeAngleReduction(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	positions := []int32{0, 1, 2, 3, 4, 7, 4095, 4096, 4097, 8191, 32767, 32768, 65535, ropeFarPos - 1}
	for range 2000 {
		positions = append(positions, rng.Int32N(ropeFarPos))
	}
	for _, tc := range []struct {
		base float32
		dims int
	}{{10000, 128}, {10000, 64}, {10000, 2}, {500000, 128}, {1e6, 96}, {10000, 32}} {
		t.Run(fmt.Sprintf("base%g/dims%d", tc.base, tc.dims), func(t *testing.T) {
			f := RopeFreqs(tc.base, tc.dims)
			var worst, naive float64
			for i := range tc.dims / 2 {
				freq := math.Pow(float64(tc.base), -float64(2*i)/float64(tc.dims))
				for _, pos := range positions {
					want := float64(pos) * freq
					r := float64(ropeAngle32(pos, f[2*i], f[2*i+1]))
					worst = max(worst, angleDiff(r, want))
					// k = round(p/2π) from a float32 quotient may take the
					// neighbour of a half turn: |r| slightly beyond π.
					require.LessOrEqual(t, math.Abs(r), math.Pi+0.02, "pos %d pair %d: |r| beyond π", pos, i)
					naive = max(naive, angleDiff(float64(float32(pos)*float32(freq)), want))
				}
			}
			t.Logf("largest angle error: reduced %.2e rad, float32 pos·freq %.2e rad", worst, naive)
			assert.Less(t, worst, 2.5e-7)
		})
	}
}

// TestRopeFreqs: hi + lo carries the float64 frequency to ~2^-48.
func TestRopeFreqs(t *testing.T) {
	f := RopeFreqs(10000, 128)
	require.Len(t, f, 128)
	for i := range 64 {
		want := math.Pow(10000, -float64(2*i)/128)
		assert.InEpsilon(t, want, float64(f[2*i])+float64(f[2*i+1]), 1e-14, "pair %d", i)
		assert.Equal(t, float32(want), f[2*i], "hi is the nearest float32")
	}
	assert.Equal(t, []float32{1, 0}, RopeFreqs(10000, 2))
}

// ropeAbsBound is the largest |GPU − float64 reference| allowed per
// rotated value of magnitude ≤ 2: an angle error of 2.5e-7 rad, sin and
// cos within a few ulps of 1, and the rotation's roundings.
const ropeAbsBound = 2e-6

// TestRopeFarPositions runs rope and the fused rope+KV store at positions
// up to 2^17 on the device and bounds every rotated value's absolute error
// against cpu.Rope (float64). NMSE over a whole row hides a few bad
// elements; this does not.
func TestRopeFarPositions(t *testing.T) {
	dev := vktest.Device(t)
	e, err := newEnv(dev)
	require.NoError(t, err)
	defer e.destroy()
	rng := rand.New(rand.NewPCG(3, 4))
	check := func(t *testing.T, o outcome, n int) {
		require.NoError(t, e.err)
		require.GreaterOrEqual(t, len(o.got), n)
		var worst float64
		for i := range n {
			worst = max(worst, math.Abs(float64(o.got[i])-float64(o.want[i])))
		}
		t.Logf("largest absolute error %.2e", worst)
		assert.Less(t, worst, ropeAbsBound)
	}
	for _, s := range []ropeShape{{64, 2, 2, 2, false, ropeFarPos, 0}, {64, 2, 128, 128, false, ropeFarPos, 0}, {64, 2, 64, 64, true, 32768, 0}} {
		t.Run(fmt.Sprintf("rope/%dx%dx%d/%d/neox=%v/pos<%d", s.tokens, s.heads, s.headDim, s.dims, s.neox, s.maxPos), func(t *testing.T) {
			o, err := ropeCase(s)(e, "", rng)
			require.NoError(t, err)
			check(t, o, s.tokens*s.heads*s.headDim)
			e.close()
		})
	}
	for _, kv := range []cache.KVType{cache.KVF32, cache.KVInt8} {
		l := cache.Layout{Type: kv, BlockSize: 16, KVHeads: 2, HeadDim: 64}
		t.Run(fmt.Sprintf("rope_kvstore/%v", kv), func(t *testing.T) {
			const rows, heads = 40, 4
			o, err := ropeKVStoreCase(l, heads, rows, false, ropeFarPos)(e, "", rng)
			require.NoError(t, err)
			check(t, o, rows*(heads+l.KVHeads)*l.HeadDim) // rotated q and k
			e.close()
		})
	}
}

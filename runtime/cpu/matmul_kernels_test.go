package cpu

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/models/quant"
)

// kernelSets lists the scalar set and, where this build and CPU have it,
// the vector set.
func kernelSets() []kernelSet {
	sets := []kernelSet{scalarKernels}
	if k, ok := simdKernels(); ok {
		sets = append(sets, k)
	}
	return sets
}

// useKernels makes the fast path run k and returns the function that
// restores the previous set. Tests using it must not run in parallel.
func useKernels(k kernelSet) func() {
	old := kernels
	kernels = k
	return func() { kernels = old }
}

// blockCase is one random Q8_0 or Q4_0 matrix of rows×nb blocks with a Q8
// activation row, the raw material of the int8 kernel tests.
type blockCase struct {
	typ  quant.Type
	m    Matrix
	w    weight
	qs   []int8
	ds   []float32
	size int // bytes per block in m
}

// newBlockCase fills every quant byte with random bits (so Q8_0 weights
// include -128, which the sign trick must handle) and activations with
// values in [-127, 127] including both ends.
func newBlockCase(t testing.TB, r *rand.Rand, typ quant.Type, rows, nb int) blockCase {
	size := 34
	if typ == quant.Q4_0 {
		size = 18
	}
	data := make([]byte, rows*nb*size)
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	for b := 0; b < rows*nb; b++ { // finite scales in ±[2⁻²⁴, 2)
		binary.LittleEndian.PutUint16(data[b*size:], uint16(r.Uint32())&^0x4000)
	}
	c := blockCase{typ: typ, qs: make([]int8, nb*32), ds: make([]float32, nb), size: size}
	for i := range c.qs {
		c.qs[i] = int8(r.IntN(255) - 127)
	}
	c.qs[0] = 127
	if nb > 1 {
		c.qs[32] = -127
	}
	for i := range c.ds {
		c.ds[i] = float32(r.Float64() + 1e-3)
	}
	m, err := NewMatrix(typ, rows, nb*32, data)
	require.NoError(t, err)
	c.m = m
	c.w, err = prepareWeightMatrix(m)
	require.NoError(t, err)
	return c
}

// row returns the file bytes of row r.
func (c blockCase) row(r int) []byte { return c.m.Data[r*nb(c)*c.size : (r+1)*nb(c)*c.size] }

func nb(c blockCase) int { return len(c.ds) }

// group returns packed group g.
func (c blockCase) group(g int) []byte {
	gb := nb(c) * packedBlockBytes(c.typ)
	return c.w.packed[g*gb : (g+1)*gb]
}

// magnitude is Σ|terms| of row r's dot product in float64: float32
// kernels that sum in different orders may differ by a few ulps of it.
func (c blockCase) magnitude(r int) float64 {
	w := make([]float32, nb(c)*32)
	c.m.Row(r, w)
	var s float64
	for i, v := range w {
		s += math.Abs(float64(v) * float64(c.qs[i]) * float64(c.ds[i/32]))
	}
	return s
}

func (c blockCase) dot(k kernelSet, r int) float32 {
	if c.typ == quant.Q4_0 {
		return k.dotQ4_0(c.row(r), c.qs, c.ds, halfTable())
	}
	return k.dotQ8_0(c.row(r), c.qs, c.ds, halfTable())
}

func (c blockCase) dot4(k kernelSet, g int) []float32 {
	out := make([]float32, 4)
	if c.typ == quant.Q4_0 {
		k.dotQ4_0x4(out, c.group(g), c.qs, c.ds)
	} else {
		k.dotQ8_0x4(out, c.group(g), c.qs, c.ds)
	}
	return out
}

// checkBlockKernels holds every set's single-row and packed four-row
// kernels to the scalar single-row kernel on the file layout: exactly for
// the scalar set, within float32 reordering error for the others.
func checkBlockKernels(t *testing.T, c blockCase) {
	rows := c.m.Rows
	for _, k := range kernelSets() {
		for r := 0; r < rows; r++ {
			want := c.dot(scalarKernels, r)
			tol := f32Tol(nb(c)) * c.magnitude(r)
			if k.name == scalarKernels.name {
				tol = 0
			}
			assert.InDelta(t, want, c.dot(k, r), tol, "%s row %d", k.name, r)
			if r < rows/4*4 {
				assert.InDelta(t, want, c.dot4(k, r/4)[r%4], tol, "%s packed row %d", k.name, r)
			}
		}
	}
}

func TestBlockKernels(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, typ := range []quant.Type{quant.Q8_0, quant.Q4_0} {
		for _, shape := range [][2]int{{4, 1}, {5, 2}, {8, 3}, {7, 24}, {12, 65}} {
			t.Run(fmt.Sprintf("%v/%dx%d", typ, shape[0], shape[1]), func(t *testing.T) {
				checkBlockKernels(t, newBlockCase(t, r, typ, shape[0], shape[1]))
			})
		}
	}
}

func TestF32Kernels(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, n := range []int{0, 1, 7, 8, 9, 15, 16, 17, 31, 33, 100, 768, 1001} {
		x := randVec(r, n)
		w := [4][]float32{randVec(r, n), randVec(r, n), randVec(r, n), randVec(r, n)}
		for _, k := range kernelSets() {
			out := make([]float32, 4)
			k.dotF32x4(out, w[0], w[1], w[2], w[3], x)
			for i := range w {
				tol := f32Tol(n) * absDot(w[i], x)
				assert.InDelta(t, Dot(w[i], x), k.dotF32(w[i], x), tol, "%s n=%d", k.name, n)
				assert.InDelta(t, Dot(w[i], x), out[i], tol, "%s x4 row %d n=%d", k.name, i, n)
			}
			checkAxpy(t, k, x, w)
		}
	}
}

// f32Tol is the relative error bound, against Σ|terms|, of a float32 sum
// of n terms (or blocks) in any order: (n + 16 lanes) unit roundoffs.
func f32Tol(n int) float64 { return float64(n+16) * 0x1p-24 }

// checkAxpy checks y + a·x and y + Σ a[i]·w[i] against float64 sums.
func checkAxpy(t *testing.T, k kernelSet, y []float32, w [4][]float32) {
	a := []float32{0.5, -1.25, 2, 0.75}
	y1, y4 := slices.Clone(y), slices.Clone(y)
	k.axpyF32(y1, a[0], w[0])
	k.axpyF32x4(y4, a, w[0], w[1], w[2], w[3])
	for j := range y {
		want1 := float64(y[j]) + float64(a[0])*float64(w[0][j])
		want4, mag := float64(y[j]), math.Abs(float64(y[j]))
		for i := range w {
			want4 += float64(a[i]) * float64(w[i][j])
			mag += math.Abs(float64(a[i]) * float64(w[i][j]))
		}
		assert.InDelta(t, want1, y1[j], 2*0x1p-24*mag, "%s axpy %d", k.name, j)
		assert.InDelta(t, want4, y4[j], 5*0x1p-24*mag, "%s axpy x4 %d", k.name, j)
	}
}

// absDot is Σ|a·b| in float64, the scale of a dot product's rounding error.
func absDot(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += math.Abs(float64(a[i]) * float64(b[i]))
	}
	return s
}

func TestChunkSize(t *testing.T) {
	for _, tc := range []struct{ n, t, want int }{
		{1, 2, 1}, {12, 2, 1}, {64, 2, 4}, {256, 2, 16}, {768, 2, 48}, {2048, 2, 128}, {100, 3, 8},
	} {
		assert.Equal(t, tc.want, chunkSize(tc.n, tc.t), "n=%d t=%d", tc.n, tc.t)
	}
}

// TestParallelCoversOnce checks that parallel hands out every index exactly
// once and each worker index to one goroutine at a time.
func TestParallelCoversOnce(t *testing.T) {
	for _, n := range []int{1, 5, 64, 1001} {
		b := &Backend{opt: BackendOptions{Threads: 3}}
		seen := make([]int, n)
		calls := make([]int, 3) // under -race, a worker index shared by two goroutines is a race
		b.parallel(n, 1<<30, func(w, lo, hi int) {
			calls[w]++
			for i := lo; i < hi; i++ {
				seen[i]++
			}
		})
		for i, c := range seen {
			require.Equal(t, 1, c, "n=%d index %d", n, i)
		}
	}
}

// FuzzDotKernels holds every kernel set to the scalar kernels (or float64
// sums) on random inputs drawn from the fuzzed seed and sizes: Q8_0 and
// Q4_0 rows (including tail rows past the packed groups) against a Q8
// activation, F32 and F16 vectors of odd lengths, and the activation
// quantizer's exact bits.
func FuzzDotKernels(f *testing.F) {
	f.Add(uint64(1), uint8(1), uint8(0))
	f.Add(uint64(2), uint8(24), uint8(1))
	f.Add(uint64(3), uint8(7), uint8(2))
	f.Fuzz(func(t *testing.T, seed uint64, blocks, rows uint8) {
		r := rand.New(rand.NewPCG(seed, 11))
		nb := 1 + int(blocks)%40
		for _, typ := range []quant.Type{quant.Q8_0, quant.Q4_0} {
			checkBlockKernels(t, newBlockCase(t, r, typ, 4+int(rows)%6, nb))
		}
		n := int(blocks) * 7
		x, w := randVec(r, n), randVec(r, n)
		wb, err := quant.Quantize(quant.F16, w)
		require.NoError(t, err)
		require.NoError(t, quant.Dequantize(quant.F16, wb, w))
		wantQ, wantD := make([]int8, n/32*32), make([]float32, n/32)
		quantQ8Scalar(x, wantQ, wantD)
		for _, k := range kernelSets() {
			tol := f32Tol(n)*absDot(w, x) + 1e-30
			assert.InDelta(t, Dot(w, x), k.dotF32(w, x), tol, "%s n=%d", k.name, n)
			assert.InDelta(t, Dot(w, x), k.dotF16(wb, x), tol, "%s F16 n=%d", k.name, n)
			q, d := make([]int8, len(wantQ)), make([]float32, len(wantD))
			k.quantQ8(x, q, d)
			assert.Equal(t, wantQ, q, "%s quantQ8", k.name)
			assert.Equal(t, wantD, d, "%s quantQ8", k.name)
		}
	})
}

// TestExpKernels holds each set's softmax exp and SwiGLU to float64 math
// over the whole float32 exp range, past both clamps, with odd lengths.
func TestExpKernels(t *testing.T) {
	r := rand.New(rand.NewPCG(12, 13))
	xs := []float32{0, -0, 1, -1, 0.5, -87.3, -87.4, -100, 88.3, 20, -20, 1e-8}
	for range 1000 {
		xs = append(xs, float32(r.Float64()*180-90))
	}
	for _, k := range kernelSets() {
		for _, n := range []int{len(xs), 7, 9} {
			x := append([]float32(nil), xs[:n]...)
			k.expSum(x, 0)
			for i, v := range xs[:n] {
				checkExp(t, k.name, float64(v), x[i])
			}
			m := slices.Max(xs[:n]) // softmax's shift: every exponent ≤ 0
			var want float64        // the kernels subtract m in float32
			for _, v := range xs[:n] {
				want += math.Exp(float64(v - m))
			}
			copy(x, xs)
			assert.InEpsilon(t, want, k.expSum(x, m), f32Tol(n), "%s sum n=%d", k.name, n)
		}
		gate, up := append([]float32(nil), xs...), randVec(r, len(xs))
		got, want := make([]float32, len(xs)), make([]float32, len(xs))
		k.swiglu(got, gate, up)
		SwiGLU(want, gate, up)
		for i := range got {
			assert.InDelta(t, want[i], got[i], 4e-7*math.Abs(float64(want[i]))+1e-30, "%s swiglu(%g, %g)", k.name, gate[i], up[i])
		}
	}
}

// checkExp checks e^x within 3 ulps, except past the vector kernel's
// clamps: below, any value under 2⁻¹²⁵ stands for 0; above, any value over
// 10³⁸ for +Inf (SiLU divides by it, softmax never gets x > 0).
func checkExp(t *testing.T, name string, x float64, got float32) {
	want := math.Exp(x)
	switch {
	case x < -87.33:
		assert.Less(t, float64(got), 0x1p-125, "%s exp(%g)", name, x)
		return
	case x > 88.37:
		assert.Greater(t, float64(got), 1e38, "%s exp(%g)", name, x)
		return
	}
	assert.InEpsilon(t, want, got, 3*0x1p-24, "%s exp(%g)", name, x)
}

// TestQuantQ8Kernels requires every set to quantize activations to the
// scalar set's exact bits: random blocks, an all-zero block, and a block
// with scale 1 whose values are ties (x.5), which round away from zero.
func TestQuantQ8Kernels(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 15))
	x := randVec(r, 32*40)
	for i := 0; i < 32; i++ {
		x[32+i] = 0
		x[64+i] = float32(i) - 15.5 // ±0.5 … ±15.5
	}
	x[64] = 127 // scale exactly 1
	for i := 96; i < len(x); i++ {
		x[i] *= float32(math.Pow(10, float64(i/32%12-6)))
	}
	wantQ, wantD := make([]int8, len(x)), make([]float32, len(x)/32)
	quantQ8Scalar(x, wantQ, wantD)
	assert.Equal(t, []int8{127, -15, -14, -13}, wantQ[64:68], "ties round away from zero")
	for _, k := range kernelSets() {
		q, d := make([]int8, len(x)), make([]float32, len(x)/32)
		k.quantQ8(x, q, d)
		assert.Equal(t, wantQ, q, k.name)
		assert.Equal(t, wantD, d, k.name)
	}
}

// TestF16Kernels widens every binary16 bit pattern (subnormals, ±0, ±Inf,
// NaNs) with each set against quant.F16ToF32, and checks the F16 dot
// product on odd lengths.
func TestF16Kernels(t *testing.T) {
	src := make([]byte, 2<<16)
	for i := range 1 << 16 {
		binary.LittleEndian.PutUint16(src[2*i:], uint16(i))
	}
	r := rand.New(rand.NewPCG(16, 17))
	for _, k := range kernelSets() {
		got := make([]float32, 1<<16)
		k.widenF16(got, src)
		for i, v := range got {
			want := quant.F16ToF32(uint16(i))
			if math.IsNaN(float64(want)) {
				assert.True(t, math.IsNaN(float64(v)), "%s %#04x", k.name, i)
				continue
			}
			if math.Float32bits(v) != math.Float32bits(want) {
				assert.Equal(t, want, v, "%s %#04x", k.name, i) // reports once per bad pattern
			}
		}
		for _, n := range []int{0, 1, 7, 8, 15, 17, 33, 768} {
			x, w := randVec(r, n), randVec(r, n)
			wb, err := quant.Quantize(quant.F16, w)
			require.NoError(t, err)
			wf := make([]float32, n)
			require.NoError(t, quant.Dequantize(quant.F16, wb, wf))
			assert.InDelta(t, Dot(wf, x), k.dotF16(wb, x), f32Tol(n)*absDot(wf, x)+1e-30, "%s n=%d", k.name, n)
		}
	}
}

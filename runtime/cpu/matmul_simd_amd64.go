//go:build goexperiment.simd

package cpu

import "simd/archsimd"

// simdKernels returns the AVX2+FMA kernels when the CPU has both. They use
// 256-bit vectors only: on the AMD and Intel parts we target, 512-bit
// vectors do not raise the throughput of these memory-bound loops.
func simdKernels() (kernelSet, bool) {
	if !archsimd.X86.AVX2() || !archsimd.X86.FMA() {
		return kernelSet{}, false
	}
	return kernelSet{
		name:      "avx2",
		dotF32:    dotF32AVX2,
		dotF32x4:  dotF32x4AVX2,
		axpyF32:   axpyF32AVX2,
		axpyF32x4: axpyF32x4AVX2,
		dotF16:    dotF16AVX2,
		widenF16:  widenF16AVX2,
		expSum:    expSumAVX2,
		swiglu:    swigluAVX2,
		quantQ8:   quantQ8AVX2,
		dotQ8_0:   dotQ8_0AVX2,
		dotQ8_0x4: dotQ8_0x4AVX2,
		dotQ4_0:   dotQ4_0AVX2,
		dotQ4_0x4: dotQ4_0x4AVX2,
	}, true
}

// load8 loads a[i:i+8].
func load8(a []float32, i int) archsimd.Float32x8 {
	return archsimd.LoadFloat32x8((*[8]float32)(a[i : i+8]))
}

// sum8 adds the eight lanes of v.
func sum8(v archsimd.Float32x8) float32 {
	var a [4]float32
	v.GetLo().Add(v.GetHi()).Store(&a)
	return (a[0] + a[1]) + (a[2] + a[3])
}

// store4 writes the lane sums of a, b, c and d to out[0:4].
func store4(out []float32, a, b, c, d archsimd.Float32x8) {
	h := a.AddPairsGrouped(b).AddPairsGrouped(c.AddPairsGrouped(d))
	h.GetLo().Add(h.GetHi()).Store((*[4]float32)(out[:4]))
}

// dotF32AVX2 runs two 8-wide FMA chains, 16 values per step.
func dotF32AVX2(a, b []float32) float32 {
	n := len(a)
	b = b[:n]
	var s0, s1 archsimd.Float32x8
	i := 0
	for ; i+16 <= n; i += 16 {
		s0 = load8(a, i).MulAdd(load8(b, i), s0)
		s1 = load8(a, i+8).MulAdd(load8(b, i+8), s1)
	}
	if i+8 <= n {
		s0 = load8(a, i).MulAdd(load8(b, i), s0)
		i += 8
	}
	s := sum8(s0.Add(s1))
	for ; i < n; i++ {
		s += a[i] * b[i]
	}
	return s
}

// dotF32x4AVX2 runs one FMA chain per weight row over a shared x load.
func dotF32x4AVX2(out []float32, w0, w1, w2, w3, x []float32) {
	n := len(x)
	w0, w1, w2, w3 = w0[:n], w1[:n], w2[:n], w3[:n]
	var s0, s1, s2, s3 archsimd.Float32x8
	i := 0
	for ; i+8 <= n; i += 8 {
		xv := load8(x, i)
		s0 = load8(w0, i).MulAdd(xv, s0)
		s1 = load8(w1, i).MulAdd(xv, s1)
		s2 = load8(w2, i).MulAdd(xv, s2)
		s3 = load8(w3, i).MulAdd(xv, s3)
	}
	store4(out, s0, s1, s2, s3)
	for ; i < n; i++ {
		out[0] += w0[i] * x[i]
		out[1] += w1[i] * x[i]
		out[2] += w2[i] * x[i]
		out[3] += w3[i] * x[i]
	}
}

// axpyF32AVX2 computes y += a·x eight values at a time.
func axpyF32AVX2(y []float32, a float32, x []float32) {
	n := len(y)
	x = x[:n]
	av := archsimd.BroadcastFloat32x8(a)
	i := 0
	for ; i+8 <= n; i += 8 {
		load8(x, i).MulAdd(av, load8(y, i)).Store((*[8]float32)(y[i : i+8]))
	}
	for ; i < n; i++ {
		y[i] += a * x[i]
	}
}

// axpyF32x4AVX2 adds four scaled vectors to y in one pass over y.
func axpyF32x4AVX2(y, a, x0, x1, x2, x3 []float32) {
	n := len(y)
	x0, x1, x2, x3 = x0[:n], x1[:n], x2[:n], x3[:n]
	a0, a1, a2, a3 := bcast(a[0]), bcast(a[1]), bcast(a[2]), bcast(a[3])
	i := 0
	for ; i+8 <= n; i += 8 {
		v := load8(x0, i).MulAdd(a0, load8(y, i))
		v = load8(x1, i).MulAdd(a1, v)
		v = load8(x2, i).MulAdd(a2, v)
		v = load8(x3, i).MulAdd(a3, v)
		v.Store((*[8]float32)(y[i : i+8]))
	}
	for ; i < n; i++ {
		y[i] += a[0]*x0[i] + a[1]*x1[i] + a[2]*x2[i] + a[3]*x3[i]
	}
}

package cpu

import "os"

// kernelSet holds the inner loops of the fast path. The scalar set below is
// portable Go and always available; matmul_simd_amd64.go provides a vector
// set (built with GOEXPERIMENT=simd) that init selects when the CPU has its
// features. Tests switch between the two to hold one against the other.
//
// The "4" kernels compute four weight rows against one input row at once,
// so each activation load serves four weight streams and the four
// accumulator chains run in parallel. out receives the four dot products.
type kernelSet struct {
	name     string
	dotF32   func(a, b []float32) float32
	dotF32x4 func(out []float32, w0, w1, w2, w3, x []float32)
	axpyF32  func(y []float32, a float32, x []float32) // y += a·x
	// axpyF32x4 is y += a[0]·x0 + a[1]·x1 + a[2]·x2 + a[3]·x3.
	axpyF32x4 func(y, a, x0, x1, x2, x3 []float32)
	// F16 weight rows: dot with float32 x, and widening to float32.
	dotF16   func(w []byte, x []float32) float32
	widenF16 func(dst []float32, src []byte)
	// expSum replaces x[i] by e^(x[i]−m) and returns the sum (softmax).
	expSum func(x []float32, m float32) float32
	swiglu func(dst, gate, up []float32) // dst = silu(gate)·up
	// quantQ8 quantizes blocks of 32 values of x to qs with scales ds
	// (quantQ8Scalar states the rule); every set gives identical bits.
	quantQ8 func(x []float32, qs []int8, ds []float32)
	// Q8_0 and Q4_0 weight rows against one Q8 activation row (qs values,
	// ds per-block scales); tab is halfTable() for the binary16 scales.
	// The four-row kernels read a packed group g of four rows instead
	// (weight.packed, packGroups).
	dotQ8_0   func(w []byte, qs []int8, ds, tab []float32) float32
	dotQ8_0x4 func(out []float32, g []byte, qs []int8, ds []float32)
	dotQ4_0   func(w []byte, qs []int8, ds, tab []float32) float32
	dotQ4_0x4 func(out []float32, g []byte, qs []int8, ds []float32)
}

var scalarKernels = kernelSet{
	name:     "scalar",
	dotF32:   dotF32Scalar,
	dotF32x4: dotF32x4Scalar,
	axpyF32:  axpyF32Scalar,
	axpyF32x4: func(y, a, x0, x1, x2, x3 []float32) {
		axpyF32Scalar(y, a[0], x0)
		axpyF32Scalar(y, a[1], x1)
		axpyF32Scalar(y, a[2], x2)
		axpyF32Scalar(y, a[3], x3)
	},
	dotF16:    dotF16Scalar,
	widenF16:  widenF16Scalar,
	expSum:    expSumScalar,
	swiglu:    swigluScalar,
	quantQ8:   quantQ8Scalar,
	dotQ8_0:   dotQ8_0,
	dotQ8_0x4: dotQ8_0x4Scalar,
	dotQ4_0:   dotQ4_0,
	dotQ4_0x4: dotQ4_0x4Scalar,
}

// kernels is the set the fast path uses; it is chosen once in init and only
// replaced by tests, never while a backend runs.
var kernels = chooseKernels()

// KernelsEnv names the environment variable that, set to "scalar", makes
// the fast path use the portable kernels even where vector ones exist: the
// one switch for comparing the two in the same binary or ruling the vector
// kernels out of a bug report.
const KernelsEnv = "VKLLM_CPU_KERNELS"

// chooseKernels prefers the vector set when this build and CPU have one.
func chooseKernels() kernelSet {
	if k, ok := simdKernels(); ok && os.Getenv(KernelsEnv) != "scalar" {
		return k
	}
	return scalarKernels
}

// KernelName says which dot-product kernels the fast path runs ("scalar",
// or the vector instruction set), for benchmarks and bug reports.
func KernelName() string { return kernels.name }

// dotF32 is the fast path's float32 dot product.
func dotF32(a, b []float32) float32 { return kernels.dotF32(a, b) }

// dotF32Scalar is unrolled by 8 with four independent accumulators, so the
// adds do not wait on each other.
func dotF32Scalar(a, b []float32) float32 {
	n := len(a)
	b = b[:n]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+8 <= n; i += 8 {
		x := a[i : i+8 : i+8]
		y := b[i : i+8 : i+8]
		s0 += x[0]*y[0] + x[4]*y[4]
		s1 += x[1]*y[1] + x[5]*y[5]
		s2 += x[2]*y[2] + x[6]*y[6]
		s3 += x[3]*y[3] + x[7]*y[7]
	}
	for ; i < n; i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

func dotF32x4Scalar(out []float32, w0, w1, w2, w3, x []float32) {
	out[0], out[1] = dotF32Scalar(w0, x), dotF32Scalar(w1, x)
	out[2], out[3] = dotF32Scalar(w2, x), dotF32Scalar(w3, x)
}

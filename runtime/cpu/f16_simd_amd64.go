//go:build goexperiment.simd

package cpu

import (
	"simd/archsimd"
	"unsafe"
)

// half8 widens eight binary16 values at p to float32 exactly. archsimd has
// no VCVTPH2PS, so it uses the bit trick: the exponent and mantissa
// shifted into float32 position, times 2¹¹², give every finite half
// (subnormals included, as float32 denormals times a power of two); Inf
// and NaN get the float32 all-ones exponent instead; the sign is or'ed
// back.
func half8(p unsafe.Pointer) archsimd.Float32x8 {
	h := archsimd.LoadUint16x8((*[8]uint16)(p)).ExtendToUint32().AsInt32x8()
	em := h.And(archsimd.BroadcastInt32x8(0x7fff))
	bits := em.ShiftAllLeft(13)
	finite := bits.AsFloat32x8().Mul(bcast(0x1p112))
	special := bits.Add(archsimd.BroadcastInt32x8(0x70000000)).AsFloat32x8()
	f := special.Merge(finite, em.Greater(archsimd.BroadcastInt32x8(0x7bff)))
	sign := h.And(archsimd.BroadcastInt32x8(0x8000)).ShiftAllLeft(16)
	return f.AsInt32x8().Or(sign).AsFloat32x8()
}

// checkF16 panics unless w holds len(x) binary16 values.
func checkF16(w []byte, x []float32) {
	if len(w) < 2*len(x) {
		panic("cpu: F16 row shorter than the activation")
	}
}

// dotF16AVX2 is the dot product of an F16 weight row with x, widening in
// registers: no row buffer, two FMA chains.
func dotF16AVX2(w []byte, x []float32) float32 {
	checkF16(w, x)
	p, n := ptr(w), len(x)
	var s0, s1 archsimd.Float32x8
	i := 0
	for ; i+16 <= n; i += 16 {
		s0 = half8(unsafe.Add(p, 2*i)).MulAdd(load8(x, i), s0)
		s1 = half8(unsafe.Add(p, 2*i+16)).MulAdd(load8(x, i+8), s1)
	}
	if i+8 <= n {
		s0 = half8(unsafe.Add(p, 2*i)).MulAdd(load8(x, i), s0)
		i += 8
	}
	s := sum8(s0.Add(s1))
	if i < n {
		s += dotF16Scalar(w[2*i:], x[i:])
	}
	return s
}

// widenF16AVX2 widens the binary16 values of src into dst.
func widenF16AVX2(dst []float32, src []byte) {
	checkF16(src, dst)
	p, n := ptr(src), len(dst)
	i := 0
	for ; i+8 <= n; i += 8 {
		half8(unsafe.Add(p, 2*i)).Store((*[8]float32)(dst[i : i+8]))
	}
	widenF16Scalar(dst[i:], src[2*i:])
}

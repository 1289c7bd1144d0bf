//go:build goexperiment.simd

package cpu

import (
	"simd/archsimd"
	"unsafe"
)

// The int8 block dot products use llama.cpp's trick for AVX2, which has
// only an unsigned×signed byte multiply (VPMADDUBSW): |w| as unsigned times
// x with w's sign moved onto it gives w·x pairwise. The pair sums stay
// within int16 (|w| ≤ 128, |x| ≤ 127, so 2·128·127 < 32767) and are
// widened to int32 by a multiply-add with ones (VPMADDWD). Every block's
// eight int32 partial sums become float32 and accumulate, scaled, in a
// vector, so the horizontal sum happens once per row.

// blockDot returns the eight int32 partial sums of w·x as float32.
func blockDot(w, x archsimd.Int8x32, ones archsimd.Int16x16) archsimd.Float32x8 {
	p := w.Abs().AsUint8x32().DotProductPairsSaturated(x.CopySign(w))
	return p.DotProductPairs(ones).ConvertToFloat32()
}

// The loops below address blocks through unsafe pointers: the Go bounds
// checks on each row's 34-byte block cost more instructions than the
// block's arithmetic. checkQ8Rows proves every access in range up front.

// checkQ8Rows panics unless each row holds len(ds) blocks of size bytes
// and qs len(ds) blocks of 32 values: the kernels read that much.
func checkQ8Rows(size int, qs []int8, ds []float32, rows ...[]byte) {
	nb := len(ds)
	if len(qs) < nb*32 {
		panic("cpu: activation shorter than its scales")
	}
	for _, w := range rows {
		if len(w) < nb*size {
			panic("cpu: weight row shorter than the activation")
		}
	}
}

// q8Block loads the 32 int8 values of the Q8_0 block at p.
func q8Block(p unsafe.Pointer) archsimd.Int8x32 {
	return archsimd.LoadInt8x32((*[32]int8)(unsafe.Add(p, 2)))
}

// q4Block loads the 32 values of the Q4_0 block at p, as int8 in [-8, 7]:
// low nibbles are values 0-15, high nibbles 16-31.
func q4Block(p unsafe.Pointer, low, eight archsimd.Int8x32) archsimd.Int8x32 {
	b := archsimd.LoadUint8x16((*[16]uint8)(unsafe.Add(p, 2)))
	var v archsimd.Uint8x32
	v = v.SetLo(b).SetHi(b.AsUint16x8().ShiftAllRight(4).AsUint8x16())
	return v.AsInt8x32().And(low).Sub(eight)
}

// blockScale is the product of the binary16 scale that starts the weight
// block at p and the activation block's scale dx, broadcast.
func blockScale(p unsafe.Pointer, tab *[1 << 16]float32, dx float32) archsimd.Float32x8 {
	return archsimd.BroadcastFloat32x8(tab[*(*uint16)(p)] * dx)
}

// actBlock loads activation block blk.
func actBlock(px unsafe.Pointer, blk int) archsimd.Int8x32 {
	return archsimd.LoadInt8x32((*[32]int8)(unsafe.Add(px, blk*32)))
}

func ptr[T any](s []T) unsafe.Pointer { return unsafe.Pointer(unsafe.SliceData(s)) }

func dotQ8_0AVX2(w []byte, qs []int8, ds, tab []float32) float32 {
	checkQ8Rows(34, qs, ds, w)
	t, px, pw := (*[1 << 16]float32)(tab), ptr(qs), ptr(w)
	ones := archsimd.BroadcastInt16x16(1)
	var s0, s1 archsimd.Float32x8
	nb := len(ds)
	blk := 0
	for ; blk+2 <= nb; blk += 2 {
		p, q := unsafe.Add(pw, blk*34), unsafe.Add(pw, blk*34+34)
		s0 = blockDot(q8Block(p), actBlock(px, blk), ones).MulAdd(blockScale(p, t, ds[blk]), s0)
		s1 = blockDot(q8Block(q), actBlock(px, blk+1), ones).MulAdd(blockScale(q, t, ds[blk+1]), s1)
	}
	if blk < nb {
		p := unsafe.Add(pw, blk*34)
		s0 = blockDot(q8Block(p), actBlock(px, blk), ones).MulAdd(blockScale(p, t, ds[blk]), s0)
	}
	return sum8(s0.Add(s1))
}

func dotQ8_0x4AVX2(out []float32, w0, w1, w2, w3 []byte, qs []int8, ds, tab []float32) {
	checkQ8Rows(34, qs, ds, w0, w1, w2, w3)
	t, px := (*[1 << 16]float32)(tab), ptr(qs)
	p0, p1, p2, p3 := ptr(w0), ptr(w1), ptr(w2), ptr(w3)
	ones := archsimd.BroadcastInt16x16(1)
	var s0, s1, s2, s3 archsimd.Float32x8
	for blk, dx := range ds {
		x := actBlock(px, blk)
		s0 = blockDot(q8Block(p0), x, ones).MulAdd(blockScale(p0, t, dx), s0)
		s1 = blockDot(q8Block(p1), x, ones).MulAdd(blockScale(p1, t, dx), s1)
		s2 = blockDot(q8Block(p2), x, ones).MulAdd(blockScale(p2, t, dx), s2)
		s3 = blockDot(q8Block(p3), x, ones).MulAdd(blockScale(p3, t, dx), s3)
		p0, p1, p2, p3 = unsafe.Add(p0, 34), unsafe.Add(p1, 34), unsafe.Add(p2, 34), unsafe.Add(p3, 34)
	}
	store4(out, s0, s1, s2, s3)
}

func dotQ4_0AVX2(w []byte, qs []int8, ds, tab []float32) float32 {
	checkQ8Rows(18, qs, ds, w)
	t, px, p := (*[1 << 16]float32)(tab), ptr(qs), ptr(w)
	ones := archsimd.BroadcastInt16x16(1)
	low, eight := archsimd.BroadcastInt8x32(15), archsimd.BroadcastInt8x32(8)
	var s archsimd.Float32x8
	for blk, dx := range ds {
		s = blockDot(q4Block(p, low, eight), actBlock(px, blk), ones).MulAdd(blockScale(p, t, dx), s)
		p = unsafe.Add(p, 18)
	}
	return sum8(s)
}

func dotQ4_0x4AVX2(out []float32, w0, w1, w2, w3 []byte, qs []int8, ds, tab []float32) {
	checkQ8Rows(18, qs, ds, w0, w1, w2, w3)
	t, px := (*[1 << 16]float32)(tab), ptr(qs)
	p0, p1, p2, p3 := ptr(w0), ptr(w1), ptr(w2), ptr(w3)
	ones := archsimd.BroadcastInt16x16(1)
	low, eight := archsimd.BroadcastInt8x32(15), archsimd.BroadcastInt8x32(8)
	var s0, s1, s2, s3 archsimd.Float32x8
	for blk, dx := range ds {
		x := actBlock(px, blk)
		s0 = blockDot(q4Block(p0, low, eight), x, ones).MulAdd(blockScale(p0, t, dx), s0)
		s1 = blockDot(q4Block(p1, low, eight), x, ones).MulAdd(blockScale(p1, t, dx), s1)
		s2 = blockDot(q4Block(p2, low, eight), x, ones).MulAdd(blockScale(p2, t, dx), s2)
		s3 = blockDot(q4Block(p3, low, eight), x, ones).MulAdd(blockScale(p3, t, dx), s3)
		p0, p1, p2, p3 = unsafe.Add(p0, 18), unsafe.Add(p1, 18), unsafe.Add(p2, 18), unsafe.Add(p3, 18)
	}
	store4(out, s0, s1, s2, s3)
}

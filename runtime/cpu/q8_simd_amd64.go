//go:build goexperiment.simd

package cpu

import (
	"math"
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

// blockInts returns eight int32 partial sums of w·x.
func blockInts(w, x archsimd.Int8x32, ones archsimd.Int16x16) archsimd.Int32x8 {
	p := w.Abs().AsUint8x32().DotProductPairsSaturated(x.CopySign(w))
	return p.DotProductPairs(ones)
}

// blockDot returns the eight int32 partial sums of w·x as float32.
func blockDot(w, x archsimd.Int8x32, ones archsimd.Int16x16) archsimd.Float32x8 {
	return blockInts(w, x, ones).ConvertToFloat32()
}

// scales4 returns the four float32 scales at p times dx, in both halves.
func scales4(p unsafe.Pointer, dx float32) archsimd.Float32x8 {
	d := archsimd.LoadFloat32x4((*[4]float32)(p))
	var v archsimd.Float32x8
	return v.SetLo(d).SetHi(d).Mul(archsimd.BroadcastFloat32x8(dx))
}

// checkPacked panics unless packed group g holds len(ds) blocks of pb
// bytes and qs len(ds) blocks of 32 values.
func checkPacked(pb int, g []byte, qs []int8, ds []float32) {
	if len(g) < len(ds)*pb || len(qs) < len(ds)*32 {
		panic("cpu: packed group or activation shorter than the activation's blocks")
	}
}

// The loops below address blocks through unsafe pointers: the Go bounds
// checks on each row's 34-byte block cost more instructions than the
// block's arithmetic. checkQ8Rows proves every access in range up front.
// Each block's pointer is computed from the base, never advanced past the
// last block: a pointer one past an allocation is invalid in Go (checkptr,
// on under -race, rejects it).

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

// q8Block loads the 32 int8 quants at p.
func q8Block(p unsafe.Pointer) archsimd.Int8x32 {
	return archsimd.LoadInt8x32((*[32]int8)(p))
}

// q4Block loads the 32 values of the 16 Q4_0 quant bytes at p, as int8 in
// [-8, 7]: low nibbles are values 0-15, high nibbles 16-31.
func q4Block(p unsafe.Pointer, low, eight archsimd.Int8x32) archsimd.Int8x32 {
	b := archsimd.LoadUint8x16((*[16]uint8)(p))
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
		s0 = blockDot(q8Block(unsafe.Add(p, 2)), actBlock(px, blk), ones).MulAdd(blockScale(p, t, ds[blk]), s0)
		s1 = blockDot(q8Block(unsafe.Add(q, 2)), actBlock(px, blk+1), ones).MulAdd(blockScale(q, t, ds[blk+1]), s1)
	}
	if blk < nb {
		p := unsafe.Add(pw, blk*34)
		s0 = blockDot(q8Block(unsafe.Add(p, 2)), actBlock(px, blk), ones).MulAdd(blockScale(p, t, ds[blk]), s0)
	}
	return sum8(s0.Add(s1))
}

// dotQ8_0x4AVX2 reads packed group g (see packGroups). It sums each
// row's eight int32 partials of a block down to one (VPHADDD), so the four
// rows share one int-to-float conversion and one multiply-add with their
// four scales.
func dotQ8_0x4AVX2(out []float32, g []byte, qs []int8, ds []float32) {
	const pb = 16 + 4*32
	checkPacked(pb, g, qs, ds)
	px, pg := ptr(qs), ptr(g)
	ones := archsimd.BroadcastInt16x16(1)
	var acc archsimd.Float32x8
	for blk, dx := range ds {
		x, p := actBlock(px, blk), unsafe.Add(pg, blk*pb)
		i01 := blockInts(q8Block(unsafe.Add(p, 16)), x, ones).AddPairsGrouped(blockInts(q8Block(unsafe.Add(p, 48)), x, ones))
		i23 := blockInts(q8Block(unsafe.Add(p, 80)), x, ones).AddPairsGrouped(blockInts(q8Block(unsafe.Add(p, 112)), x, ones))
		acc = i01.AddPairsGrouped(i23).ConvertToFloat32().MulAdd(scales4(p, dx), acc)
	}
	acc.GetLo().Add(acc.GetHi()).Store((*[4]float32)(out[:4]))
}

func dotQ4_0AVX2(w []byte, qs []int8, ds, tab []float32) float32 {
	checkQ8Rows(18, qs, ds, w)
	t, px, pw := (*[1 << 16]float32)(tab), ptr(qs), ptr(w)
	ones := archsimd.BroadcastInt16x16(1)
	low, eight := archsimd.BroadcastInt8x32(15), archsimd.BroadcastInt8x32(8)
	var s archsimd.Float32x8
	for blk, dx := range ds {
		p := unsafe.Add(pw, blk*18)
		s = blockDot(q4Block(unsafe.Add(p, 2), low, eight), actBlock(px, blk), ones).MulAdd(blockScale(p, t, dx), s)
	}
	return sum8(s)
}

// dotQ4_0x4AVX2 is dotQ8_0x4AVX2 for Q4_0 groups.
func dotQ4_0x4AVX2(out []float32, g []byte, qs []int8, ds []float32) {
	const pb = 16 + 4*16
	checkPacked(pb, g, qs, ds)
	px, pg := ptr(qs), ptr(g)
	ones := archsimd.BroadcastInt16x16(1)
	low, eight := archsimd.BroadcastInt8x32(15), archsimd.BroadcastInt8x32(8)
	var acc archsimd.Float32x8
	for blk, dx := range ds {
		x, p := actBlock(px, blk), unsafe.Add(pg, blk*pb)
		i01 := blockInts(q4Block(unsafe.Add(p, 16), low, eight), x, ones).AddPairsGrouped(blockInts(q4Block(unsafe.Add(p, 32), low, eight), x, ones))
		i23 := blockInts(q4Block(unsafe.Add(p, 48), low, eight), x, ones).AddPairsGrouped(blockInts(q4Block(unsafe.Add(p, 64), low, eight), x, ones))
		acc = i01.AddPairsGrouped(i23).ConvertToFloat32().MulAdd(scales4(p, dx), acc)
	}
	acc.GetLo().Add(acc.GetHi()).Store((*[4]float32)(out[:4]))
}

// abs8 clears the sign bits.
func abs8(v archsimd.Float32x8) archsimd.Float32x8 {
	return v.AsInt32x8().And(archsimd.BroadcastInt32x8(math.MaxInt32)).AsFloat32x8()
}

// quantQ8AVX2 is quantQ8Scalar with the same float32 arithmetic, so the
// bits agree: math.Round's ties away from zero become a truncation plus
// one where the (exact) fraction is at least one half, then the sign.
func quantQ8AVX2(x []float32, qs []int8, ds []float32) {
	half, one := bcast(0.5), bcast(1)
	var q [32]int32
	for blk := range ds {
		src, dst := x[blk*32:blk*32+32], (*[32]int8)(qs[blk*32:blk*32+32])
		v := [4]archsimd.Float32x8{load8(src, 0), load8(src, 8), load8(src, 16), load8(src, 24)}
		m := abs8(v[0]).Max(abs8(v[1])).Max(abs8(v[2]).Max(abs8(v[3])))
		var m4 [4]float32
		m.GetLo().Max(m.GetHi()).Store(&m4)
		d := max(max(m4[0], m4[1]), max(m4[2], m4[3])) / 127
		ds[blk] = d
		inv := float32(0)
		if d != 0 {
			inv = 1 / d
		}
		for k, vk := range v {
			y := vk.Mul(bcast(inv))
			a := abs8(y)
			t := a.Trunc()
			r := t.Add(one.Masked(a.Sub(t).GreaterEqual(half)))
			r.ConvertToInt32().CopySign(y.AsInt32x8()).Store((*[8]int32)(q[8*k : 8*k+8]))
		}
		for j, v := range q {
			dst[j] = int8(v)
		}
	}
}

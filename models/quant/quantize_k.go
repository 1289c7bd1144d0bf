package quant

import (
	"encoding/binary"
	"math"
)

// Quantizers for Q4_1 and the K-quants Q4_K, Q5_K and Q6_K. They write
// exactly the layouts the dequantizers in dequant.go and kquant.go read, with
// a simple, direct scale choice rather than ggml's iterative error search:
// the files they produce are valid ggml files whose error is bounded by the
// step of each sub-block (tests measure it), somewhat above what llama.cpp's
// quantizer reaches on the same data.
//
// Scales are rounded up, not to nearest, where rounding down would shrink a
// sub-block's range below its data and clamp its extreme values: a sub-block
// whose scale is a small fraction of the super-block's largest would
// otherwise lose whole steps at its ends.

// quantQ4_1 encodes 32 values as in quantize_row_q4_1_ref: m = min,
// d = (max-min)/15, q = min(15, trunc((x-m)/d + 0.5)).
func quantQ4_1(x []float32, b []byte) {
	lo, hi := x[0], x[0]
	for _, v := range x {
		lo, hi = min(lo, v), max(hi, v)
	}
	d := (hi - lo) / 15
	var id float32
	if d != 0 {
		id = 1 / d
	}
	binary.LittleEndian.PutUint16(b, F32ToF16(d))
	binary.LittleEndian.PutUint16(b[2:], F32ToF16(lo))
	code := func(v float32) byte { return byte(min(15, int8(float32((v-lo)*id)+0.5))) }
	for j := range 16 {
		b[4+j] = code(x[j]) | code(x[j+16])<<4
	}
}

// kScales holds one Q4_K/Q5_K super-block's choice: the fp16 factors and the
// 6-bit scale and min of each 32-value sub-block.
type kScales struct {
	d, dmin uint16
	sc, m   [8]uint8
}

// chooseK picks the scales of a 256-value super-block for codes 0..levels.
// Each sub-block's offset is its minimum clamped to at most 0 (the format
// subtracts dmin*m with m >= 0); its step covers max + offset (as rounded),
// which is >= 0 since max >= min >= -offset.
func chooseK(x []float32, levels float32) kScales {
	var ks kScales
	var negMin [8]float32
	var maxNeg float32
	for j := range 8 {
		lo := float32(0)
		for _, v := range x[32*j : 32*j+32] {
			lo = min(lo, v)
		}
		negMin[j] = -lo
		maxNeg = max(maxNeg, -lo)
	}
	ks.dmin = F32ToF16(maxNeg / 63)
	dmin := F16ToF32(ks.dmin)
	var span [8]float32
	var maxSpan float32
	for j := range 8 {
		ks.m[j] = ceilCode(negMin[j], dmin, 63)
		hi := x[32*j]
		for _, v := range x[32*j : 32*j+32] {
			hi = max(hi, v)
		}
		span[j] = hi + dmin*float32(ks.m[j])
		maxSpan = max(maxSpan, span[j])
	}
	ks.d = F32ToF16(maxSpan / levels / 63)
	d := F16ToF32(ks.d)
	for j := range 8 {
		ks.sc[j] = ceilCode(span[j]/levels, d, 63)
	}
	return ks
}

// ceilCode returns ceil(v/unit) clamped to 0..top, and 0 when unit is 0.
func ceilCode(v, unit float32, top int) uint8 {
	if unit <= 0 || v <= 0 {
		return 0
	}
	return uint8(min(float64(top), math.Ceil(float64(v/unit))))
}

// pack writes d, dmin and the 12 packed scale bytes (the inverse of
// scaleMinK4) to b[0:16].
func (ks kScales) pack(b []byte) {
	binary.LittleEndian.PutUint16(b, ks.d)
	binary.LittleEndian.PutUint16(b[2:], ks.dmin)
	q := b[4:16]
	clear(q)
	for j := range 4 {
		q[j] = ks.sc[j] | (ks.sc[j+4]>>4)<<6
		q[j+4] = ks.m[j] | (ks.m[j+4]>>4)<<6
		q[j+8] = ks.sc[j+4]&0xf | (ks.m[j+4]&0xf)<<4
	}
}

// codes rounds each value to its code in 0..levels under the
// stored (fp16-rounded) factors.
func (ks kScales) codes(x []float32, levels int, out *[256]uint8) {
	d, dmin := F16ToF32(ks.d), F16ToF32(ks.dmin)
	for j := range 8 {
		step, off := d*float32(ks.sc[j]), dmin*float32(ks.m[j])
		for i := 32 * j; i < 32*j+32; i++ {
			if step == 0 {
				out[i] = 0
				continue
			}
			q := math.Round(float64((x[i] + off) / step))
			out[i] = uint8(max(0, min(float64(levels), q)))
		}
	}
}

// quantQ4_K encodes 256 values into the 144-byte block dequantQ4_K reads.
func quantQ4_K(x []float32, b []byte) {
	ks := chooseK(x, 15)
	ks.pack(b)
	var q [256]uint8
	ks.codes(x, 15, &q)
	qs := b[16:144]
	for c := range 4 {
		for l := range 32 {
			qs[32*c+l] = q[64*c+l] | q[64*c+32+l]<<4
		}
	}
}

// quantQ5_K encodes 256 values into the 176-byte block dequantQ5_K reads:
// low nibbles as Q4_K, fifth bits in qh (bit 2c of qh[l] for value 64c+l,
// bit 2c+1 for value 64c+32+l).
func quantQ5_K(x []float32, b []byte) {
	ks := chooseK(x, 31)
	ks.pack(b)
	var q [256]uint8
	ks.codes(x, 31, &q)
	qh, qs := b[16:48], b[48:176]
	clear(qh)
	for c := range 4 {
		for l := range 32 {
			lo, hi := q[64*c+l], q[64*c+32+l]
			qs[32*c+l] = lo&0xf | (hi&0xf)<<4
			qh[l] |= (lo>>4)<<(2*c) | (hi>>4)<<(2*c+1)
		}
	}
}

// quantQ6_K encodes 256 values into the 210-byte block dequantQ6_K reads.
// Each 16-value sub-block is symmetric: its value of largest magnitude maps
// to code -32 (as ggml does, which uses the one extra negative code), so its
// scale is that value / -32; the int8 scales are quantized against
// d = (largest-magnitude scale) / -128.
func quantQ6_K(x []float32, b []byte) {
	var scale [16]float32
	var big float32
	for i := range 16 {
		var mx float32
		for _, v := range x[16*i : 16*i+16] {
			if abs32(v) > abs32(mx) {
				mx = v
			}
		}
		scale[i] = mx / -32
		if abs32(scale[i]) > abs32(big) {
			big = scale[i]
		}
	}
	dh := F32ToF16(big / -128)
	binary.LittleEndian.PutUint16(b[208:], dh)
	d := F16ToF32(dh)
	var q [256]uint8
	for i := range 16 {
		sc := signedCeilCode(scale[i], d)
		b[192+i] = byte(sc)
		step := d * float32(sc)
		for k := 16 * i; k < 16*i+16; k++ {
			c := 0.0
			if step != 0 {
				c = max(-32, min(31, math.Round(float64(x[k]/step))))
			}
			q[k] = uint8(c + 32)
		}
	}
	packQ6_K(&q, b)
}

// signedCeilCode returns v/unit rounded away from zero and clamped to int8,
// so the sub-block's step is never smaller than its data needs (except by
// the fp16 rounding of unit at the largest scale).
func signedCeilCode(v, unit float32) int8 {
	if unit == 0 || v == 0 {
		return 0
	}
	r := float64(v / unit)
	c := math.Ceil(math.Abs(r))
	return int8(max(-128, min(127, math.Copysign(c, r))))
}

// packQ6_K writes the 6-bit codes q (0..63) into ql and qh as dequantQ6_K
// reads them: in half h, value 128h+32k+l takes the low (k<2) or high
// nibble of ql[64h+l+32(k&1)] and bits 2k..2k+1 of qh[32h+l].
func packQ6_K(q *[256]uint8, b []byte) {
	clear(b[:192])
	for h := range 2 {
		ql, qh := b[64*h:64*h+64], b[128+32*h:128+32*h+32]
		for l := range 32 {
			for k := range 4 {
				v := q[128*h+32*k+l]
				ql[l+32*(k&1)] |= (v & 0xf) << (4 * (k >> 1))
				qh[l] |= (v >> 4) << (2 * k)
			}
		}
	}
}

// blockQuantizers are the block encoders of quantize_k.go, by type.
var blockQuantizers = map[Type]func(x []float32, b []byte){
	Q4_1: quantQ4_1,
	Q4_K: quantQ4_K,
	Q5_K: quantQ5_K,
	Q6_K: quantQ6_K,
}

// quantBlocks encodes src block by block into out, which holds exactly
// t.RowBytes(len(src)) bytes.
func quantBlocks(t Type, src []float32, out []byte) {
	fn, bs, bb := blockQuantizers[t], t.BlockSize(), t.BlockBytes()
	for i := 0; i < len(src)/bs; i++ {
		fn(src[i*bs:(i+1)*bs], out[i*bb:(i+1)*bb])
	}
}

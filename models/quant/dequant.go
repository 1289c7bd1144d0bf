package quant

import (
	"encoding/binary"
	"fmt"
	"math"
	"sync"
)

// blockFunc dequantizes one block: src holds exactly BlockBytes bytes and
// dst exactly BlockSize values.
type blockFunc func(src []byte, dst []float32)

// dequantizers lists the types Dequantize handles. Scalar types are handled
// in bulk by Dequantize itself but appear here so Supported sees them.
var dequantizers = map[Type]blockFunc{
	F32:  func(s []byte, d []float32) { d[0] = math.Float32frombits(binary.LittleEndian.Uint32(s)) },
	F16:  func(s []byte, d []float32) { d[0] = F16ToF32(binary.LittleEndian.Uint16(s)) },
	BF16: func(s []byte, d []float32) { d[0] = BF16ToF32(binary.LittleEndian.Uint16(s)) },
	Q4_0: dequantQ4_0,
	Q4_1: dequantQ4_1,
	Q5_0: dequantQ5_0,
	Q5_1: dequantQ5_1,
	Q8_0: dequantQ8_0,
	Q4_K: dequantQ4_K,
	Q5_K: dequantQ5_K,
	Q6_K: dequantQ6_K,
}

// Dequantize converts len(dst) values of type t from src, which must hold
// exactly RowBytes(len(dst)) bytes.
func Dequantize(t Type, src []byte, dst []float32) error {
	fn, ok := dequantizers[t]
	if !ok {
		if t.Known() {
			return fmt.Errorf("quant: dequantize %v: %w", t, ErrUnsupported)
		}
		return fmt.Errorf("quant: dequantize %v: unknown type", t)
	}
	want, err := t.RowBytes(len(dst))
	if err != nil {
		return err
	}
	if len(src) != want {
		return fmt.Errorf("quant: dequantize %v: %d values need %d bytes, got %d", t, len(dst), want, len(src))
	}
	switch t {
	case F32:
		for i := range dst {
			dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(src[4*i:]))
		}
		return nil
	case F16:
		table := f16Table()
		for i := range dst {
			dst[i] = table[binary.LittleEndian.Uint16(src[2*i:])]
		}
		return nil
	case BF16:
		for i := range dst {
			dst[i] = BF16ToF32(binary.LittleEndian.Uint16(src[2*i:]))
		}
		return nil
	}
	bs, bb := t.BlockSize(), t.BlockBytes()
	for i := 0; i < len(dst)/bs; i++ {
		fn(src[i*bb:(i+1)*bb], dst[i*bs:(i+1)*bs])
	}
	return nil
}

// f16Table maps every binary16 bit pattern to float32 (256 KiB, built on
// first use): F16ToF32's branches cost 4x more than a lookup in bulk.
var f16Table = sync.OnceValue(func() *[1 << 16]float32 {
	var t [1 << 16]float32
	for h := range t {
		t[h] = F16ToF32(uint16(h))
	}
	return &t
})

// half reads the little-endian binary16 at b[0:2] as float32.
func half(b []byte) float32 { return F16ToF32(binary.LittleEndian.Uint16(b)) }

// Q4_0: d f16, then 16 bytes; byte j holds value j (low nibble) and value
// j+16 (high nibble), each an unsigned 4-bit q with x = (q-8)*d.
func dequantQ4_0(s []byte, y []float32) {
	d, qs := half(s), s[2:18]
	for j, q := range qs {
		y[j] = float32(int(q&0xf)-8) * d
		y[j+16] = float32(int(q>>4)-8) * d
	}
}

// Q4_1: d f16, m f16, then nibbles as in Q4_0 with x = q*d + m.
func dequantQ4_1(s []byte, y []float32) {
	d, m, qs := half(s), half(s[2:]), s[4:20]
	for j, q := range qs {
		y[j] = float32(q&0xf)*d + m
		y[j+16] = float32(q>>4)*d + m
	}
}

// Q5_0: d f16, qh u32 (bit j is the fifth bit of value j), then nibbles as
// Q4_0; x = (q-16)*d with q in 0..31.
func dequantQ5_0(s []byte, y []float32) {
	d, qh, qs := half(s), binary.LittleEndian.Uint32(s[2:]), s[6:22]
	for j, q := range qs {
		lo := int(q&0xf) | int(qh>>j&1)<<4
		hi := int(q>>4) | int(qh>>(j+16)&1)<<4
		y[j] = float32(lo-16) * d
		y[j+16] = float32(hi-16) * d
	}
}

// Q5_1: d f16, m f16, qh u32, nibbles; x = q*d + m with q in 0..31.
func dequantQ5_1(s []byte, y []float32) {
	d, m, qh, qs := half(s), half(s[2:]), binary.LittleEndian.Uint32(s[4:]), s[8:24]
	for j, q := range qs {
		lo := uint32(q&0xf) | (qh>>j&1)<<4
		hi := uint32(q>>4) | (qh>>(j+16)&1)<<4
		y[j] = float32(lo)*d + m
		y[j+16] = float32(hi)*d + m
	}
}

// Q8_0: d f16, then 32 int8; x = q*d.
func dequantQ8_0(s []byte, y []float32) {
	d := half(s)
	for j, q := range s[2:34] {
		y[j] = float32(int8(q)) * d
	}
}

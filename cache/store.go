package cache

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/vkllm/vkllm/models/quant"
)

// Store writes the HeadDim values of x as the (head, slot) vector of block,
// converting to the layout's type. This is the CPU reference of the GPU
// KV-store kernel, so it is plain and exact:
//
//   - f32: the bits of x;
//   - f16: round to nearest even (quant.F32ToF16);
//   - int8: s = max|x|/127 over the finite values, q = round(x/s) rounding
//     half away from zero, clamped to [-127, 127]; s is stored as the scale.
//     If s is 0 or subnormal (max|x| < 127 × 2^-126) the scale and every q
//     are stored as 0. NaN
//     quantizes to 0 and ±Inf to ±127, so a broken activation cannot make
//     the conversion undefined.
func (l Layout) Store(block []byte, head, slot int, x []float32) {
	l.checkAccess(block, x)
	off := l.ValueOffset(head, slot)
	switch l.Type {
	case KVF32:
		for i, v := range x {
			binary.LittleEndian.PutUint32(block[off+4*i:], math.Float32bits(v))
		}
	case KVF16:
		for i, v := range x {
			binary.LittleEndian.PutUint16(block[off+2*i:], quant.F32ToF16(v))
		}
	case KVInt8:
		s := QuantizeInt8(block[off:off+l.HeadDim], x)
		binary.LittleEndian.PutUint32(block[l.ScaleOffset(head, slot):], math.Float32bits(s))
	}
}

// Load reads the (head, slot) vector of block into dst (len HeadDim),
// widening or dequantizing (x = q × s) to float32.
func (l Layout) Load(block []byte, head, slot int, dst []float32) {
	l.checkAccess(block, dst)
	off := l.ValueOffset(head, slot)
	switch l.Type {
	case KVF32:
		for i := range dst {
			dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(block[off+4*i:]))
		}
	case KVF16:
		for i := range dst {
			dst[i] = quant.F16ToF32(binary.LittleEndian.Uint16(block[off+2*i:]))
		}
	case KVInt8:
		s := math.Float32frombits(binary.LittleEndian.Uint32(block[l.ScaleOffset(head, slot):]))
		for i := range dst {
			dst[i] = float32(int8(block[off+i])) * s
		}
	}
}

func (l Layout) checkAccess(block []byte, x []float32) {
	if len(block) < l.BlockBytes() {
		panic(fmt.Sprintf("cache: block of %d bytes, layout %v needs %d", len(block), l, l.BlockBytes()))
	}
	if len(x) != l.HeadDim {
		panic(fmt.Sprintf("cache: vector of %d values, layout %v needs %d", len(x), l, l.HeadDim))
	}
}

// QuantizeInt8 quantizes x into q (two's complement bytes, len(q) ==
// len(x)) with the rule Store documents and returns the scale.
func QuantizeInt8(q []byte, x []float32) float32 {
	var amax float32
	for _, v := range x {
		if a := float32(math.Abs(float64(v))); a > amax && !math.IsInf(float64(a), 1) {
			amax = a
		}
	}
	s := amax / 127
	if s < 0x1p-126 {
		// A subnormal scale would depend on the device's denorm mode
		// (shaders may flush it to zero), so the contract stores zeros.
		s = 0
	}
	for i, v := range x {
		q[i] = byte(int8(quantizeOne(v, s)))
	}
	return s
}

func quantizeOne(v, s float32) int {
	if s == 0 || v != v { // zero scale or NaN
		return 0
	}
	r := math.Round(float64(v / s)) // half away from zero; v/s rounds in float32 first
	return int(max(-127, min(127, r)))
}

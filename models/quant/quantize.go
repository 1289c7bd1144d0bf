package quant

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Quantize encodes src as type t with ggml's reference rounding. It supports
// F32, F16, BF16, Q8_0 and Q4_0, and Q4_1, Q4_K, Q5_K and Q6_K with the
// simpler scale choice of quantize_k.go; other types return ErrUnsupported. len(src)
// must be a multiple of the block size.
func Quantize(t Type, src []float32) ([]byte, error) {
	n, err := t.RowBytes(len(src))
	if err != nil {
		return nil, err
	}
	out := make([]byte, n)
	switch t {
	case F32:
		for i, v := range src {
			binary.LittleEndian.PutUint32(out[4*i:], math.Float32bits(v))
		}
	case F16:
		for i, v := range src {
			binary.LittleEndian.PutUint16(out[2*i:], F32ToF16(v))
		}
	case BF16:
		for i, v := range src {
			binary.LittleEndian.PutUint16(out[2*i:], F32ToBF16(v))
		}
	case Q8_0:
		for i := 0; i < len(src)/32; i++ {
			quantQ8_0(src[32*i:32*i+32], out[34*i:34*i+34])
		}
	case Q4_0:
		for i := 0; i < len(src)/32; i++ {
			quantQ4_0(src[32*i:32*i+32], out[18*i:18*i+18])
		}
	case Q4_1, Q4_K, Q5_K, Q6_K:
		quantBlocks(t, src, out)
	default:
		return nil, fmt.Errorf("quant: quantize %v: %w", t, ErrUnsupported)
	}
	return out, nil
}

// quantQ8_0 follows quantize_row_q8_0_ref: d = max|x|/127, q = round(x/d)
// with halves away from zero. The scale used for rounding is the float32 d,
// not its fp16 rounding, exactly as ggml does.
func quantQ8_0(x []float32, b []byte) {
	var amax float32
	for _, v := range x {
		amax = max(amax, abs32(v))
	}
	d := amax / 127
	var id float32
	if d != 0 {
		id = 1 / d
	}
	binary.LittleEndian.PutUint16(b, F32ToF16(d))
	for j, v := range x {
		b[2+j] = byte(int8(math.Round(float64(v * id))))
	}
}

// quantQ4_0 follows quantize_row_q4_0_ref: the value of largest magnitude
// (with its sign) maps to -8, d = max/-8, q = min(15, trunc(x/d + 8.5)).
func quantQ4_0(x []float32, b []byte) {
	var amax, mx float32
	for _, v := range x {
		if abs32(v) > amax {
			amax, mx = abs32(v), v
		}
	}
	d := mx / -8
	var id float32
	if d != 0 {
		id = 1 / d
	}
	binary.LittleEndian.PutUint16(b, F32ToF16(d))
	for j := range 16 {
		lo := min(15, int8(float32(x[j]*id)+8.5)) // float32(): no FMA, as in C
		hi := min(15, int8(float32(x[j+16]*id)+8.5))
		b[2+j] = byte(lo) | byte(hi)<<4
	}
}

func abs32(v float32) float32 { return math.Float32frombits(math.Float32bits(v) &^ (1 << 31)) }

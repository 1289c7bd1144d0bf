package quant

import "math"

// F16ToF32 widens an IEEE 754 binary16 value exactly, subnormals, infinities
// and NaN payloads included.
func F16ToF32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // inf or nan: keep the payload in the top mantissa bits
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	case exp != 0: // normal: rebias 15 -> 127
		return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
	case mant == 0:
		return math.Float32frombits(sign)
	}
	// Subnormal half: mant * 2^-24 is exact in float32.
	v := float32(mant) * (1.0 / (1 << 24))
	return math.Float32frombits(sign | math.Float32bits(v))
}

// F32ToF16 narrows to binary16 with round-to-nearest-even; overflow gives
// infinity, tiny values become subnormals or signed zero, NaN stays NaN
// (quiet, payload top bits kept).
func F32ToF16(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int32(b>>23) & 0xff
	mant := b & 0x7fffff
	if exp == 0xff {
		if mant == 0 {
			return sign | 0x7c00
		}
		return sign | 0x7e00 | uint16(mant>>13)
	}
	e := exp - 127 + 15 // half exponent, unclamped
	if e >= 0x1f {
		return sign | 0x7c00
	}
	if e <= 0 {
		return sign | f16Subnormal(exp, mant, e)
	}
	// Normal: drop 13 mantissa bits with round-to-nearest-even. A carry out
	// of the mantissa correctly bumps the exponent (possibly to infinity).
	h := uint32(e)<<10 | mant>>13
	return sign | uint16(roundShiftedOut(h, mant, 13))
}

// f16Subnormal encodes a float32 with biased exponent exp whose half
// exponent e is <= 0 as a half subnormal (or zero), rounding to nearest even.
func f16Subnormal(exp int32, mant uint32, e int32) uint16 {
	if exp == 0 || e < -10 { // float32 subnormals and values below half's range
		return 0
	}
	full := mant | 0x800000 // implicit leading one
	shift := uint32(14 - e) // 13 for the mantissa width, plus 1-e for the exponent
	h := full >> shift
	return uint16(roundShiftedOut(h, full, shift))
}

// roundShiftedOut rounds h = v>>shift to nearest even using the bits of v
// that the shift dropped.
func roundShiftedOut(h, v, shift uint32) uint32 {
	rem := v & (1<<shift - 1)
	half := uint32(1) << (shift - 1)
	if rem > half || (rem == half && h&1 == 1) {
		h++
	}
	return h
}

// BF16ToF32 widens a bfloat16 value exactly.
func BF16ToF32(h uint16) float32 {
	return math.Float32frombits(uint32(h) << 16)
}

// F32ToBF16 narrows to bfloat16 with round-to-nearest-even, keeping
// subnormals (ggml flushed them once; we do not) and quieting NaNs.
func F32ToBF16(f float32) uint16 {
	b := math.Float32bits(f)
	if b&0x7fffffff > 0x7f800000 {
		return uint16(b>>16) | 0x40
	}
	return uint16((b + 0x7fff + (b>>16)&1) >> 16)
}

// kvlayout.glsl: the paged KV block layout (DESIGN.md "KV cache layout",
// cache.Layout) and exact float conversions. Include-only.
//
// Expects the includer to declare the specialization constants HEAD_DIM,
// KV_HEADS and BLOCK_SIZE and to define one of KV_F32, KV_F16, KV_INT8.
// A block of one pool holds [KV_HEADS][BLOCK_SIZE][HEAD_DIM] values padded
// to 4 bytes, then for int8 [KV_HEADS][BLOCK_SIZE] fp32 scales. Pools are
// addressed in 32-bit words: HEAD_DIM is a multiple of 4, so every (head,
// slot) vector starts on a word and the invocation that writes a word owns
// all of its bytes.

#if defined(KV_F32)
const uint KV_VALUE_BYTES = 4;
#elif defined(KV_F16)
const uint KV_VALUE_BYTES = 2;
#elif defined(KV_INT8)
const uint KV_VALUE_BYTES = 1;
#else
#error "define KV_F32, KV_F16 or KV_INT8"
#endif

// Words of one (head, slot) vector, of the values section and of a block.
const uint KV_VEC_WORDS = HEAD_DIM * KV_VALUE_BYTES / 4;
const uint KV_VALUES_WORDS = KV_HEADS * BLOCK_SIZE * KV_VEC_WORDS;
#if defined(KV_INT8)
const uint KV_BLOCK_WORDS = KV_VALUES_WORDS + KV_HEADS * BLOCK_SIZE;
#else
const uint KV_BLOCK_WORDS = KV_VALUES_WORDS;
#endif

// kv_vec_word is the word index of the first value of (head, slot) of block.
uint kv_vec_word(uint block, uint head, uint slot) {
	return block * KV_BLOCK_WORDS + (head * BLOCK_SIZE + slot) * KV_VEC_WORDS;
}

// kv_scale_word is the word index of the int8 scale of (head, slot).
uint kv_scale_word(uint block, uint head, uint slot) {
	return block * KV_BLOCK_WORDS + KV_VALUES_WORDS + head * BLOCK_SIZE + slot;
}

// f32_to_f16 converts float bits to half bits rounding to nearest even, in
// integer arithmetic so that the result does not depend on the driver's
// conversion rounding or denorm mode (quant.F32ToF16 is the reference).
uint f32_to_f16(uint x) {
	uint sign = (x >> 16) & 0x8000u;
	uint ax = x & 0x7fffffffu;
	if (ax > 0x7f800000u) {
		return sign | 0x7e00u | ((ax & 0x7fffffu) >> 13); // NaN keeps its payload top
	}
	if (ax >= 0x47800000u) {
		return sign | 0x7c00u; // 2^16 and above, infinity
	}
	uint shift = 13u;
	uint m = ax - 0x38000000u; // rebias the exponent from 127 to 15
	if (ax < 0x38800000u) { // below 2^-14: a half subnormal or zero
		if (ax < 0x33000000u) {
			return sign; // below 2^-25 (and 2^-25 itself ties to even zero)
		}
		shift = 126u - (ax >> 23);
		m = (ax & 0x7fffffu) | 0x800000u;
	}
	uint h = m >> shift;
	uint rem = m & ((1u << shift) - 1u);
	uint halfway = 1u << (shift - 1u);
	if (rem > halfway || (rem == halfway && (h & 1u) != 0u)) {
		h++; // a carry out of the mantissa bumps the exponent, possibly to infinity
	}
	return sign | h;
}

// mant_exp splits positive finite nonzero float bits a into m in
// [2^23, 2^24) and e with value = m · 2^(e-23); subnormals are normalised.
void mant_exp(uint a, out uint m, out int e) {
	uint ea = a >> 23;
	if (ea == 0u) {
		int msb = findMSB(a);
		m = a << uint(23 - msb);
		e = msb - 149;
	} else {
		m = (a & 0x7fffffu) | 0x800000u;
		e = int(ea) - 127;
	}
}

// div_rn returns the bits of a / b rounded to nearest even, for positive
// finite nonzero a and b, or 0 when the quotient is below 2^-126. Integer
// long division: Vulkan allows 2.5 ulp for a float division, and the int8
// codes must equal the CPU's float32 division bit for bit.
uint div_rn(uint a, uint b) {
	uint ma, mb;
	int ea, eb;
	mant_exp(a, ma, ea);
	mant_exp(b, mb, eb);
	int e = ea - eb;
	if (ma < mb) {
		ma <<= 1;
		e--;
	}
	uint q = 0u;
	uint r = ma; // r < 2·mb < 2^25 throughout
	for (int i = 0; i < 25; i++) {
		q <<= 1;
		if (r >= mb) {
			r -= mb;
			q |= 1u;
		}
		r <<= 1;
	}
	uint m = q >> 1; // 24 bits; q & 1 is the guard bit, r != 0 the sticky bit
	if ((q & 1u) != 0u && (r != 0u || (m & 1u) != 0u)) {
		m++;
	}
	if (m == 0x1000000u) {
		m >>= 1;
		e++;
	}
	if (e < -126) {
		return 0u;
	}
	if (e > 127) {
		return 0x7f800000u;
	}
	return (uint(e + 127) << 23) | (m & 0x7fffffu);
}

// quant_i8 returns round(x / s) (half away from zero) clamped to ±127 as a
// byte, for x bits and nonzero normal scale bits s; NaN gives 0 and ±Inf
// ±127 (cache.QuantizeInt8).
uint quant_i8(uint x, uint s) {
	uint ax = x & 0x7fffffffu;
	if (ax > 0x7f800000u || ax == 0u) {
		return 0u;
	}
	int n = 127;
	if (ax < 0x7f800000u) {
		uint r = div_rn(ax, s);
		int e = int(r >> 23) - 127;
		uint m = (r & 0x7fffffu) | 0x800000u;
		if (r == 0u || e < -1) {
			n = 0;
		} else if (e < 7) {
			n = min(int((m + (1u << uint(22 - e))) >> uint(23 - e)), 127);
		}
	}
	return uint((x >> 31) != 0u ? -n : n) & 0xffu;
}

// int8_scale returns the scale bits for the largest finite magnitude amax
// (bits): amax / 127, or 0 when that is below the smallest normal float.
uint int8_scale(uint amax) {
	return amax == 0u ? 0u : div_rn(amax, 0x42fe0000u); // 127.0
}

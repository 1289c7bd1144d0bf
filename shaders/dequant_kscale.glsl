// dequant_kscale.glsl: the packed 6-bit sub-block scales and mins of Q4_K
// and Q5_K, and kq_bytes (Q5_K, Q6_K). Include-only; Q4_K and Q5_K
// set kdm (d, dmin) and fill kscale[0..3) with the 12 scale bytes of the
// block (three words).
//
// Sub-blocks 0-3 keep their scale in the low six bits of bytes 0-3 and
// their min in bytes 4-7; sub-blocks 4-7 take four low bits from bytes
// 8-11 and the top two from the spare high bits of bytes 0-7.
vec2 kdm;
uint kscale[3];

uint kbyte(uint b) {
	return (kscale[b >> 2] >> ((b & 3u) * 8u)) & 255u;
}

// kscale_min returns sub-block j's scale (x) and min (y).
uvec2 kscale_min(uint j) {
	if (j < 4u) {
		return uvec2(kbyte(j) & 63u, kbyte(j + 4u) & 63u);
	}
	return uvec2((kbyte(j + 4u) & 15u) | ((kbyte(j - 4u) >> 6) << 4),
	             (kbyte(j + 4u) >> 4) | ((kbyte(j) >> 6) << 4));
}

// k_scales returns unit c's d·scale and dmin·min of sub-block 2c (xy) and
// 2c+1 (zw), given the block's d and dmin in kdm.
vec4 k_scales(uint c) {
	return vec4(vec2(kscale_min(2u * c)) * kdm, vec2(kscale_min(2u * c + 1u)) * kdm);
}

// kq_bytes returns the four bytes of v (each below 128) minus off as
// floats without a shift or an int-to-float conversion per value (the
// Q4_0 trick, dequant_q4_0.glsl): a byte masked in place is the low
// mantissa of a float whose exponent makes it count units (2^e + b), and
// one exact subtraction removes 2^e + off. Byte 3 is shifted into bits
// 16..23 (bit 23 stays clear since b < 128). The K-quants pack a value's
// bits into its byte with whole-word masks first, so a word costs about
// 8 integer ops and one vec4 subtraction instead of 12 plus 4 converts.
// matvec_*_rows_tx on lavapipe, median ratio-to-copy of 8 alternating
// runs: Q5_K 0.49 -> 0.59, Q6_K 0.40 -> 0.43; Q4_K (plain nibbles, no
// fifth bit to merge) measured 0.53 -> 0.48, so it keeps nibbles().
vec4 kq_bytes(uint v, float off) {
	uvec4 m = uvec4(v & 0xFFu, v & 0xFF00u, v & 0xFF0000u, (v >> 8) & 0xFF0000u);
	uvec4 e = uvec4(0x4B000000u, 0x47000000u, 0x43000000u, 0x43000000u); // 2^23, 2^15, 2^7
	return uintBitsToFloat(m | e) - (vec4(8388608.0, 32768.0, 128.0, 128.0) + off);
}

// dequant_q4_0.glsl: Q4_0 weights (see dequant.glsl). Include-only.
// A block is 18 bytes: fp16 d then 16 bytes; byte j holds value j (low
// nibble) and j+16 (high nibble), value = d·(q-8). One unit per block;
// wd = d, and quant word k gives wv[k] (values 4k..) and wv[4+k] (16+4k..).
const uint DQ_N = 32;
const uint DQ_UPB = 1;
vec4 wv[8];
float wd;
uint rb[4];
#ifdef DQ_GROUPS
// Groups (matvec_rows.comp): 8 blocks are 144 bytes, 9 whole uvec4s, so a
// row of a multiple of 8 blocks starts 16-byte aligned and its groups can
// be read with vector loads into dq_g.
#define DQ_HAS_GROUPS
const uint DQ_G = 8;
const uint DQ_GV = 9;
uint dq_g[DQ_GV * 4];
#endif
#include "dequant_even.glsl"

void dq_head(uint blk) {}

// q4_lo and q4_hi return the low and high nibbles of q's four bytes minus
// 8 without a shift or an int-to-float conversion per value: a nibble
// masked in place is the low mantissa of a float whose exponent makes it
// count units (2^e + n), and one exact subtraction removes 2^e + 8. The
// mantissa ends at bit 22, so nibbles at bits 20..31 are shifted down
// first (two shifts per word instead of eight). matvec_q4_0_rows_sx on
// lavapipe: median ratio-to-copy 0.55-0.57 against 0.45-0.48 with
// nibbles() - 8 (30 runs each).
vec4 q4_lo(uint q) {
	uvec4 m = uvec4(q & 0xFu, q & 0xF00u, q & 0xF0000u, (q >> 8) & 0xF0000u);
	uvec4 e = uvec4(0x4B000000u, 0x47000000u, 0x43000000u, 0x43000000u); // 2^23, 2^15, 2^7
	return uintBitsToFloat(m | e) - vec4(8388616.0, 32776.0, 136.0, 136.0);
}

vec4 q4_hi(uint q) {
	uvec4 m = uvec4(q & 0xF0u, q & 0xF000u, (q >> 8) & 0xF000u, (q >> 16) & 0xF000u);
	uvec4 e = uvec4(0x49000000u, 0x45000000u, 0x45000000u, 0x45000000u); // 2^19, 2^11
	return uintBitsToFloat(m | e) - vec4(524296.0, 2056.0, 2056.0, 2056.0);
}

// dq_quants decodes a block's four quant words into wv.
void dq_quants(uvec4 q) {
	DQ_UNROLL for (uint k = 0; k < 4; k++) {
		wv[k] = q4_lo(q[k]);
		wv[4 + k] = q4_hi(q[k]);
	}
}

void dq_unit(uint blk, uint i) {
	uint off = blk * 18u;
	wd = half_at(off);
	rd_range(off + 2u, 4u, 0u);
	dq_quants(uvec4(rb[0], rb[1], rb[2], rb[3]));
}

#ifdef DQ_HAS_GROUPS
// dq_group_unit decodes block b (0..DQ_G) of the group in dq_g: block b
// starts at byte 18b, so in word 18b/4, 2 bytes in when b is odd.
void dq_group_unit(uint b) {
	uint ws = (18u * b) / 4u;
	bool odd = (b & 1u) != 0u;
	wd = unpackHalf2x16(odd ? dq_g[ws] >> 16 : dq_g[ws]).x;
	dq_quants(uvec4(dq_gword(ws, odd, 0u), dq_gword(ws, odd, 1u), dq_gword(ws, odd, 2u), dq_gword(ws, odd, 3u)));
}
#endif

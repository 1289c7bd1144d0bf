// dequant_q6_k.glsl: Q6_K weights (see dequant.glsl). Include-only.
// A super-block is 210 bytes, so blocks start at even offsets: ql[128] low
// nibbles, qh[64] top two bits, 16 int8 scales (one per 16 values), fp16 d;
// value = d·scale·(q-32), q in 0..63. Unit h (0, 1) is values 128h ..
// 128h+127: value 128h + l + 32k (l < 32, k < 4) takes its nibble from
// ql[64h + l + 32(k&1)] (low for k < 2, high otherwise), its top bits from
// bits 2k, 2k+1 of qh[32h + l], and scale 8h + l/16 + 2k.
const uint DQ_N = 128;
const uint DQ_UPB = 2;
vec4 wv[32];
float wd = 1.0;
// rb: ql of the unit (16 words), its qh (8), the block's scales (4).
uint rb[28];
float kd;
#include "dequant_even.glsl"

void dq_head(uint blk) {
	uint off = blk * 210u;
	rd_range(off + 192u, 4u, 24u);
	kd = half_at(off + 208u);
}

// kscale6 returns signed scale byte s of the block times d.
float kscale6(uint s) {
	return float(bitfieldExtract(int(rb[24u + (s >> 2)]), int((s & 3u) * 8u), 8)) * kd;
}

// fifth2 returns bits s, s+1 of each of h's four bytes, times 16.
vec4 fifth2(uint h, uint s) {
	uvec4 b = (uvec4(h) >> (uvec4(0u, 8u, 16u, 24u) + s)) & 3u;
	return vec4(b << 4);
}

void dq_unit(uint blk, uint h) {
	uint off = blk * 210u;
	rd_range(off + 64u * h, 16u, 0u);
	rd_range(off + 128u + 32u * h, 8u, 16u);
	DQ_UNROLL for (uint k = 0; k < 4; k++) {
		uint shift = k >= 2u ? 4u : 0u;
		DQ_UNROLL for (uint g = 0; g < 8; g++) {
			// Values l = 4g .. 4g+3 of row k: scale index 8h + l/16 + 2k.
			float s = kscale6(8u * h + g / 4u + 2u * k);
			vec4 q = nibbles(rb[(k & 1u) * 8u + g], shift) + fifth2(rb[16u + g], 2u * k);
			wv[8u * k + g] = (q - 32.0) * s;
		}
	}
}

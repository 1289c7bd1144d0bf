// dequant_q5_k.glsl: Q5_K weights (see dequant.glsl). Include-only.
// A super-block is 176 bytes (word aligned): fp16 d, fp16 dmin, 12 scale
// bytes as Q4_K, qh[32], qs[128]. As Q4_K with a fifth bit per value: unit
// c's low nibbles take bit 2c of qh[l], its high nibbles bit 2c+1. The head
// keeps all of qh (8 words) since every unit needs two bits of each byte.
const uint DQ_N = 64;
const uint DQ_UPB = 4;
vec4 wv[16];
float wd = 1.0;
vec2 kdm; // d, dmin
uint kqh[8];
#include "dequant_kscale.glsl"

void dq_head(uint blk) {
	uint base = blk * 44u;
	kdm = unpackHalf2x16(wq[base]);
	DQ_UNROLL for (uint k = 0; k < 3; k++) {
		kscale[k] = wq[base + 1u + k];
	}
	DQ_UNROLL for (uint k = 0; k < 8; k++) {
		kqh[k] = wq[base + 4u + k];
	}
}

// fifth returns bit s of each of h's four bytes, times 16.
vec4 fifth(uint h, uint s) {
	uvec4 b = (uvec4(h) >> (uvec4(0u, 8u, 16u, 24u) + s)) & 1u;
	return vec4(b << 4);
}

void dq_unit(uint blk, uint c) {
	uint base = blk * 44u + 12u + 8u * c;
	vec2 lo = vec2(kscale_min(2u * c)) * kdm;
	vec2 hi = vec2(kscale_min(2u * c + 1u)) * kdm;
	DQ_UNROLL for (uint k = 0; k < 8; k++) {
		uint q = wq[base + k];
		wv[k] = (nibbles(q, 0u) + fifth(kqh[k], 2u * c)) * lo.x - lo.y;
		wv[8 + k] = (nibbles(q, 4u) + fifth(kqh[k], 2u * c + 1u)) * hi.x - hi.y;
	}
}

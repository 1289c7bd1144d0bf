// dequant_q4_k.glsl: Q4_K weights (see dequant.glsl). Include-only.
// A super-block is 144 bytes (word aligned): fp16 d, fp16 dmin, 12 bytes of
// packed 6-bit scales and mins, 128 bytes of nibbles. Unit c (0..3) is
// values 64c .. 64c+63: the low nibbles of qs[32c .. 32c+32) are sub-block
// 2c, the high nibbles sub-block 2c+1; value = d·sc·q - dmin·m.
const uint DQ_N = 64;
const uint DQ_UPB = 4;
vec4 wv[16];
float wd = 1.0;
vec2 kdm; // d, dmin
#include "dequant_kscale.glsl"

void dq_head(uint blk) {
	uint base = blk * 36u;
	kdm = unpackHalf2x16(wq[base]);
	DQ_UNROLL for (uint k = 0; k < 3; k++) {
		kscale[k] = wq[base + 1u + k];
	}
}

void dq_unit(uint blk, uint c) {
	uint base = blk * 36u + 4u + 8u * c;
	vec2 lo = vec2(kscale_min(2u * c)) * kdm;
	vec2 hi = vec2(kscale_min(2u * c + 1u)) * kdm;
	DQ_UNROLL for (uint k = 0; k < 8; k++) {
		uint q = wq[base + k];
		wv[k] = nibbles(q, 0u) * lo.x - lo.y;
		wv[8 + k] = nibbles(q, 4u) * hi.x - hi.y;
	}
}

// dequant_q4_0.glsl: Q4_0 weights (see dequant.glsl). Include-only.
// A block is 18 bytes: fp16 d then 16 bytes; byte j holds value j (low
// nibble) and j+16 (high nibble), value = d·(q-8). One unit per block;
// wd = d, and quant word k gives wv[k] (values 4k..) and wv[4+k] (16+4k..).
const uint DQ_N = 32;
const uint DQ_UPB = 1;
vec4 wv[8];
float wd;
uint rb[4];
#include "dequant_even.glsl"

void dq_head(uint blk) {}

void dq_unit(uint blk, uint i) {
	uint off = blk * 18u;
	wd = half_at(off);
	rd_range(off + 2u, 4u, 0u);
	DQ_UNROLL for (uint k = 0; k < 4; k++) {
		wv[k] = nibbles(rb[k], 0u) - 8.0;
		wv[4 + k] = nibbles(rb[k], 4u) - 8.0;
	}
}

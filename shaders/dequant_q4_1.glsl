// dequant_q4_1.glsl: Q4_1 weights (see dequant.glsl). Include-only.
// A block is 20 bytes (word aligned): fp16 d, fp16 m, then 16 bytes of
// nibbles laid out as Q4_0; value = d·q + m. One unit per block.
const uint DQ_N = 32;
const uint DQ_UPB = 1;
vec4 wv[8];
float wd = 1.0;

void dq_head(uint blk) {}

void dq_unit(uint blk, uint i) {
	uint base = blk * 5u;
	vec2 dm = unpackHalf2x16(wq[base]);
	DQ_UNROLL for (uint k = 0; k < 4; k++) {
		uint q = wq[base + 1u + k];
		wv[k] = nibbles(q, 0u) * dm.x + dm.y;
		wv[4 + k] = nibbles(q, 4u) * dm.x + dm.y;
	}
}

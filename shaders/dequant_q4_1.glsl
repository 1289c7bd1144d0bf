// dequant_q4_1.glsl: Q4_1 weights (see dequant.glsl). Include-only.
// A block is 20 bytes (word aligned): fp16 d, fp16 m, then 16 bytes of
// nibbles laid out as Q4_0; value = d·q + m. One unit per block.
const uint DQ_N = 32;
const uint DQ_UPB = 1;
vec4 wv[8];
float wd = 1.0;

void dq_head(uint blk) {}

// dq_block decodes a block from its d,m word and its four quant words.
// (Q4_0's exponent trick measured no faster here: the fma that applies d
// and m has no subtraction for it to absorb.)
void dq_block(uint dmw, uvec4 q) {
	vec2 dm = unpackHalf2x16(dmw);
	DQ_UNROLL for (uint k = 0; k < 4; k++) {
		wv[k] = nibbles(q[k], 0u) * dm.x + dm.y;
		wv[4 + k] = nibbles(q[k], 4u) * dm.x + dm.y;
	}
}

void dq_unit(uint blk, uint i) {
	uint w = blk * 5u;
	dq_block(wq[w], uvec4(wq[w + 1u], wq[w + 2u], wq[w + 3u], wq[w + 4u]));
}

#ifdef DQ_GROUPS
// Groups (matvec_rows.comp): 4 blocks are 80 bytes, 5 whole uvec4s, so a
// row of a multiple of 4 blocks starts 16-byte aligned. Groups of 8
// blocks (10 uvec4s) ran slower on lavapipe: median ratio-to-copy 0.43
// against 0.53 (30 runs each).
#define DQ_HAS_GROUPS
const uint DQ_G = 4;
const uint DQ_GV = 5;
uint dq_g[DQ_GV * 4];

// dq_group_unit decodes block b (0..DQ_G) of the group in dq_g.
void dq_group_unit(uint b) {
	uint w = 5u * b;
	dq_block(dq_g[w], uvec4(dq_g[w + 1u], dq_g[w + 2u], dq_g[w + 3u], dq_g[w + 4u]));
}
#endif

// dequant_q8_0.glsl: Q8_0 weights (see dequant.glsl). Include-only.
// A block is 34 bytes: fp16 d then 32 int8 q; value = d·q. One unit per
// block; wd = d.
const uint DQ_N = 32;
const uint DQ_UPB = 1;
vec4 wv[8];
float wd;

#if defined(STORAGE8) && defined(STORAGE16)
#extension GL_EXT_shader_16bit_storage : require
#extension GL_EXT_shader_8bit_storage : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_shader_explicit_arithmetic_types_int8 : require
// std430 gives this struct alignment 2 and an array stride of 34: exactly
// the GGUF block.
struct BlockQ8 {
	float16_t d;
	int8_t q[32];
};
layout(set = 0, binding = 0) readonly buffer WB { BlockQ8 blocks[]; };

void dq_unit(uint blk, uint i) {
	DQ_UNROLL for (uint k = 0; k < 8; k++) {
		wv[k] = vec4(int(blocks[blk].q[4 * k]), int(blocks[blk].q[4 * k + 1]),
		             int(blocks[blk].q[4 * k + 2]), int(blocks[blk].q[4 * k + 3]));
	}
	wd = float(blocks[blk].d);
}
#else
uint rb[8];
#ifdef DQ_GROUPS
// Groups (matvec_rows.comp): 8 blocks are 272 bytes, 17 whole uvec4s, so a
// row of a multiple of 8 blocks starts 16-byte aligned and its groups can
// be read with vector loads into dq_g.
#define DQ_HAS_GROUPS
const uint DQ_G = 8;
const uint DQ_GV = 17;
uint dq_g[DQ_GV * 4];
#endif
#include "dequant_even.glsl"

// unpack_i8x4 is in common.glsl.
void dq_unit(uint blk, uint i) {
	uint off = blk * 34u;
	wd = half_at(off);
	rd_range(off + 2u, 8u, 0u);
	DQ_UNROLL for (uint k = 0; k < 8; k++) {
		wv[k] = unpack_i8x4(rb[k]);
	}
}
#endif

void dq_head(uint blk) {}

#ifdef DQ_HAS_GROUPS
// dq_group_unit decodes block b (0..DQ_G) of the group in dq_g.
void dq_group_unit(uint b) {
	uint ws = (34u * b) / 4u;
	bool odd = (b & 1u) != 0u;
	wd = unpackHalf2x16(odd ? dq_g[ws] >> 16 : dq_g[ws]).x;
	DQ_UNROLL for (uint k = 0; k < 8; k++) {
		wv[k] = unpack_i8x4(dq_gword(ws, odd, k));
	}
}
#endif

// dequant_f16.glsl: F16 weights (see dequant.glsl). Include-only.
// A block and a unit are four values (cols is a multiple of 4, so they
// start 8-byte aligned). STORAGE16 loads f16vec4; the portable path loads
// a uvec2 and unpacks it with unpackHalf2x16.
const uint DQ_N = 4;
const uint DQ_UPB = 1;
vec4 wv[1];
float wd = 1.0;

#ifdef STORAGE16
#extension GL_EXT_shader_16bit_storage : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
layout(set = 0, binding = 0) readonly buffer W16 { f16vec4 w16[]; };

void dq_unit(uint blk, uint i) {
	wv[0] = vec4(w16[blk]);
}
#else
layout(set = 0, binding = 0) readonly buffer W2 { uvec2 w2[]; };

void dq_unit(uint blk, uint i) {
	uvec2 v = w2[blk];
	wv[0] = vec4(unpackHalf2x16(v.x), unpackHalf2x16(v.y));
}
#endif

void dq_head(uint blk) {}

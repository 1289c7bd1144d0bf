// dequant_bf16.glsl: BF16 weights (see dequant.glsl). Include-only.
// A bf16 value is the top half of an f32, so widening is a shift. A block
// and a unit are four values (cols is a multiple of 4). STORAGE16 loads a
// u16vec4; the portable path a uvec2.
const uint DQ_N = 4;
const uint DQ_UPB = 1;
vec4 wv[1];
float wd = 1.0;

#ifdef STORAGE16
#extension GL_EXT_shader_16bit_storage : require
#extension GL_EXT_shader_explicit_arithmetic_types_int16 : require
layout(set = 0, binding = 0) readonly buffer W16 { u16vec4 w16[]; };

void dq_unit(uint blk, uint i) {
	uvec4 v = uvec4(w16[blk]) << 16;
	wv[0] = uintBitsToFloat(v);
}
#else
layout(set = 0, binding = 0) readonly buffer W2 { uvec2 w2[]; };

void dq_unit(uint blk, uint i) {
	uvec2 v = w2[blk];
	wv[0] = uintBitsToFloat(uvec4(v.x << 16, v.x & 0xffff0000u, v.y << 16, v.y & 0xffff0000u));
}
#endif

void dq_head(uint blk) {}

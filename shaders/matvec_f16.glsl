// matvec_f16.glsl: F16 weights for matvec.comp. Include-only.
// A chunk is four fp16 values of a row (cols is a multiple of 4, so rows
// start 8-byte aligned). STORAGE16 loads f16vec4 directly; the portable path
// loads a uvec2 and unpacks it with unpackHalf2x16.
const uint CHUNK_V4 = 1;

#ifdef STORAGE16
#extension GL_EXT_shader_16bit_storage : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
layout(set = 0, binding = 0) readonly buffer W { f16vec4 w16[]; };

void load_chunk(uint row, uint c) {
	wv[0] = vec4(w16[row * (p.cols / 4) + c]);
	wd = 1.0;
}
#else
layout(set = 0, binding = 0) readonly buffer W { uvec2 w16[]; };

void load_chunk(uint row, uint c) {
	wv[0] = unpack_f16x4(w16[row * (p.cols / 4) + c]);
	wd = 1.0;
}
#endif

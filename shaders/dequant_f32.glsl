// dequant_f32.glsl: F32 weights (see dequant.glsl). Include-only.
// A block and a unit are one vec4 (cols is a multiple of 4).
const uint DQ_N = 4;
const uint DQ_UPB = 1;
vec4 wv[1];
float wd = 1.0;

layout(set = 0, binding = 0) readonly buffer W4 { vec4 w4[]; };

void dq_head(uint blk) {}

void dq_unit(uint blk, uint i) {
	wv[0] = w4[blk];
}

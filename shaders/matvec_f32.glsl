// matvec_f32.glsl: F32 weights for matvec.comp. Include-only.
// A chunk is one vec4 of a row (cols is a multiple of 4).
const uint CHUNK_V4 = 1;

layout(set = 0, binding = 0) readonly buffer W { vec4 w4[]; };

void load_chunk(uint row, uint c) {
	wv[0] = w4[row * (p.cols / 4) + c];
	wd = 1.0;
}

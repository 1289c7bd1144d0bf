// matvec_q8_0.glsl: Q8_0 weights for matvec.comp. Include-only.
// A Q8_0 block is 34 bytes: an fp16 scale d then 32 int8 quants q, value =
// d·q. A chunk is one block, so CHUNK_V4 = 8.
const uint CHUNK_V4 = 8;

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
layout(set = 0, binding = 0) readonly buffer W { BlockQ8 blocks[]; };

void load_chunk(uint row, uint c) {
	uint bi = row * (p.cols / 32) + c;
	for (uint k = 0; k < 8; k++) {
		wv[k] = vec4(int(blocks[bi].q[4 * k]), int(blocks[bi].q[4 * k + 1]),
		             int(blocks[bi].q[4 * k + 2]), int(blocks[bi].q[4 * k + 3]));
	}
	wd = float(blocks[bi].d);
}
#else
// Portable: blocks start at even byte offsets only, so read the nine words
// that cover a block and realign the quants when the block starts mid-word.
layout(set = 0, binding = 0) readonly buffer W { uint wq[]; };

void load_chunk(uint row, uint c) {
	uint off = (row * (p.cols / 32) + c) * 34;
	uint w0 = off / 4;
	bool mid = (off & 2) != 0; // the scale is the high half of word w0
	uint lo = wq[w0];
	wd = unpackHalf2x16(mid ? lo >> 16 : lo).x;
	for (uint k = 0; k < 8; k++) {
		uint hi = wq[w0 + 1 + k];
		// Quant bytes 4k..4k+3 start at block byte 2+4k.
		uint q = mid ? hi : (lo >> 16) | (hi << 16);
		wv[k] = unpack_i8x4(q);
		lo = hi;
	}
}
#endif

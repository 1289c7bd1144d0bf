#version 450
// rope_kvstore.comp: RoPE fused with the KV store. For each row it rotates
// the query heads in place (as rope.comp), rotates the key heads in place
// and stores them into their slot of the paged K pool, and stores the value
// heads into the V pool (as kvstore.comp): one dispatch instead of three.
// The rotation is rope.comp's expression and the conversions are
// kvlayout.glsl's, so results equal rope, rope, kvstore run in turn.
//
// Bindings (set 0):  0 q float[rows][q_stride] (rotated in place)
//                    1 k float[rows][kv_stride] (rotated in place)
//                    2 v float[rows][kv_stride] (readonly)
//                    3 pos int[rows] (readonly; each row's position)
//                    4 slots int[rows] (readonly): flat slot block·BLOCK_SIZE
//                       + offset, negative = do not store the row
//                    5 kpool, 6 vpool: blocks as kvlayout.glsl describes
//                    7 freqs vec2[dims/2] (readonly): pair i's frequency as
//                       float hi + lo (kernels.RopeFreqs; rope.glsl)
// Specialization:    0 WG workgroup size (power of two)
//                    1 HEAD_DIM (multiple of 4)  2 KV_HEADS  3 BLOCK_SIZE
//                    4 HEADS (query heads)  5 NEOX (bool): pairs (i, i+dims/2)
// Push constants:    uint rows; uint q_stride; uint kv_stride; uint dims
//                                                 (kernels.RopeKVStorePush)
// Defines:           KV_F32 | KV_F16 | KV_INT8
// Dispatch rows·(1 + 2·KV_HEADS) workgroups split over x and y; within a
// row, unit 0 rotates every query head (one invocation per pair: a
// workgroup per head would leave most lanes idle for small heads, and
// lavapipe pays per workgroup), then units alternate K and V of KV head
// (u-1)/2.
#extension GL_GOOGLE_include_directive : require

layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 32;
layout(constant_id = 1) const uint HEAD_DIM = 64;
layout(constant_id = 2) const uint KV_HEADS = 1;
layout(constant_id = 3) const uint BLOCK_SIZE = 16;
layout(constant_id = 4) const uint HEADS = 1;
layout(constant_id = 5) const bool NEOX = false;

layout(push_constant) uniform Push {
	uint rows;
	uint q_stride;
	uint kv_stride;
	uint dims;
} p;

layout(set = 0, binding = 0) buffer Q { float q[]; };
layout(set = 0, binding = 1) buffer K { float k[]; };
layout(set = 0, binding = 2) readonly buffer V { float v[]; };
layout(set = 0, binding = 3) readonly buffer Pos { int pos[]; };
layout(set = 0, binding = 4) readonly buffer Slots { int slots[]; };
layout(set = 0, binding = 5) buffer KPool { uint kpool[]; };
layout(set = 0, binding = 6) buffer VPool { uint vpool[]; };
layout(set = 0, binding = 7) readonly buffer Freqs { vec2 freqs[]; };

#include "common.glsl"
#include "kvlayout.glsl"
#include "rope.glsl"

const uint UNITS = HEAD_DIM / 4;

shared float vec_sh[HEAD_DIM]; // the (rotated) vector being stored
shared uint amax_sh[WG];

// rotate returns pair i of a head (x0, x1) rotated for position at.
vec2 rotate(float x0, float x1, uint i, int at) {
	float theta = rope_angle(at, i);
	float c = cos(theta);
	float s = sin(theta);
	return vec2(x0 * c - x1 * s, x0 * s + x1 * c);
}

// pair_index returns the indices within a head of rotated pair i.
uvec2 pair_index(uint i) {
	uint a = NEOX ? i : 2 * i;
	return uvec2(a, NEOX ? a + p.dims / 2 : a + 1);
}

void rope_q(uint row) {
	uint half_dims = p.dims / 2;
	for (uint j = gl_LocalInvocationIndex; j < HEADS * half_dims; j += WG) {
		uint i = j % half_dims;
		uint base = row * p.q_stride + (j / half_dims) * HEAD_DIM;
		uvec2 ab = pair_index(i);
		vec2 r = rotate(q[base + ab.x], q[base + ab.y], i, pos[row]);
		q[base + ab.x] = r.x;
		q[base + ab.y] = r.y;
	}
}

// load_vec fills vec_sh with the head's vector, K rotated (and written
// back to k, as the unfused rope would leave it).
void load_vec(bool is_v, uint row, uint src) {
	for (uint i = gl_LocalInvocationIndex; i < HEAD_DIM; i += WG) {
		vec_sh[i] = is_v ? v[src + i] : k[src + i];
	}
	barrier();
	if (!is_v) {
		for (uint i = gl_LocalInvocationIndex; i < p.dims / 2; i += WG) {
			uvec2 ab = pair_index(i);
			vec2 r = rotate(vec_sh[ab.x], vec_sh[ab.y], i, pos[row]);
			vec_sh[ab.x] = r.x;
			vec_sh[ab.y] = r.y;
			k[src + ab.x] = r.x;
			k[src + ab.y] = r.y;
		}
		barrier();
	}
}

// amax_bits returns the bits of the largest finite |x| of vec_sh.
uint amax_bits() {
	uint m = 0u;
	for (uint i = gl_LocalInvocationIndex; i < HEAD_DIM; i += WG) {
		uint a = floatBitsToUint(vec_sh[i]) & 0x7fffffffu;
		m = a < 0x7f800000u ? max(m, a) : m;
	}
	amax_sh[gl_LocalInvocationIndex] = m;
	barrier();
	for (uint s = WG / 2; s > 0; s >>= 1) {
		if (gl_LocalInvocationIndex < s) {
			amax_sh[gl_LocalInvocationIndex] = max(amax_sh[gl_LocalInvocationIndex], amax_sh[gl_LocalInvocationIndex + s]);
		}
		barrier();
	}
	return amax_sh[0];
}

void put_word(bool is_v, uint w, uint value) {
	if (is_v) {
		vpool[w] = value;
	} else {
		kpool[w] = value;
	}
}

void store_unit(bool is_v, uint dst, uint u, uint scale) {
	uint x[4];
	for (uint j = 0; j < 4; j++) {
		x[j] = floatBitsToUint(vec_sh[4 * u + j]);
	}
#if defined(KV_F32)
	for (uint j = 0; j < 4; j++) {
		put_word(is_v, dst + 4 * u + j, x[j]);
	}
#elif defined(KV_F16)
	put_word(is_v, dst + 2 * u, f32_to_f16(x[0]) | (f32_to_f16(x[1]) << 16));
	put_word(is_v, dst + 2 * u + 1, f32_to_f16(x[2]) | (f32_to_f16(x[3]) << 16));
#elif defined(KV_INT8)
	uint c[4] = uint[4](0u, 0u, 0u, 0u);
	if (scale != 0u) {
		c = uint[4](quant_i8(x[0], scale), quant_i8(x[1], scale), quant_i8(x[2], scale), quant_i8(x[3], scale));
	}
	put_word(is_v, dst + u, c[0] | (c[1] << 8) | (c[2] << 16) | (c[3] << 24));
#endif
}

void store_kv(uint row, uint unit) {
	bool is_v = (unit & 1u) != 0u;
	uint head = unit >> 1;
	int slot = slots[row];
	load_vec(is_v, row, row * p.kv_stride + head * HEAD_DIM);
	if (slot < 0) {
		return; // uniform over the workgroup
	}
	uint block = uint(slot) / BLOCK_SIZE, off = uint(slot) % BLOCK_SIZE;
	uint dst = kv_vec_word(block, head, off);
	uint scale = 0u;
#if defined(KV_INT8)
	scale = int8_scale(amax_bits());
	if (gl_LocalInvocationIndex == 0) {
		put_word(is_v, kv_scale_word(block, head, off), scale);
	}
#endif
	for (uint u = gl_LocalInvocationIndex; u < UNITS; u += WG) {
		store_unit(is_v, dst, u, scale);
	}
}

void main() {
	const uint per_row = 1 + 2 * KV_HEADS;
	uint w = wg_linear();
	if (w >= p.rows * per_row) {
		return; // uniform over the workgroup
	}
	uint row = w / per_row, unit = w % per_row;
	if (unit == 0) {
		rope_q(row);
	} else {
		store_kv(row, unit - 1);
	}
}

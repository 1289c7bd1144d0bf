#version 450
// kvstore.comp: writes a step's new K and V rows into their slots of one
// layer's paged K and V pools, converting to the pool type (KV store).
//
// Bindings (set 0):  0 ksrc float[] (readonly): row r's K at r·src_stride + k_offset,
//                       KV_HEADS·HEAD_DIM values, head-major
//                    1 vsrc float[] (readonly): row r's V at r·src_stride + v_offset
//                    2 slots int[rows] (readonly): flat slot block·BLOCK_SIZE + offset,
//                       negative = skip the row (padding)
//                    3 kpool, 4 vpool: blocks as kvlayout.glsl describes (written)
// Specialization:    0 WG workgroup size (power of two)
//                    1 HEAD_DIM (multiple of 4)  2 KV_HEADS  3 BLOCK_SIZE
// Push constants:    uint rows; uint src_stride; uint k_offset; uint v_offset
//                                                  (kernels.KVStorePush)
// Defines:           KV_F32 | KV_F16 | KV_INT8; STORAGE16 (f16 stored through
//                    uint16_t) / STORAGE8 (int8 codes stored through uint8_t)
// Dispatch rows·KV_HEADS·2 workgroups split over x and y: workgroup w stores
// the K (w even) or V (w odd) vector of head (w/2)%KV_HEADS of row w/2/KV_HEADS.
//
// Conversions are exact integer arithmetic (kvlayout.glsl), bit-equal to
// cache.Layout.Store: f16 rounds to nearest even; int8 takes s = max|x|/127
// over finite x, q = round(x/s) half away from zero, ±127 clamp, NaN → 0.
#extension GL_GOOGLE_include_directive : require
#if defined(STORAGE16)
#extension GL_EXT_shader_16bit_storage : require
#extension GL_EXT_shader_explicit_arithmetic_types_int16 : require
#endif
#if defined(STORAGE8)
#extension GL_EXT_shader_8bit_storage : require
#extension GL_EXT_shader_explicit_arithmetic_types_int8 : require
#endif

layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;
layout(constant_id = 1) const uint HEAD_DIM = 64;
layout(constant_id = 2) const uint KV_HEADS = 1;
layout(constant_id = 3) const uint BLOCK_SIZE = 16;

layout(push_constant) uniform Push {
	uint rows;
	uint src_stride;
	uint k_offset;
	uint v_offset;
} p;

layout(set = 0, binding = 0) readonly buffer KSrc { uint ksrc[]; };
layout(set = 0, binding = 1) readonly buffer VSrc { uint vsrc[]; };
layout(set = 0, binding = 2) readonly buffer Slots { int slots[]; };
layout(set = 0, binding = 3) buffer KPool { uint kpool[]; };
layout(set = 0, binding = 4) buffer VPool { uint vpool[]; };
#if defined(STORAGE16)
layout(set = 0, binding = 3) buffer KPool16 { uint16_t kpool16[]; };
layout(set = 0, binding = 4) buffer VPool16 { uint16_t vpool16[]; };
#endif
#if defined(STORAGE8)
layout(set = 0, binding = 3) buffer KPool8 { uint8_t kpool8[]; };
layout(set = 0, binding = 4) buffer VPool8 { uint8_t vpool8[]; };
#endif

#include "common.glsl"
#include "kvlayout.glsl"

const uint UNITS = HEAD_DIM / 4; // four values per invocation step

shared uint amax_sh[WG];

uint src_word(bool is_v, uint i) { return is_v ? vsrc[i] : ksrc[i]; }

void put_word(bool is_v, uint w, uint value) {
	if (is_v) {
		vpool[w] = value;
	} else {
		kpool[w] = value;
	}
}

// amax_bits returns the bits of the largest finite |x| of the vector: a
// uint max, exact whatever the device does with denormal floats.
uint amax_bits(bool is_v, uint src) {
	uint m = 0u;
	for (uint i = gl_LocalInvocationIndex; i < HEAD_DIM; i += WG) {
		uint a = src_word(is_v, src + i) & 0x7fffffffu;
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

void store_unit(bool is_v, uint src, uint dst, uint u, uint scale) {
	uint x0 = src_word(is_v, src + 4 * u), x1 = src_word(is_v, src + 4 * u + 1);
	uint x2 = src_word(is_v, src + 4 * u + 2), x3 = src_word(is_v, src + 4 * u + 3);
#if defined(KV_F32)
	for (uint k = 0; k < 4; k++) {
		put_word(is_v, dst + 4 * u + k, src_word(is_v, src + 4 * u + k));
	}
#elif defined(KV_F16) && defined(STORAGE16)
	uint h = 2 * (dst + 2 * u); // uint16_t index
	uint hs[4] = uint[4](f32_to_f16(x0), f32_to_f16(x1), f32_to_f16(x2), f32_to_f16(x3));
	for (uint k = 0; k < 4; k++) {
		if (is_v) {
			vpool16[h + k] = uint16_t(hs[k]);
		} else {
			kpool16[h + k] = uint16_t(hs[k]);
		}
	}
#elif defined(KV_F16)
	put_word(is_v, dst + 2 * u, f32_to_f16(x0) | (f32_to_f16(x1) << 16));
	put_word(is_v, dst + 2 * u + 1, f32_to_f16(x2) | (f32_to_f16(x3) << 16));
#elif defined(KV_INT8)
	uint q[4] = uint[4](0u, 0u, 0u, 0u);
	if (scale != 0u) {
		q = uint[4](quant_i8(x0, scale), quant_i8(x1, scale), quant_i8(x2, scale), quant_i8(x3, scale));
	}
#if defined(STORAGE8)
	uint b = 4 * (dst + u); // byte index
	for (uint k = 0; k < 4; k++) {
		if (is_v) {
			vpool8[b + k] = uint8_t(q[k]);
		} else {
			kpool8[b + k] = uint8_t(q[k]);
		}
	}
#else
	put_word(is_v, dst + u, q[0] | (q[1] << 8) | (q[2] << 16) | (q[3] << 24));
#endif
#endif
}

void main() {
	uint w = wg_linear();
	if (w >= p.rows * KV_HEADS * 2) {
		return; // uniform over the workgroup
	}
	bool is_v = (w & 1u) != 0u;
	uint head = (w >> 1) % KV_HEADS;
	uint row = (w >> 1) / KV_HEADS;
	int slot = slots[row];
	if (slot < 0) {
		return;
	}
	uint block = uint(slot) / BLOCK_SIZE, off = uint(slot) % BLOCK_SIZE;
	uint src = row * p.src_stride + (is_v ? p.v_offset : p.k_offset) + head * HEAD_DIM;
	uint dst = kv_vec_word(block, head, off);
	uint scale = 0u;
#if defined(KV_INT8)
	scale = int8_scale(amax_bits(is_v, src));
	if (gl_LocalInvocationIndex == 0) {
		put_word(is_v, kv_scale_word(block, head, off), scale);
	}
#endif
	for (uint u = gl_LocalInvocationIndex; u < UNITS; u += WG) {
		store_unit(is_v, src, dst, u, scale);
	}
}

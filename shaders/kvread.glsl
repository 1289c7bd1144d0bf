// kvread.glsl: loads of K/V values from the paged pools as float vec4s.
// Include-only; after kvlayout.glsl and the declarations of the pools as
// `uint kpool[]` (binding 1) and `uint vpool[]` (binding 2).
//
// Every pool is read as 32-bit words (Vulkan 1.1 core): f16 through
// unpackHalf2x16, int8 through bitfieldExtract, times the vector's scale.

// KV_LOAD4 defines NAME(w, u): values 4u..4u+3 of the vector whose first
// word is w, and NAME_scale(block, head, slot): its int8 scale (1 otherwise).
#if defined(KV_F32)
#define KV_LOAD4(NAME, POOL) \
	vec4 NAME(uint w, uint u) { \
		uint i = w + 4 * u; \
		return uintBitsToFloat(uvec4(POOL[i], POOL[i + 1], POOL[i + 2], POOL[i + 3])); \
	} \
	float NAME##_scale(uint block, uint head, uint slot) { return 1.0; }
#elif defined(KV_F16)
#define KV_LOAD4(NAME, POOL) \
	vec4 NAME(uint w, uint u) { \
		uint i = w + 2 * u; \
		return unpack_f16x4(uvec2(POOL[i], POOL[i + 1])); \
	} \
	float NAME##_scale(uint block, uint head, uint slot) { return 1.0; }
#else
#define KV_LOAD4(NAME, POOL) \
	vec4 NAME(uint w, uint u) { return unpack_i8x4(POOL[w + u]); } \
	float NAME##_scale(uint block, uint head, uint slot) { \
		return uintBitsToFloat(POOL[kv_scale_word(block, head, slot)]); \
	}
#endif

KV_LOAD4(load_k4, kpool)
KV_LOAD4(load_v4, vpool)

// kv_texel_unit returns vec4 unit i of the values packed in 16-byte texel t
// (f32: the only unit; f16: i < 2; int8: i < 4), unscaled: the CPU layouts
// (attn_decode_tx.glsl, attn_prefill_lanes.glsl) read K/V through texel views.
vec4 kv_texel_unit(uvec4 t, uint i) {
#if defined(KV_F32)
	return uintBitsToFloat(t);
#elif defined(KV_F16)
	return unpack_f16x4(i == 0 ? t.xy : t.zw);
#else
	return unpack_i8x4(t[i]);
#endif
}

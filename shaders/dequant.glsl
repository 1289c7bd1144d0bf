// dequant.glsl: weight decoding shared by matvec.comp and matmul.comp.
// Include-only; expects `p.cols` (push constant) before the include.
//
// Binding 0 holds the weights: rows × cols values in a GGUF row layout
// (rows are whole blocks, stored back to back, the buffer padded to a
// multiple of 4 bytes). The define WTYPE_<type> picks one format file, which
// provides:
//   DQ_QK   values per block        DQ_UPB  units per block
//   DQ_N    values per unit         DQ_V4   = DQ_N / 4
//   DQ_RB   words of scratch (rb) the format reads through
//   dq_head(blk)    loads what all units of global block blk share
//   dq_unit(blk, i) decodes unit i of block blk (after dq_head(blk)) into
//                   wv[0 .. DQ_V4), values 4k .. 4k+3 of the unit in wv[k],
//                   each to be multiplied by wd.
// A unit is the smallest run of consecutive values that can be decoded
// without reading any weight byte twice (a Q4_K chunk's 32 bytes hold 64
// values, low and high nibbles): decoding a row unit by unit reads each
// block once, which keeps the matrix-vector product at memory speed.
//
// The portable path reads every weight through uint words (Vulkan 1.1 core);
// formats with blocks of 18, 34 or 210 bytes start blocks at even offsets,
// and rd_range realigns them. STORAGE16 / STORAGE8 switch F16, BF16 and
// Q8_0 to 16/8-bit loads.

// Decode loops carry DQ_UNROLL, [[unroll]] for includers that define
// DQ_GROUPS (matvec_rows.comp): lavapipe (Mesa 22.3) leaves constant loops
// rolled, which keeps wv[] and the word scratch in memory. matvec.comp's
// ROWS layout got slower unrolled (Q6_K 4 times: its NROWS copies spill),
// so the other kernels keep rolled loops.
#ifdef DQ_GROUPS
#extension GL_EXT_control_flow_attributes : require
#define DQ_UNROLL [[unroll]]
#else
#define DQ_UNROLL
#endif

layout(set = 0, binding = 0) readonly buffer WQ { uint wq[]; };

// half_at reads the fp16 value at even byte offset o.
float half_at(uint o) {
	return unpackHalf2x16(wq[o >> 2] >> ((o & 2u) * 8u)).x;
}

// nibbles returns the low (hi == 0) or high (hi == 4) nibbles of q's four
// bytes as floats.
vec4 nibbles(uint q, uint hi) {
	return vec4((q >> hi) & 15u, (q >> (hi + 8u)) & 15u, (q >> (hi + 16u)) & 15u, (q >> (hi + 24u)) & 15u);
}

// kq_bytes returns the four bytes of v (each below 128) minus off as
// floats without a shift or an int-to-float conversion per value (the
// Q4_0 trick, dequant_q4_0.glsl's q4_lo/q4_hi, which skip the byte
// packing): a byte masked in place is the low
// mantissa of a float whose exponent makes it count units (2^e + b), and
// one exact subtraction removes 2^e + off. Byte 3 is shifted into bits
// 16..23 (bit 23 stays clear since b < 128). The K-quants pack a value's
// bits into its byte with whole-word masks first, so a word costs about
// 8 integer ops and one vec4 subtraction instead of 12 plus 4 converts.
// matvec_*_rows_tx on lavapipe, median ratio-to-copy of 8 alternating
// runs: Q5_K 0.49 -> 0.59, Q6_K 0.40 -> 0.43; Q4_K (plain nibbles, no
// fifth bit to merge) measured 0.53 -> 0.48, so it keeps nibbles().
vec4 kq_bytes(uint v, float off) {
	uvec4 m = uvec4(v & 0xFFu, v & 0xFF00u, v & 0xFF0000u, (v >> 8) & 0xFF0000u);
	uvec4 e = uvec4(0x4B000000u, 0x47000000u, 0x43000000u, 0x43000000u); // 2^23, 2^15, 2^7
	return uintBitsToFloat(m | e) - (vec4(8388608.0, 32768.0, 128.0, 128.0) + off);
}

#if defined(WTYPE_F32)
#include "dequant_f32.glsl"
#elif defined(WTYPE_F16)
#include "dequant_f16.glsl"
#elif defined(WTYPE_BF16)
#include "dequant_bf16.glsl"
#elif defined(WTYPE_Q8_0)
#include "dequant_q8_0.glsl"
#elif defined(WTYPE_Q4_0)
#include "dequant_q4_0.glsl"
#elif defined(WTYPE_Q4_1)
#include "dequant_q4_1.glsl"
#elif defined(WTYPE_Q4_K)
#include "dequant_q4_k.glsl"
#elif defined(WTYPE_Q5_K)
#include "dequant_q5_k.glsl"
#elif defined(WTYPE_Q6_K)
#include "dequant_q6_k.glsl"
#else
#error "define one WTYPE_<type>"
#endif

const uint DQ_V4 = DQ_N / 4;
const uint DQ_QK = DQ_N * DQ_UPB;

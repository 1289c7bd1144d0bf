// dequant_q5_k.glsl: Q5_K weights (see dequant.glsl). Include-only.
// A super-block is 176 bytes (word aligned): fp16 d, fp16 dmin, 12 scale
// bytes as Q4_K, qh[32], qs[128]. As Q4_K with a fifth bit per value: unit
// c's low nibbles take bit 2c of qh[l], its high nibbles bit 2c+1. The head
// keeps all of qh (8 words) since every unit needs two bits of each byte.
const uint DQ_N = 64;
const uint DQ_UPB = 4;
vec4 wv[16];
float wd = 1.0;
uint kqh[8];

#ifdef DQ_GROUPS
// Groups (matvec_rows.comp): a super-block is 11 whole uvec4s, so every
// row starts 16-byte aligned and is read one super-block per group.
#define DQ_HAS_GROUPS
#define DQ_HAS_SUB_SCALES
#define DQ_GROUPS_ONLY
const uint DQ_SUBS = 2;
const uint DQ_G = 1;
const uint DQ_GV = 11;
uint dq_g[DQ_GV * 4];
#endif
#include "dequant_kscale.glsl"

void dq_head(uint blk) {
	uint base = blk * 44u;
	k_head(wq[base], wq[base + 1u], wq[base + 2u], wq[base + 3u]);
	DQ_UNROLL for (uint k = 0; k < 8; k++) {
		kqh[k] = wq[base + 4u + k];
	}
}

// q5_bytes returns the nibbles of n (in the low four bits of each byte)
// with bit s of each of h's bytes as their fifth bit, as floats.
vec4 q5_bytes(uint n, uint h, uint s) {
	return kq_bytes((n & 0x0F0F0F0Fu) | (((h >> s) & 0x01010101u) << 4), 0.0);
}

// k5_word decodes quant word k (0..8) of unit c with scales s (k_scales)
// and the word's fifth bits h.
void k5_word(vec4 s, uint c, uint k, uint q, uint h) {
	wv[k] = q5_bytes(q, h, 2u * c) * s.x - s.y;
	wv[8 + k] = q5_bytes(q >> 4, h, 2u * c + 1u) * s.z - s.w;
}

void dq_unit(uint blk, uint c) {
	uint base = blk * 44u + 12u + 8u * c;
	vec4 s = k_scales(c);
	DQ_UNROLL for (uint k = 0; k < 8; k++) {
		k5_word(s, c, k, wq[base + k], kqh[k]);
	}
}

#ifdef DQ_HAS_GROUPS
// dq_group_q returns the quants of vec4 k (0..16) of unit c of the
// super-block in dq_g: k < 8 are word k's low nibbles with bit 2c of qh
// word k, the rest word k-8's high nibbles with bit 2c+1.
vec4 dq_group_q(uint c, uint k) {
	uint j = k / 8u;
	return q5_bytes(dq_g[12u + 8u * c + k % 8u] >> (4u * j), dq_g[4u + k % 8u], 2u * c + j);
}
#endif

// dequant_q4_k.glsl: Q4_K weights (see dequant.glsl). Include-only.
// A super-block is 144 bytes (word aligned): fp16 d, fp16 dmin, 12 bytes of
// packed 6-bit scales and mins, 128 bytes of nibbles. Unit c (0..3) is
// values 64c .. 64c+63: the low nibbles of qs[32c .. 32c+32) are sub-block
// 2c, the high nibbles sub-block 2c+1; value = d·sc·q - dmin·m.
const uint DQ_N = 64;
const uint DQ_UPB = 4;
vec4 wv[16];
float wd = 1.0;

#ifdef DQ_GROUPS
// Groups (matvec_rows.comp): a super-block is 9 whole uvec4s, so every row
// starts 16-byte aligned and is read one super-block per group.
#define DQ_HAS_GROUPS
#define DQ_HAS_SUB_SCALES
#define DQ_GROUPS_ONLY
const uint DQ_SUBS = 2;
const uint DQ_G = 1;
const uint DQ_GV = 9;
uint dq_g[DQ_GV * 4];
#endif
#include "dequant_kscale.glsl"

void dq_head(uint blk) {
	uint base = blk * 36u;
	k_head(wq[base], wq[base + 1u], wq[base + 2u], wq[base + 3u]);
}

// k4_word decodes quant word k (0..8) of a unit with scales s (k_scales):
// its low nibbles are values 4k.. of the unit's first sub-block, its high
// nibbles those of the second.
void k4_word(vec4 s, uint k, uint q) {
	wv[k] = nibbles(q, 0u) * s.x - s.y;
	wv[8 + k] = nibbles(q, 4u) * s.z - s.w;
}

void dq_unit(uint blk, uint c) {
	uint base = blk * 36u + 4u + 8u * c;
	vec4 s = k_scales(c);
	DQ_UNROLL for (uint k = 0; k < 8; k++) {
		k4_word(s, k, wq[base + k]);
	}
}

#ifdef DQ_HAS_GROUPS
// dq_group_q returns the quants of vec4 k (0..16) of unit c of the
// super-block in dq_g: k < 8 are word k's low nibbles, the rest word k-8's
// high ones.
vec4 dq_group_q(uint c, uint k) {
	return nibbles(dq_g[4u + 8u * c + k % 8u], k < 8u ? 0u : 4u);
}
#endif

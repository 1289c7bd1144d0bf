// dequant_q6_k.glsl: Q6_K weights (see dequant.glsl). Include-only.
// A super-block is 210 bytes, so blocks start at even offsets: ql[128] low
// nibbles, qh[64] top two bits, 16 int8 scales (one per 16 values), fp16 d;
// value = d·scale·(q-32), q in 0..63. Unit h (0, 1) is values 128h ..
// 128h+127: value 128h + l + 32k (l < 32, k < 4) takes its nibble from
// ql[64h + l + 32(k&1)] (low for k < 2, high otherwise), its top bits from
// bits 2k, 2k+1 of qh[32h + l], and scale 8h + l/16 + 2k.
const uint DQ_N = 128;
const uint DQ_UPB = 2;
vec4 wv[32];
float wd = 1.0;
// rb: ql of the unit (16 words), its qh (8), the block's scales (4).
uint rb[28];
float kd;

#ifdef DQ_GROUPS
// Groups (matvec_rows.comp): one super-block per group, every row. A
// super-block starts at an even byte phase in its uvec4, different per lane
// (row), so dq_group_load reads the 14 uvec4s that cover it and realigns
// them with selects: an array indexed by the phase would live in memory on
// lavapipe. dq_g holds its 53 words (words 0..52 of the super-block).
// DQ_GROUPS_ONLY: rows are whole one-block groups, so matvec_rows.comp
// compiles no per-unit path, whose run-time unit (dq_unit's scale index,
// add_unit's window index) kept rb and the x window in memory:
// matvec_q6_k_rows_tx 4096x4096 went from 0.41-0.45 to 0.92-0.96 of
// copy's bandwidth.
#define DQ_HAS_GROUPS
#define DQ_HAS_GROUP_LOAD
#define DQ_GROUPS_ONLY
const uint DQ_G = 1;
uint dq_g[53];
#endif
#include "dequant_even.glsl"

void dq_head(uint blk) {
	uint off = blk * 210u;
	rd_range(off + 192u, 4u, 24u);
	kd = half_at(off + 208u);
}

// kscale6 returns signed scale byte s of the block times d.
float kscale6(uint s) {
	return float(bitfieldExtract(int(rb[24u + (s >> 2)]), int((s & 3u) * 8u), 8)) * kd;
}

// q6_bytes returns the nibbles of n (in the low four bits of each byte)
// with bits s, s+1 of each of h's bytes on top, minus 32, as floats.
vec4 q6_bytes(uint n, uint h, uint s) {
	return kq_bytes((n & 0x0F0F0F0Fu) | (((h >> s) & 0x03030303u) << 4), 32.0);
}

// q6_decode decodes unit h from rb and kd.
void q6_decode(uint h) {
	DQ_UNROLL for (uint k = 0; k < 4; k++) {
		uint shift = k >= 2u ? 4u : 0u;
		DQ_UNROLL for (uint g = 0; g < 8; g++) {
			// Values l = 4g .. 4g+3 of row k: scale index 8h + l/16 + 2k.
			float s = kscale6(8u * h + g / 4u + 2u * k);
			wv[8u * k + g] = q6_bytes(rb[(k & 1u) * 8u + g] >> shift, rb[16u + g], 2u * k) * s;
		}
	}
}

void dq_unit(uint blk, uint h) {
	uint off = blk * 210u;
	rd_range(off + 64u * h, 16u, 0u);
	rd_range(off + 128u + 32u * h, 8u, 16u);
	q6_decode(h);
}

#ifdef DQ_HAS_GROUPS
// dq_group_load loads super-block g into dq_g. It starts at byte 210g:
// uvec4 i0 = 210g/16, phase ph = 210g%16 (even). The last of its 14 uvec4s
// may reach past the buffer (rounded to 4 bytes only), so it is read as
// words clamped to the buffer: the words past the end lie past the block.
void dq_group_load(uint g) {
	uint o = 210u * g;
	uint i0 = o >> 4;
	uint a[60];
	DQ_UNROLL for (uint i = 0; i < 13; i++) {
		uvec4 q = wload4(i0 + i);
		DQ_UNROLL for (uint c = 0; c < 4; c++) {
			a[4 * i + c] = q[c];
		}
	}
	uint last = uint(wq.length()) - 1u;
	DQ_UNROLL for (uint c = 0; c < 4; c++) {
		a[52 + c] = wq[min(4u * (i0 + 13u) + c, last)];
	}
	a[56] = 0u;
	a[57] = 0u;
	a[58] = 0u;
	a[59] = 0u;
	uint ws = (o >> 2) & 3u; // whole words to skip
	bool mid = (o & 2u) != 0u;
	DQ_UNROLL for (uint k = 0; k < 54; k++) {
		a[k] = ws == 0u ? a[k] : ws == 1u ? a[k + 1] : ws == 2u ? a[k + 2] : a[k + 3];
	}
	DQ_UNROLL for (uint k = 0; k < 53; k++) {
		dq_g[k] = mid ? (a[k] >> 16) | (a[k + 1] << 16) : a[k];
	}
}

// dq_group_unit decodes unit h of the super-block in dq_g.
void dq_group_unit(uint h) {
	DQ_UNROLL for (uint k = 0; k < 16; k++) {
		rb[k] = dq_g[16u * h + k];
	}
	DQ_UNROLL for (uint k = 0; k < 8; k++) {
		rb[16u + k] = dq_g[32u + 8u * h + k];
	}
	DQ_UNROLL for (uint k = 0; k < 4; k++) {
		rb[24u + k] = dq_g[48u + k];
	}
	kd = unpackHalf2x16(dq_g[52]).x;
	q6_decode(h);
}
#endif

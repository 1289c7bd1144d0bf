#version 450
// matvec_rows.comp: y[b][r] = Σ_c W[r][c] · x[b][c] like matvec.comp, in
// its one-row-per-invocation layout (ROWS) for CPU drivers, with the input
// vectors shared between the lanes of a subgroup by shuffles.
//
// Bindings (set 0):  0 W: rows in the layout picked by WTYPE_<type>
//                    1 x float[n][x_stride] (readonly)
//                    2 y float[n][y_stride] (writeonly)
//                    3 W again as uvec4 texels (usamplerBuffer, R32G32B32A32_UINT;
//                      TEXELS only), for the groups
//                    4 x again as texels (TEXELS only; read instead of 1)
// Specialization:    0 WG workgroup size (a multiple of SG)
//                    1 NROWS (unused: one row per invocation)
//                    2 BATCH input vectors per workgroup
//                    3 SG the subgroup size (x window width in vec4s)
// Push constants:    as matvec.comp                (kernels.MatVecPush)
// Defines:           WTYPE_<type> (dequant.glsl), GLU (gate/up pairs,
//                    glu.glsl and specialization constant 4: lanes 2i and
//                    2i+1 hold a pair's rows and swap sums by
//                    subgroupShuffleXor; SG must be even), TEXELS (groups
//                    and x from bindings 3 and 4)
//
// Why: lavapipe runs a subgroup's lanes as one SIMD batch but loads memory
// inside loops one lane and one component at a time, even when every lane
// reads the same address. In matvec.comp's ROWS layout each lane loads all
// of x for its row, so a Q8_0 block (9 weight words) costs 32 x loads per
// lane. Here the lanes of a subgroup load a window of SG vec4s of x once
// (one vec4 each) and pass them around with subgroupShuffle at a constant
// lane (a register permute on lavapipe), cutting x loads by SG.
//
// Window: XL vec4 loads per lane cover XW = XL·SG vec4s of x, at least one
// unit (UPW units when a unit is shorter than the window). SG must equal
// the subgroup size: lavapipe executes both sides of every branch, so a
// run-time fallback would cost as much as the loads it saves.
//
// Loops over constants carry [[unroll]]: lavapipe (Mesa 22.3) leaves them
// rolled, and an array indexed by a loop counter then lives in memory
// (Q8_0 groups ran at half the speed).
//
// Groups: loads cost per load instruction (a loop over the lanes) more
// than per component, so formats that define DQ_HAS_GROUPS (with DQ_G,
// DQ_GV, dq_g and dq_group_unit; dequant_<type>.glsl)
// read DQ_G blocks at a time as DQ_GV uvec4s when each row holds whole
// groups (they then start 16-byte aligned), instead of one word at a time;
// other rows take the per-unit path. dq_group_unit(u) decodes unit u
// (block u / DQ_UPB) of the group. A format whose groups are not whole
// uvec4s also defines DQ_HAS_GROUP_LOAD and its own dq_group_load. Both
// read uvec4s through wload4. A format whose groups are one block (DQ_G
// = 1, so every row is whole groups) may define DQ_GROUPS_ONLY to leave
// out the per-unit path, which it never takes: that path indexes arrays
// the group path shares by its run-time unit (xl in add_unit(uw), Q6_K's
// rb in dq_unit), and lavapipe then keeps those arrays in memory in the
// whole shader, every store done lane by lane behind an exec-mask branch
// (perf on the JIT code of Q6_K _rows_tx: about half of its samples).
//
// Sub-block scales (DQ_HAS_SUB_SCALES, the K-quants with a min: Q4_K,
// Q5_K): a unit is DQ_SUBS sub-blocks, each value sc·q − mn with a scale
// and min per sub-block. The format gives the bare quants (dq_group_q)
// and each sub-block's (sc, mn) (dq_group_sub) instead of
// dq_group_unit, and add_group_unit folds them as sc·Σq·x − mn·Σx: the
// quants go straight into the dot product, no decoded wv[] array lives
// across the unit (64 ymm registers on lavapipe, where every per-lane
// float is one), and Σx of a sub-block is shared by the subgroup's rows.
// Such formats have one-block groups (DQ_G = 1) and also define
// DQ_GROUPS_ONLY. 4096x4096 decode, BenchmarkMatVec, median
// ratio-to-copy of alternating runs: Q4_K 0.51 -> 0.64 with the folding
// alone -> 0.84 without the per-unit path, Q5_K 0.56 -> 0.71 -> 0.99;
// the gate/up pairs 0.53 -> 0.84 (Q4_K), 0.56 -> 0.96 (Q5_K).
//
// Texels (TEXELS, the _rows_tx variants): lavapipe (Mesa 22.3
// lp_bld_nir_soa.c) loads a storage-buffer uvec4 as a loop over the lanes
// with, per component, an exec-mask branch, a bounds check and a scalar
// load: 32 branchy loads per subgroup. A texelFetch goes through the
// sampler's fetch path, one branch-free 128-bit gather per lane. Reading
// the groups so took 4096x4096 decode matvecs from 0.80 to 1.13-1.23 of
// copy's bandwidth for Q8_0 and from about 0.57 to 0.70-1.0 for Q4_0 and
// Q4_1; reading x's window so too (its bits through a uint format) took
// them further from 1.05-1.11 to 1.29-1.30 (Q8_0), 0.70-0.72 to 0.88-0.94
// (Q4_0) and 0.66-0.73 to 0.82-0.90 (Q4_1); the K-quants (both texel
// reads) went from 0.32 to 0.52-0.55 (Q4_K), 0.27-0.34 to 0.49 (Q5_K) and
// 0.28-0.30 to 0.38 (Q6_K) (BenchmarkMatVec, alternating runs). The
// per-unit weight path keeps the storage buffer.
// Dispatch ceil(rows/WG) workgroups per z (split over x and y).
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_shuffle : require
#extension GL_EXT_control_flow_attributes : require

layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;
layout(constant_id = 1) const uint NROWS = 1;
layout(constant_id = 2) const uint BATCH = 1;
layout(constant_id = 3) const uint SG = 8;

layout(push_constant) uniform Push {
	uint rows;
	uint cols;
	uint x_stride;
	uint y_stride;
	uint n;
} p;

#ifdef TEXELS
layout(set = 0, binding = 4) uniform usamplerBuffer xt4;

vec4 xload4(uint i) { return uintBitsToFloat(texelFetch(xt4, int(i))); }
#else
layout(set = 0, binding = 1) readonly buffer X { vec4 x4[]; };

vec4 xload4(uint i) { return x4[i]; }
#endif
layout(set = 0, binding = 2) writeonly buffer Y { float y[]; };

#define DQ_GROUPS
// The weights as uvec4s, for formats with groups (an alias of wq).
layout(set = 0, binding = 0) readonly buffer WG4 { uvec4 wq4[]; };
#ifdef TEXELS
layout(set = 0, binding = 3) uniform usamplerBuffer wt4;

uvec4 wload4(uint i) { return texelFetch(wt4, int(i)); }
#else
uvec4 wload4(uint i) { return wq4[i]; }
#endif
#include "common.glsl"
#include "dequant.glsl"
#ifdef GLU
#include "glu.glsl"
#endif

const uint XL = DQ_V4 > SG ? DQ_V4 / SG : 1u; // vec4 loads per lane per window
const uint XW = XL * SG;                       // vec4s of x per window
const uint UPW = XW / DQ_V4;                   // units per window

float acc[BATCH];
vec4 xl[XL * BATCH]; // this lane's part of the window, per vector

// load_window loads vec4s v0 + m·SG + lane (m < XL) of each vector b0+b;
// vectors past n (in the last z group) repeat the last one (their sums are
// not stored), lanes past the row's end load its last vec4 (unused).
void load_window(uint b0, uint v0) {
	uint last = p.cols / 4u - 1u;
	[[unroll]] for (uint b = 0; b < BATCH; b++) {
		uint xr = min(b0 + b, p.n - 1u) * (p.x_stride / 4u);
		[[unroll]] for (uint m = 0; m < XL; m++) {
			xl[b * XL + m] = xload4(xr + min(v0 + m * SG + gl_SubgroupInvocationID, last));
		}
	}
}

// add_unit adds the decoded unit (wv, wd) times the window's unit uw to
// acc.
void add_unit(uint uw) {
	[[unroll]] for (uint b = 0; b < BATCH; b++) {
		float s = 0.0;
		[[unroll]] for (uint k = 0; k < DQ_V4; k++) {
			uint w = uw * DQ_V4 + k;
			s += dot(wv[k], subgroupShuffle(xl[b * XL + w / SG], w % SG));
		}
		acc[b] += s * wd;
	}
}

#ifdef DQ_HAS_GROUPS
#ifdef DQ_HAS_SUB_SCALES
// xv returns vec4 w of the window of vector b (the same in every lane).
vec4 xv(uint b, uint w) {
	return subgroupShuffle(xl[b * XL + w / SG], w % SG);
}

// xsum returns the sum of the window's vec4s [w0, w0+n) of vector b, the
// same in every lane: each lane adds the ones it loaded, then the lanes'
// sums are gathered by shuffles at constant lanes (permutes on lavapipe; a
// butterfly of subgroupShuffleXor, whose lane index lavapipe does not
// fold, made Q4_K 2.5 times slower).
float xsum(uint b, uint w0, uint n) {
	float s = 0.0;
	[[unroll]] for (uint m = 0; m < XL; m++) {
		vec4 v = xl[b * XL + m];
		uint w = m * SG + gl_SubgroupInvocationID;
		s += mix(0.0, (v.x + v.y) + (v.z + v.w), w - w0 < n);
	}
	float t = 0.0;
	[[unroll]] for (uint l = 0; l < SG; l++) {
		t += subgroupShuffle(s, l);
	}
	return t;
}

// add_group_unit adds unit c of the group in dq_g times the window's unit
// uw to acc, one sub-block at a time: Σ(sc·q − mn)·x = sc·Σq·x − mn·Σx, so
// the quants go straight into the dot product unscaled (no wv[] array)
// and Σx, shared by all rows, costs one subgroup sum per sub-block.
void add_group_unit(uint c, uint uw) {
	const uint SV = DQ_V4 / DQ_SUBS; // vec4s per sub-block
	[[unroll]] for (uint j = 0; j < DQ_SUBS; j++) {
		float s[BATCH];
		[[unroll]] for (uint b = 0; b < BATCH; b++) {
			s[b] = 0.0;
		}
		[[unroll]] for (uint k = 0; k < SV; k++) {
			vec4 q = dq_group_q(c, j * SV + k);
			[[unroll]] for (uint b = 0; b < BATCH; b++) {
				s[b] += dot(q, xv(b, uw * DQ_V4 + j * SV + k));
			}
		}
		vec2 sm = dq_group_sub(c, j);
		[[unroll]] for (uint b = 0; b < BATCH; b++) {
			acc[b] += sm.x * s[b] - sm.y * xsum(b, uw * DQ_V4 + j * SV, SV);
		}
	}
}
#endif

#ifndef DQ_HAS_GROUP_LOAD
// dq_group_load loads group g (row·groups + gi in add_groups) into dq_g.
void dq_group_load(uint g) {
	[[unroll]] for (uint i = 0; i < DQ_GV; i++) {
		uvec4 q = wload4(g * DQ_GV + i);
		[[unroll]] for (uint c = 0; c < 4; c++) {
			dq_g[4 * i + c] = q[c];
		}
	}
}
#endif

// add_groups adds the row's first groups·DQ_G blocks to acc.
void add_groups(uint row, uint b0, uint groups) {
	const uint units = DQ_G * DQ_UPB;
	for (uint gi = 0; gi < groups; gi++) {
		dq_group_load(row * groups + gi);
		// Step 1, not UPW: lavapipe left a loop stepping by UPW (a
		// specialization constant) rolled, which put dq_g in memory
		// (Q4_K 2x slower). units is a power of two, a multiple of UPW.
		[[unroll]] for (uint w = 0; w < units / UPW; w++) {
			load_window(b0, (gi * units + w * UPW) * DQ_V4);
			[[unroll]] for (uint uw = 0; uw < UPW; uw++) {
#ifdef DQ_HAS_SUB_SCALES
				add_group_unit(w * UPW + uw, uw);
#else
				dq_group_unit(w * UPW + uw);
				add_unit(uw);
#endif
			}
		}
	}
}
#endif

void main() {
	uint b0 = gl_WorkGroupID.z * BATCH;
	uint first = global_linear();
	uint row = min(first, p.rows - 1u); // tail lanes compute rows they do not store
	for (uint b = 0; b < BATCH; b++) {
		acc[b] = 0.0;
	}
	uint bpr = p.cols / DQ_QK;
#ifdef DQ_GROUPS_ONLY
	// One block per group: every row is whole groups. The per-unit path,
	// compiled in though never entered, cost everywhere: with a run-time
	// unit indexing xl, lavapipe kept the window in memory and stored it
	// lane by lane under the exec mask (an extract, test and branch per
	// lane and component), the group path included (Q4_K's JIT code ~7500
	// instructions, ~2900 without; with the constant unit below, still
	// ~4600 and some lane-by-lane stores).
	add_groups(row, b0, bpr);
#else
	uint u0 = 0; // first unit left for the per-unit path
#ifdef DQ_HAS_GROUPS
	// A loop, not a branch: lavapipe skips a loop no lane enters.
	uint groups = bpr % DQ_G == 0u ? bpr / DQ_G : 0u;
	add_groups(row, b0, groups);
	u0 = groups * DQ_G * DQ_UPB;
#endif
	uint units = bpr * DQ_UPB;
	for (uint u = u0; u < units; u += UPW) {
		load_window(b0, u * DQ_V4);
		for (uint uw = 0; uw < UPW && u + uw < units; uw++) {
			uint blk = row * bpr + (u + uw) / DQ_UPB;
			dq_head(blk);
			dq_unit(blk, (u + uw) % DQ_UPB);
			// A constant unit where a window is one unit: a run-time uw
			// indexes xl (add_unit), and lavapipe then keeps the window
			// in memory (see DQ_GROUPS_ONLY above).
			add_unit(UPW == 1u ? 0u : uw);
		}
	}
#endif
#ifdef GLU
	// Every lane is still active here (tail lanes computed the last row),
	// as the shuffle needs; the even lane of each pair stores.
	[[unroll]] for (uint b = 0; b < BATCH; b++) {
		float other = subgroupShuffleXor(acc[b], 1u);
		acc[b] = glu_out(acc[b], other);
	}
	if (first < p.rows && first % 2u == 0u) {
		for (uint b = 0; b < BATCH && b0 + b < p.n; b++) {
			y[(b0 + b) * p.y_stride + first / 2u] = acc[b];
		}
	}
#else
	if (first < p.rows) {
		for (uint b = 0; b < BATCH && b0 + b < p.n; b++) {
			y[(b0 + b) * p.y_stride + first] = acc[b];
		}
	}
#endif
}

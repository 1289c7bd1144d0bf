#version 450
// matvec.comp: y[b][r] = Σ_c W[r][c] · x[b][c] for BATCH input vectors: the
// matrix-vector product (BATCH = 1) and small-batch matrix products, with
// weights in a GGUF row layout and F32 inputs and outputs.
//
// Bindings (set 0):  0 W: rows rows in the layout picked by WTYPE_<type>
//                       (readonly; padded to a multiple of 4 bytes)
//                    1 x float[n][x_stride] (readonly)
//                    2 y float[n][y_stride] (writeonly)
// Specialization:    0 WG workgroup size (power of two)
//                    1 NROWS rows per workgroup (cooperative layout) or
//                      per invocation (ROWS)
//                    2 BATCH input vectors per workgroup
// Push constants:    uint rows; uint cols; uint x_stride; uint y_stride;
//                    uint n (input vectors)        (kernels.MatVecPush)
// Defines:           WTYPE_<type> (dequant.glsl), ROWS (one row per
//                    invocation), SUBGROUP (subgroup reductions),
//                    STORAGE16 / STORAGE8 (16/8-bit weight loads),
//                    GLU (gate/up pairs; glu.glsl, specialization
//                    constant 4; NROWS must be even so that a pair's two
//                    rows meet in one workgroup or invocation)
// cols must be a multiple of the format's block (dequant.glsl DQ_QK),
// x_stride a multiple of 4. Workgroup z handles vectors z·BATCH ..; the
// workgroups of one z are split over x and y.
//
// Two layouts:
// - cooperative (default; for GPUs): the WG invocations of a workgroup
//   stride over the units of NROWS rows, so neighbouring invocations read
//   neighbouring weights, then reduce their NROWS × BATCH partial sums.
//   Dispatch ceil(rows/NROWS) workgroups per z.
// - ROWS (for CPU drivers such as lavapipe, which run a workgroup's
//   invocations as SIMD lanes): each invocation computes whole rows by
//   itself, so there is no reduction, no shared memory and no barrier, and
//   every x load is uniform across the workgroup (one scalar load instead
//   of a gather). Dispatch ceil(rows/(WG·NROWS)) workgroups per z.
#extension GL_GOOGLE_include_directive : require

layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;
layout(constant_id = 1) const uint NROWS = 1;
layout(constant_id = 2) const uint BATCH = 1;

layout(push_constant) uniform Push {
	uint rows;
	uint cols;
	uint x_stride;
	uint y_stride;
	uint n;
} p;

layout(set = 0, binding = 1) readonly buffer X { vec4 x4[]; };
layout(set = 0, binding = 2) writeonly buffer Y { float y[]; };

#include "common.glsl"
#include "dequant.glsl"
#ifdef GLU
#include "glu.glsl"
#endif

// store writes the sums v (NROWS rows from row first, one vector) to
// y[yi..]; with GLU, each pair of rows as one value.
void store(uint yi, uint first, float v[NROWS]) {
#ifdef GLU
	for (uint r = 0; r < NROWS && first + r < p.rows; r += 2) {
		y[yi + (first + r) / 2u] = glu_out(v[r], v[r + 1]);
	}
#else
	for (uint r = 0; r < NROWS && first + r < p.rows; r++) {
		y[yi + first + r] = v[r];
	}
#endif
}

// unit_dot returns wd · Σ_k wv[k]·x4[xi + k] for the unit just decoded.
float unit_dot(uint xi) {
	float s = 0.0;
	for (uint k = 0; k < DQ_V4; k++) {
		s += dot(wv[k], x4[xi + k]);
	}
	return s * wd;
}

// x_index returns the vec4 index of value c of vector b0+b; vectors past n
// (in the last z group) repeat the last one, and their sums are not stored.
uint x_index(uint b0, uint b, uint c) {
	return min(b0 + b, p.n - 1u) * (p.x_stride / 4u) + c / 4u;
}

#ifdef ROWS
float acc[NROWS * BATCH];
vec4 wr[NROWS * DQ_V4]; // the current unit of each of the lane's rows

void main() {
	uint b0 = gl_WorkGroupID.z * BATCH;
	uint first = global_linear() * NROWS;
	for (uint k = 0; k < NROWS * BATCH; k++) {
		acc[k] = 0.0;
	}
	uint bpr = p.cols / DQ_QK;
	for (uint j = 0; j < bpr; j++) {
		for (uint i = 0; i < DQ_UPB; i++) {
			for (uint r = 0; r < NROWS; r++) {
				// Tail lanes compute rows they do not store.
				uint blk = min(first + r, p.rows - 1u) * bpr + j;
				dq_head(blk);
				dq_unit(blk, i);
				for (uint k = 0; k < DQ_V4; k++) {
					wr[r * DQ_V4 + k] = wv[k] * wd;
				}
			}
			// Each x load (uniform, but a per-lane load inside a loop on
			// lavapipe) serves all NROWS rows.
			for (uint b = 0; b < BATCH; b++) {
				uint xi = x_index(b0, b, j * DQ_QK + i * DQ_N);
				for (uint k = 0; k < DQ_V4; k++) {
					vec4 xv = x4[xi + k];
					for (uint r = 0; r < NROWS; r++) {
						acc[b * NROWS + r] += dot(wr[r * DQ_V4 + k], xv);
					}
				}
			}
		}
	}
	for (uint b = 0; b < BATCH && b0 + b < p.n; b++) {
		float v[NROWS];
		for (uint r = 0; r < NROWS; r++) {
			v[r] = acc[b * NROWS + r];
		}
		store((b0 + b) * p.y_stride, first, v);
	}
}
#else
const uint RED_N = NROWS * BATCH;
#include "reduce.glsl"

void main() {
	uint first = wg_linear() * NROWS;
	uint b0 = gl_WorkGroupID.z * BATCH;
	if (first >= p.rows) {
		return; // uniform over the workgroup
	}
	for (uint k = 0; k < RED_N; k++) {
		red_v[k] = 0.0;
	}
	uint units = p.cols / DQ_N;
	for (uint u = gl_LocalInvocationIndex; u < units; u += WG) {
		for (uint r = 0; r < NROWS; r++) {
			uint row = min(first + r, p.rows - 1u); // tail rows are computed but not stored
			uint blk = row * (units / DQ_UPB) + u / DQ_UPB;
			dq_head(blk);
			dq_unit(blk, u % DQ_UPB);
			for (uint b = 0; b < BATCH; b++) {
				red_v[b * NROWS + r] += unit_dot(x_index(b0, b, u * DQ_N));
			}
		}
	}
	red_sum();
	if (gl_LocalInvocationIndex != 0) {
		return;
	}
	for (uint b = 0; b < BATCH && b0 + b < p.n; b++) {
		float v[NROWS];
		for (uint r = 0; r < NROWS; r++) {
			v[r] = red_v[b * NROWS + r];
		}
		store((b0 + b) * p.y_stride, first, v);
	}
}
#endif

#version 450
// matvec.comp: y[b][r] = Σ_c W[r][c] · x[b][c] for BATCH input vectors: the
// matrix-vector product (BATCH = 1) and small-batch matrix products, with
// weights in a GGUF row layout and F32 inputs and outputs.
//
// Bindings (set 0):  0 W: rows rows in the layout picked by the define
//                       (readonly; Q8_0 buffers padded to a multiple of 4 bytes)
//                    1 x float[n][x_stride] (readonly)
//                    2 y float[n][y_stride] (writeonly)
// Specialization:    0 WG workgroup size (power of two)
//                    1 NROWS rows per workgroup
//                    2 BATCH input vectors per workgroup
// Push constants:    uint rows; uint cols; uint x_stride; uint y_stride;
//                    uint n (input vectors)        (kernels.MatVecPush)
// Defines:           WTYPE_F32 | WTYPE_F16 | WTYPE_Q8_0 (weight layout),
//                    SUBGROUP (subgroup reductions), STORAGE16 / STORAGE8
//                    (16/8-bit storage buffer loads instead of unpacking uint)
// Dispatch ceil(rows/NROWS) workgroups, split over x and y, times
// ceil(n/BATCH) in z (workgroup z handles vectors z·BATCH ..). cols must be a
// multiple of 4 (F32, F16) or 32 (Q8_0), x_stride a multiple of 4.
//
// The invocations of a workgroup stride over a row's chunks (4 values for
// F32 and F16, one 32-value block for Q8_0), each loading a chunk once for
// all BATCH vectors, then reduce their NROWS × BATCH partial sums together.
#extension GL_GOOGLE_include_directive : require

layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;
layout(constant_id = 1) const uint NROWS = 1;
layout(constant_id = 2) const uint BATCH = 1;
const uint RED_N = NROWS * BATCH;

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
#include "reduce.glsl"

// load_chunk fills wv[0 .. CHUNK_V4) with the current chunk's weights, to be
// scaled by wd. Eight vectors fit the largest chunk (a Q8_0 block).
vec4 wv[8];
float wd;

#if defined(WTYPE_F32)
#include "matvec_f32.glsl"
#elif defined(WTYPE_F16)
#include "matvec_f16.glsl"
#elif defined(WTYPE_Q8_0)
#include "matvec_q8_0.glsl"
#else
#error "define WTYPE_F32, WTYPE_F16 or WTYPE_Q8_0"
#endif

void accumulate(uint r, uint row, uint c, uint b0) {
	load_chunk(row, c);
	for (uint b = 0; b < BATCH; b++) {
		// Vectors past n (in the last z group) repeat the last one; their
		// sums are not stored.
		uint xi = min(b0 + b, p.n - 1) * (p.x_stride / 4) + c * CHUNK_V4;
		float s = 0.0;
		for (uint k = 0; k < CHUNK_V4; k++) {
			s += dot(wv[k], x4[xi + k]);
		}
		red_v[b * NROWS + r] += s * wd;
	}
}

void main() {
	uint first = wg_linear() * NROWS;
	uint b0 = gl_WorkGroupID.z * BATCH;
	if (first >= p.rows) {
		return; // uniform over the workgroup
	}
	for (uint k = 0; k < RED_N; k++) {
		red_v[k] = 0.0;
	}
	uint chunks = p.cols / (CHUNK_V4 * 4);
	for (uint c = gl_LocalInvocationIndex; c < chunks; c += WG) {
		for (uint r = 0; r < NROWS; r++) {
			uint row = min(first + r, p.rows - 1); // tail rows are computed but not stored
			accumulate(r, row, c, b0);
		}
	}
	red_sum();
	if (gl_LocalInvocationIndex != 0) {
		return;
	}
	for (uint r = 0; r < NROWS && first + r < p.rows; r++) {
		for (uint b = 0; b < BATCH && b0 + b < p.n; b++) {
			y[(b0 + b) * p.y_stride + first + r] = red_v[b * NROWS + r];
		}
	}
}

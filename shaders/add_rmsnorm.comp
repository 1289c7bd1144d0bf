#version 450
// add_rmsnorm.comp: the residual add fused with the next RMSNorm. For each
// row r: h[r] = a[r] + b[r]; dst[r] = h[r] / sqrt(mean(h[r]²) + eps) * w.
// Same arithmetic, in the same order, as add (binary.comp) followed by
// rmsnorm.comp, so the fused and unfused results are equal; one dispatch
// and one pass over the row instead of two.
//
// Bindings (set 0):  0 a float[rows][cols] (readonly), 1 b float[rows][cols]
//                    (readonly), 2 w float[cols] (readonly),
//                    3 h float[rows][cols] (writeonly: the sum, kept as the
//                    residual stream), 4 dst float[rows][cols] (writeonly)
// Specialization:    0 WG workgroup size (power of two)
// Push constants:    uint cols; uint rows; float eps (kernels.RMSNormPush)
// Defines:           SUBGROUP: subgroup reductions (see reduce.glsl)
// One workgroup per row; dispatch rows workgroups, split over x and y.
#extension GL_GOOGLE_include_directive : require

layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;
const uint RED_N = 1;

layout(push_constant) uniform Push { uint cols; uint rows; float eps; } p;

layout(set = 0, binding = 0) readonly buffer A { float a[]; };
layout(set = 0, binding = 1) readonly buffer B { float b[]; };
layout(set = 0, binding = 2) readonly buffer W { float w[]; };
layout(set = 0, binding = 3) writeonly buffer H { float h[]; };
layout(set = 0, binding = 4) writeonly buffer D { float dst[]; };

#include "common.glsl"
#include "reduce.glsl"

void main() {
	uint row = wg_linear();
	if (row >= p.rows) {
		return; // uniform over the workgroup, so no barrier is skipped unevenly
	}
	uint base = row * p.cols;
	float ss = 0.0;
	for (uint i = gl_LocalInvocationIndex; i < p.cols; i += WG) {
		float v = a[base + i] + b[base + i];
		h[base + i] = v;
		ss += v * v;
	}
	red_v[0] = ss;
	red_sum();
	float scale = inversesqrt(red_v[0] / float(p.cols) + p.eps);
	for (uint i = gl_LocalInvocationIndex; i < p.cols; i += WG) {
		// Recomputed rather than read back from h: the same bits, and no
		// read of a writeonly buffer.
		float v = a[base + i] + b[base + i];
		dst[base + i] = v * scale * w[i];
	}
}

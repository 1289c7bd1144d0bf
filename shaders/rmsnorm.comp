#version 450
// rmsnorm.comp: for each row r of x, dst[r] = x[r] / sqrt(mean(x[r]²) + eps) * w.
//
// Bindings (set 0):  0 x float[rows][cols] (readonly), 1 w float[cols]
//                    (readonly), 2 dst float[rows][cols] (writeonly; may be x)
// Specialization:    0 WG workgroup size (power of two)
// Push constants:    uint cols; uint rows; float eps (kernels.RMSNormPush)
// Defines:           SUBGROUP: subgroup reductions (see reduce.glsl)
// One workgroup per row; dispatch rows workgroups, split over x and y.
#extension GL_GOOGLE_include_directive : require

layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;
const uint RED_N = 1;

layout(push_constant) uniform Push { uint cols; uint rows; float eps; } p;

layout(set = 0, binding = 0) readonly buffer X { float x[]; };
layout(set = 0, binding = 1) readonly buffer W { float w[]; };
layout(set = 0, binding = 2) writeonly buffer D { float dst[]; };

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
		float v = x[base + i];
		ss += v * v;
	}
	red_v[0] = ss;
	red_sum();
	float scale = inversesqrt(red_v[0] / float(p.cols) + p.eps);
	for (uint i = gl_LocalInvocationIndex; i < p.cols; i += WG) {
		dst[base + i] = x[base + i] * scale * w[i];
	}
}

#version 450
// softmax.comp: replaces each row of x by softmax(row), subtracting the row
// maximum first for stability.
//
// Bindings (set 0):  0 x float[rows][cols] (read and written in place)
// Specialization:    0 WG workgroup size (power of two)
// Push constants:    uint cols; uint rows          (kernels.SoftmaxPush)
// Defines:           SUBGROUP: subgroup reductions (see reduce.glsl)
// One workgroup per row; dispatch rows workgroups, split over x and y.
#extension GL_GOOGLE_include_directive : require

layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;
const uint RED_N = 1;

layout(push_constant) uniform Push { uint cols; uint rows; } p;

layout(set = 0, binding = 0) buffer X { float x[]; };

#include "common.glsl"
#include "reduce.glsl"

void main() {
	uint row = wg_linear();
	if (row >= p.rows) {
		return; // uniform over the workgroup
	}
	uint base = row * p.cols;
	float m = uintBitsToFloat(0xff800000u); // -inf
	for (uint i = gl_LocalInvocationIndex; i < p.cols; i += WG) {
		m = max(m, x[base + i]);
	}
	red_v[0] = m;
	red_max();
	m = red_v[0];
	float sum = 0.0;
	for (uint i = gl_LocalInvocationIndex; i < p.cols; i += WG) {
		float e = exp(x[base + i] - m);
		x[base + i] = e;
		sum += e;
	}
	red_v[0] = sum;
	red_sum();
	float inv = 1.0 / red_v[0];
	for (uint i = gl_LocalInvocationIndex; i < p.cols; i += WG) {
		x[base + i] *= inv;
	}
}

#version 450
// copy.comp: dst[i] = src[i] for i < n. Also the bandwidth baseline that the
// matrix-vector kernels are measured against.
//
// Bindings (set 0):  0 src float[n] (readonly), 1 dst float[n] (writeonly)
// Specialization:    0 WG workgroup size
// Push constants:    uint n                        (kernels.ElementwisePush)
// Each invocation copies four consecutive values; dispatch ceil(n/4/WG)
// workgroups, split over x and y.
#extension GL_GOOGLE_include_directive : require

layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;

layout(push_constant) uniform Push { uint n; } p;

layout(set = 0, binding = 0) readonly buffer Src4 { vec4 src4[]; };
layout(set = 0, binding = 0) readonly buffer Src1 { float src1[]; };
layout(set = 0, binding = 1) writeonly buffer Dst4 { vec4 dst4[]; };
layout(set = 0, binding = 1) writeonly buffer Dst1 { float dst1[]; };

#include "common.glsl"

void main() {
	uint i = global_linear() * 4;
	if (i + 4 <= p.n) {
		dst4[i / 4] = src4[i / 4];
		return;
	}
	for (; i < p.n; i++) {
		dst1[i] = src1[i];
	}
}

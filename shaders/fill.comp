#version 450
// fill.comp: dst[i] = value for i < n.
//
// Bindings (set 0):  0 dst float[n] (writeonly)
// Specialization:    0 WG workgroup size
// Push constants:    uint n; float value           (kernels.FillPush)
// Each invocation writes four consecutive values; dispatch ceil(n/4/WG)
// workgroups, split over x and y.
#extension GL_GOOGLE_include_directive : require

layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;

layout(push_constant) uniform Push { uint n; float value; } p;

layout(set = 0, binding = 0) writeonly buffer Dst4 { vec4 dst4[]; };
layout(set = 0, binding = 0) writeonly buffer Dst1 { float dst1[]; };

#include "common.glsl"

void main() {
	uint i = global_linear() * 4;
	if (i + 4 <= p.n) {
		dst4[i / 4] = vec4(p.value);
		return;
	}
	for (; i < p.n; i++) {
		dst1[i] = p.value;
	}
}

#version 450
// texels.comp: out[i] = texelFetch(texels, i) for i < push.n, one uvec4
// (R32G32B32A32_UINT texel) per invocation.
// Bindings: 0 = out (uvec4[], storage), 1 = texels (usamplerBuffer).
// Specialization: constant_id 0 = workgroup size (local_size_x).
// Push constants: uint n.
// Built with: glslc --target-env=vulkan1.1 -O -o texels.spv texels.comp
layout(local_size_x_id = 0) in;
layout(std430, set = 0, binding = 0) writeonly buffer Out { uvec4 ys[]; };
layout(set = 0, binding = 1) uniform usamplerBuffer texels;
layout(push_constant) uniform Push { uint n; } push;
void main() {
	uint i = gl_GlobalInvocationID.x;
	if (i < push.n) {
		ys[i] = texelFetch(texels, int(i));
	}
}

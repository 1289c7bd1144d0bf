#version 450
// double.comp: out[i] = in[i] * factor + push.add, for i < push.n.
// Bindings: 0 = in (float[]), 1 = out (float[]).
// Specialization: constant_id 0 = workgroup size (local_size_x), 1 = factor.
// Push constants: uint n; float add.
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint FACTOR = 2;
layout(std430, set = 0, binding = 0) readonly buffer In { float xs[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Out { float ys[]; };
layout(push_constant) uniform Push { uint n; float add; } push;
void main() {
	uint i = gl_GlobalInvocationID.x;
	if (i < push.n) {
		ys[i] = xs[i] * float(FACTOR) + push.add;
	}
}

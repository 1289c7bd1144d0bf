#version 450
// rope.comp: rotary position embedding, in place. x holds tokens rows of
// heads vectors of headDim floats, stride floats apart (a row of a wider
// product, e.g. Q within the engine's fused Q/K/V product, or heads ×
// headDim); the first dims of each vector are rotated by angle
// pos(token) × base^(-2i/dims) for pair i (reduced as rope.glsl explains);
// the rest pass through.
//
// Bindings (set 0):  0 x float[tokens][stride] (in place),
//                    1 pos int[tokens] (readonly; each token's position)
//                    2 freqs vec2[dims/2] (readonly): pair i's frequency
//                      base^(-2i/dims) as float hi + lo (kernels.RopeFreqs)
// Specialization:    0 WG workgroup size
//                    1 NEOX (bool): pairs (i, i+dims/2) instead of (2i, 2i+1)
// Push constants:    uint headDim; uint heads; uint tokens; uint dims;
//                    uint stride                   (kernels.RopePush)
// One invocation per rotated pair; dispatch ceil(tokens*heads*dims/2/WG)
// workgroups, split over x and y.
#extension GL_GOOGLE_include_directive : require

layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;
layout(constant_id = 1) const bool NEOX = false;

layout(push_constant) uniform Push {
	uint head_dim;
	uint heads;
	uint tokens;
	uint dims;
	uint stride;
} p;

layout(set = 0, binding = 0) buffer X { float x[]; };
layout(set = 0, binding = 1) readonly buffer Pos { int pos[]; };
layout(set = 0, binding = 2) readonly buffer Freqs { vec2 freqs[]; };

#include "common.glsl"
#include "rope.glsl"

void main() {
	uint half_dims = p.dims / 2;
	uint g = global_linear();
	if (g >= p.tokens * p.heads * half_dims) {
		return;
	}
	uint i = g % half_dims;
	uint head = g / half_dims; // token * heads + head
	uint token = head / p.heads;
	uint base = token * p.stride + (head % p.heads) * p.head_dim;
	uint a = NEOX ? base + i : base + 2 * i;
	uint b = NEOX ? a + half_dims : a + 1;
	float theta = rope_angle(pos[token], i);
	float c = cos(theta);
	float s = sin(theta);
	float x0 = x[a];
	float x1 = x[b];
	x[a] = x0 * c - x1 * s;
	x[b] = x0 * s + x1 * c;
}

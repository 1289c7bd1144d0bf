#version 450
// attn_reduce.comp: merges the split-K partials of attn_decode.comp with a
// log-sum-exp reduction: M = max m_s, L = Σ l_s·e^(m_s-M),
// out = Σ acc_s·e^(m_s-M) / L. Empty splits carry m = -inf, l = 0.
//
// Bindings (set 0):  0 partials float[rows][KV_HEADS][splits][GROUP][HEAD_DIM+2] (readonly)
//                    1 out float[rows][o_stride] (heads·HEAD_DIM used, writeonly)
// Specialization:    0 WG workgroup size (power of two)
//                    1 HEAD_DIM (multiple of 4)  2 KV_HEADS  3 GROUP
// Push constants:    uint rows; uint o_stride; uint splits   (kernels.ReducePush)
// Dispatch ceil(rows·KV_HEADS·GROUP·HEAD_DIM / WG) workgroups split over x
// and y; invocation i writes value i%HEAD_DIM of query head i/HEAD_DIM (in
// row order), so no invocation idles when HEAD_DIM < WG. Each recomputes its
// head's M and L: splits are few and the partials' m, l stay in cache.
#extension GL_GOOGLE_include_directive : require

layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;
layout(constant_id = 1) const uint HEAD_DIM = 64;
layout(constant_id = 2) const uint KV_HEADS = 1;
layout(constant_id = 3) const uint GROUP = 1;

layout(push_constant) uniform Push {
	uint rows;
	uint o_stride;
	uint splits;
} p;

layout(set = 0, binding = 0) readonly buffer Partials { float part[]; };
layout(set = 0, binding = 1) writeonly buffer Out { float o[]; };

#include "common.glsl"

const uint STRIDE = GROUP * (HEAD_DIM + 2); // floats between splits

void main() {
	uint i = global_linear();
	if (i >= p.rows * KV_HEADS * GROUP * HEAD_DIM) {
		return;
	}
	uint d = i % HEAD_DIM, w = i / HEAD_DIM; // w: row·KV_HEADS·GROUP + query head
	uint g = w % GROUP;
	uint rk = w / GROUP; // row * KV_HEADS + kvh
	uint base = rk * p.splits * STRIDE + g * (HEAD_DIM + 2);
	float m = part[base];
	for (uint s = 1; s < p.splits; s++) {
		m = max(m, part[base + s * STRIDE]);
	}
	float l = 0.0, a = 0.0;
	for (uint s = 0; s < p.splits; s++) {
		uint b = base + s * STRIDE;
		float e = exp(part[b] - m);
		l += part[b + 1] * e;
		a += part[b + 2 + d] * e;
	}
	uint row = rk / KV_HEADS, head = w % (KV_HEADS * GROUP);
	o[row * p.o_stride + head * HEAD_DIM + d] = a / l;
}

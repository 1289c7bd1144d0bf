#version 450
// binary.comp: dst[i] = a[i] OP b[i] for i < n, elementwise. The variant
// table builds it with OP_ADD (add), OP_MUL (mul) or OP_SWIGLU
// (dst = silu(a) * b, a = gate, b = up).
//
// Bindings (set 0):  0 a float[n] (readonly), 1 b float[n] (readonly),
//                    2 dst float[n] (writeonly; may alias a or b)
// Specialization:    0 WG workgroup size
// Push constants:    uint n                        (kernels.ElementwisePush)
// Each invocation handles four consecutive values; dispatch ceil(n/4/WG)
// workgroups, split over x and y.
#extension GL_GOOGLE_include_directive : require

layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;

layout(push_constant) uniform Push { uint n; } p;

layout(set = 0, binding = 0) readonly buffer A4 { vec4 a4[]; };
layout(set = 0, binding = 0) readonly buffer A1 { float a1[]; };
layout(set = 0, binding = 1) readonly buffer B4 { vec4 b4[]; };
layout(set = 0, binding = 1) readonly buffer B1 { float b1[]; };
layout(set = 0, binding = 2) writeonly buffer D4 { vec4 d4[]; };
layout(set = 0, binding = 2) writeonly buffer D1 { float d1[]; };

#include "common.glsl"

#if defined(OP_ADD)
#define OP(a, b) ((a) + (b))
#elif defined(OP_MUL)
#define OP(a, b) ((a) * (b))
#elif defined(OP_SWIGLU)
// silu(a) = a / (1 + e^-a); for very negative a the exponential overflows to
// +inf and the quotient correctly becomes -0.
#define OP(a, b) ((a) / (1.0 + exp(-(a))) * (b))
#else
#error "define OP_ADD, OP_MUL or OP_SWIGLU"
#endif

void main() {
	uint i = global_linear() * 4;
	if (i + 4 <= p.n) {
		d4[i / 4] = OP(a4[i / 4], b4[i / 4]);
		return;
	}
	for (; i < p.n; i++) {
		d1[i] = OP(a1[i], b1[i]);
	}
}

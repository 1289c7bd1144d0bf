#version 450
// matmul.comp: Y[b][r] = Σ_c W[r][c] · X[b][c], the tiled product for many
// input vectors (prompt chunks, many decoding sequences), weights in a GGUF
// row layout (dequant.glsl), F32 inputs and outputs.
//
// Bindings (set 0):  0 W: rows rows in the layout picked by WTYPE_<type>
//                       (readonly; padded to a multiple of 4 bytes)
//                    1 X float[n][x_stride] (readonly)
//                    2 Y float[n][y_stride] (writeonly)
// Specialization:    0 WG workgroup size (must be 64: an 8 × 8 grid)
//                    1 TM weight rows per tile (multiple of 8)
//                    2 TN input vectors per tile (multiple of 8)
// Push constants:    uint rows; uint cols; uint x_stride; uint y_stride;
//                    uint n (input vectors)        (kernels.MatVecPush)
// Defines:           WTYPE_<type>, GLU (gate/up pairs: glu.glsl and
//                    specialization constant 4; each invocation then owns
//                    adjacent row pairs, so TM must be a multiple of 16)
// Dispatch ceil(rows/TM) workgroups split over x and y, times ceil(n/TN)
// in z. cols must be a multiple of the format's block, x_stride of 4.
//
// Each step over the columns decodes a TM × KS tile of W once (KS = whole
// units, at least 32 values) and loads a TN × KS tile of X into shared
// memory, then every invocation accumulates its (TM/8) × (TN/8) outputs
// from the tiles: each weight is decoded once per TN vectors instead of
// once per vector. Shared memory: (TM + TN) · KS · 4 bytes.
#extension GL_GOOGLE_include_directive : require

layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;
layout(constant_id = 1) const uint TM = 32;
layout(constant_id = 2) const uint TN = 32;

layout(push_constant) uniform Push {
	uint rows;
	uint cols;
	uint x_stride;
	uint y_stride;
	uint n;
} p;

layout(set = 0, binding = 1) readonly buffer X { vec4 x4[]; };
layout(set = 0, binding = 2) writeonly buffer Y { float y[]; };

#include "common.glsl"
#include "dequant.glsl"
#ifdef GLU
#include "glu.glsl"
#endif

const uint MM_U = DQ_N >= 32 ? 1 : 32 / DQ_N; // units per step
const uint KS4 = MM_U * DQ_V4;                  // vec4s per tile row
const uint RM = TM / 8;
const uint RN = TN / 8;

shared vec4 ws[TM * KS4];
shared vec4 xs[TN * KS4];
float acc[RM * RN];

// row_of returns the tile row of the invocation's i-th rows (tr = its
// column of the 8 × 8 grid): rows tr, tr+8, ..., or with GLU the pairs
// (2tr, 2tr+1), (16+2tr, 16+2tr+1), ... so a pair's sums meet in one
// invocation.
uint row_of(uint tr, uint i) {
#ifdef GLU
	return (i / 2u) * 16u + 2u * tr + i % 2u;
#else
	return tr + 8u * i;
#endif
}

// load_w decodes the step's W tile (rows row0.., units u0..).
void load_w(uint row0, uint u0) {
	uint bpr = p.cols / DQ_QK;
	for (uint t = gl_LocalInvocationIndex; t < TM * MM_U; t += WG) {
		uint rl = t / MM_U, u = u0 + t % MM_U;
		uint blk = min(row0 + rl, p.rows - 1u) * bpr + u / DQ_UPB;
		dq_head(blk);
		dq_unit(blk, u % DQ_UPB);
		for (uint k = 0; k < DQ_V4; k++) {
			ws[rl * KS4 + (t % MM_U) * DQ_V4 + k] = wv[k] * wd;
		}
	}
}

// load_x copies the step's X tile (vectors n0.., vec4 columns c4..).
void load_x(uint n0, uint c4) {
	for (uint t = gl_LocalInvocationIndex; t < TN * KS4; t += WG) {
		uint v = min(n0 + t / KS4, p.n - 1u);
		xs[t] = x4[v * (p.x_stride / 4u) + c4 + t % KS4];
	}
}

void main() {
	uint row0 = wg_linear() * TM;
	uint n0 = gl_WorkGroupID.z * TN;
	if (row0 >= p.rows) {
		return; // uniform over the workgroup
	}
	uint tr = gl_LocalInvocationIndex % 8u, tn = gl_LocalInvocationIndex / 8u;
	for (uint i = 0; i < RM * RN; i++) {
		acc[i] = 0.0;
	}
	for (uint u0 = 0; u0 < p.cols / DQ_N; u0 += MM_U) {
		load_w(row0, u0);
		load_x(n0, u0 * DQ_V4);
		barrier();
		for (uint c = 0; c < KS4; c++) {
			for (uint i = 0; i < RM; i++) {
				vec4 w = ws[row_of(tr, i) * KS4 + c];
				for (uint j = 0; j < RN; j++) {
					acc[i * RN + j] += dot(w, xs[(tn + 8u * j) * KS4 + c]);
				}
			}
		}
		barrier();
	}
#ifdef GLU
	for (uint i = 0; i < RM; i += 2) {
		for (uint j = 0; j < RN; j++) {
			uint r = row0 + row_of(tr, i), v = n0 + tn + 8u * j;
			if (r < p.rows && v < p.n) {
				y[v * p.y_stride + r / 2u] = glu_out(acc[i * RN + j], acc[(i + 1) * RN + j]);
			}
		}
	}
#else
	for (uint i = 0; i < RM; i++) {
		for (uint j = 0; j < RN; j++) {
			uint r = row0 + row_of(tr, i), v = n0 + tn + 8u * j;
			if (r < p.rows && v < p.n) {
				y[v * p.y_stride + r] = acc[i * RN + j];
			}
		}
	}
#endif
}

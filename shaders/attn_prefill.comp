#version 450
// attn_prefill.comp: causal grouped-query attention over the paged K/V for
// chunks of prompt rows (prefill). Row r attends positions 0..pos_r of its
// own sequence, whose K/V (this chunk's included) the KV store has already
// written, so rows of different sequences may share a dispatch;
// consecutive rows with the same block table share K/V reads.
//
// Bindings (set 0):  0 q float[rows][q_stride] (readonly): heads = KV_HEADS·GROUP
//                    1 kpool, 2 vpool: one layer's K and V blocks (readonly, kvlayout.glsl)
//                    3 meta int[]: [rows][2] = (pos, table offset) then the block tables
//                    4 out float[rows][o_stride] (heads·HEAD_DIM used, writeonly)
//                    5, 6, 7: q, kpool, vpool again as uvec4 texels (LANES only)
// Specialization:    0 WG workgroup size (power of two; LANES: the subgroup size)
//                    1 HEAD_DIM (multiple of 4)  2 KV_HEADS  3 BLOCK_SIZE
//                    4 GROUP query heads per KV head
//                    tiled: 5 QROWS query rows per tile  6 KT keys per tile
//                    LANES: 5 QH query heads per invocation (divides GROUP)
//                           6 TILE tokens per tile (at most WG)
// Push constants:    uint rows; uint q_stride; uint o_stride;
//                    float scale                       (kernels.PrefillPush)
// Defines:           KV_F32 | KV_F16 | KV_INT8; LANES (attn_prefill_lanes.glsl,
//                    with subgroup shuffles and texel buffers)
//
// Tiled (default, for GPUs): dispatch ceil(rows/QROWS)·KV_HEADS workgroups
// split over x and y; workgroup w serves rows (w/KV_HEADS)·QROWS.. for KV
// head w%KV_HEADS. A tile is R = QROWS·GROUP query vectors. Runs of tile
// rows that share a block table are processed together: for each tile of
// KT keys the K tile is dequantized into shared memory, R×KT scores
// computed, each query's online softmax state (max, sum, rescale factor)
// updated, then the V tile replaces the K tile and the R×HEAD_DIM
// accumulators take p·v.
#extension GL_GOOGLE_include_directive : require
#ifdef LANES
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_shuffle : require
#extension GL_EXT_control_flow_attributes : require
#endif

layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;
layout(constant_id = 1) const uint HEAD_DIM = 64;
layout(constant_id = 2) const uint KV_HEADS = 1;
layout(constant_id = 3) const uint BLOCK_SIZE = 16;
layout(constant_id = 4) const uint GROUP = 1;
#ifdef LANES
layout(constant_id = 5) const uint QH = 1;
layout(constant_id = 6) const uint TILE = 8;
#else
layout(constant_id = 5) const uint QROWS = 1;
layout(constant_id = 6) const uint KT = 16;
#endif

layout(push_constant) uniform Push {
	uint rows;
	uint q_stride;
	uint o_stride;
	float scale;
} p;

layout(set = 0, binding = 0) readonly buffer Q { float q[]; };
layout(set = 0, binding = 1) readonly buffer KPool { uint kpool[]; };
layout(set = 0, binding = 2) readonly buffer VPool { uint vpool[]; };
layout(set = 0, binding = 3) readonly buffer Meta { int meta[]; };
layout(set = 0, binding = 4) writeonly buffer Out { float o[]; };

#include "common.glsl"
#include "kvlayout.glsl"
#include "kvread.glsl"

#define NEG_INF uintBitsToFloat(0xff800000u)

#ifdef LANES
#include "attn_prefill_lanes.glsl"
#else
const uint UNITS = HEAD_DIM / 4;
const uint R = QROWS * GROUP;
const uint OPT = (R * UNITS + WG - 1) / WG; // accumulator units per invocation

shared vec4 q_sh[R * UNITS];   // queries times scale
shared vec4 kv_sh[KT * UNITS]; // the K tile, then the V tile
shared float s_sh[R * KT];     // scores, then probabilities
shared float m_sh[R];          // running max
shared float l_sh[R];          // running sum
shared float a_sh[R];          // this tile's rescale factor
shared int pos_sh[QROWS];      // position of each tile row in the run, -1 if not in it

vec4 acc[OPT];
uint tab_off;

// load_tile dequantizes keys t0..t0+KT-1 (past last: zeros) into kv_sh.
void load_tile(bool v, uint t0, uint last, uint kvh) {
	for (uint i = gl_LocalInvocationIndex; i < KT * UNITS; i += WG) {
		uint j = i / UNITS, u = i % UNITS, t = t0 + j;
		vec4 x = vec4(0.0);
		if (t <= last) {
			uint b = uint(meta[tab_off + t / BLOCK_SIZE]), s = t % BLOCK_SIZE;
			uint w = kv_vec_word(b, kvh, s);
			x = v ? load_v4(w, u) * load_v4_scale(b, kvh, s) : load_k4(w, u) * load_k4_scale(b, kvh, s);
		}
		kv_sh[i] = x;
	}
}

void scores(uint t0) {
	for (uint e = gl_LocalInvocationIndex; e < R * KT; e += WG) {
		uint qv = e / KT, j = e % KT;
		int pos = pos_sh[qv / GROUP];
		float s = NEG_INF;
		if (pos >= 0 && t0 + j <= uint(pos)) {
			vec4 d = vec4(0.0);
			for (uint u = 0; u < UNITS; u++) {
				d += q_sh[qv * UNITS + u] * kv_sh[j * UNITS + u];
			}
			s = d.x + d.y + d.z + d.w;
		}
		s_sh[e] = s;
	}
}

void softmax_rows() {
	for (uint qv = gl_LocalInvocationIndex; qv < R; qv += WG) {
		float m_old = m_sh[qv], m_new = m_old;
		for (uint j = 0; j < KT; j++) {
			m_new = max(m_new, s_sh[qv * KT + j]);
		}
		if (m_new == NEG_INF) { // a row outside the run, or no visible key yet
			a_sh[qv] = 1.0;
			for (uint j = 0; j < KT; j++) {
				s_sh[qv * KT + j] = 0.0;
			}
			continue;
		}
		float sum = 0.0;
		for (uint j = 0; j < KT; j++) {
			float pr = exp(s_sh[qv * KT + j] - m_new);
			s_sh[qv * KT + j] = pr;
			sum += pr;
		}
		float alpha = exp(m_old - m_new);
		a_sh[qv] = alpha;
		m_sh[qv] = m_new;
		l_sh[qv] = l_sh[qv] * alpha + sum;
	}
}

void accumulate() {
	for (uint k = 0; k < OPT; k++) {
		uint e = gl_LocalInvocationIndex + k * WG;
		if (e >= R * UNITS) {
			break;
		}
		uint qv = e / UNITS, u = e % UNITS;
		vec4 a = acc[k] * a_sh[qv];
		for (uint j = 0; j < KT; j++) {
			a += s_sh[qv * KT + j] * kv_sh[j * UNITS + u];
		}
		acc[k] = a;
	}
}

// begin_run loads the queries of tile rows [a, b) (the run) and resets the
// softmax state; it returns the run's largest position.
uint begin_run(uint r0, uint a, uint b, uint kvh) {
	uint lid = gl_LocalInvocationIndex;
	for (uint i = lid; i < QROWS; i += WG) {
		uint r = r0 + i;
		pos_sh[i] = r >= a && r < b ? meta[2 * r] : -1;
	}
	for (uint i = lid; i < R * UNITS; i += WG) {
		uint qv = i / UNITS, r = r0 + qv / GROUP;
		vec4 x = vec4(0.0);
		if (r >= a && r < b) {
			uint qi = r * p.q_stride + (kvh * GROUP + qv % GROUP) * HEAD_DIM + 4 * (i % UNITS);
			x = vec4(q[qi], q[qi + 1], q[qi + 2], q[qi + 3]) * p.scale;
		}
		q_sh[i] = x;
	}
	for (uint qv = lid; qv < R; qv += WG) {
		m_sh[qv] = NEG_INF;
		l_sh[qv] = 0.0;
	}
	for (uint k = 0; k < OPT; k++) {
		acc[k] = vec4(0.0);
	}
	uint last = 0;
	for (uint r = a; r < b; r++) {
		last = max(last, uint(meta[2 * r]));
	}
	return last;
}

void write_run(uint r0, uint a, uint b, uint kvh) {
	for (uint k = 0; k < OPT; k++) {
		uint e = gl_LocalInvocationIndex + k * WG;
		uint qv = e / UNITS, r = r0 + qv / GROUP;
		if (e >= R * UNITS || r < a || r >= b) {
			continue;
		}
		vec4 x = acc[k] / l_sh[qv];
		uint oi = r * p.o_stride + (kvh * GROUP + qv % GROUP) * HEAD_DIM + 4 * (e % UNITS);
		o[oi] = x.x;
		o[oi + 1] = x.y;
		o[oi + 2] = x.z;
		o[oi + 3] = x.w;
	}
}

void main() {
	uint w = wg_linear();
	uint tiles = (p.rows + QROWS - 1) / QROWS;
	if (w >= tiles * KV_HEADS) {
		return; // uniform over the workgroup
	}
	uint kvh = w % KV_HEADS;
	uint r0 = (w / KV_HEADS) * QROWS, r1 = min(r0 + QROWS, p.rows);
	for (uint a = r0; a < r1;) {
		int off = meta[2 * a + 1];
		uint b = a + 1;
		while (b < r1 && meta[2 * b + 1] == off) {
			b++;
		}
		tab_off = uint(off);
		uint last = begin_run(r0, a, b, kvh);
		barrier();
		for (uint t0 = 0; t0 <= last; t0 += KT) {
			load_tile(false, t0, last, kvh);
			barrier();
			scores(t0);
			barrier();
			load_tile(true, t0, last, kvh);
			softmax_rows();
			barrier();
			accumulate();
			barrier();
		}
		write_run(r0, a, b, kvh);
		barrier(); // shared state is reset by the next run
		a = b;
	}
}
#endif

#version 450
// attn_decode.comp: paged grouped-query attention for rows that each attend
// their own sequence's positions 0..pos (decode: one new token per
// sequence, many sequences per dispatch), with optional split-K
// (flash-decoding): the context is cut into `splits` chunks whose partial
// results attn_reduce.comp merges.
//
// Bindings (set 0):  0 q float[rows][q_stride]: heads = KV_HEADS·GROUP query
//                       heads of HEAD_DIM values at the row's start (readonly)
//                    1 kpool, 2 vpool: one layer's K and V blocks (readonly, kvlayout.glsl)
//                    3 meta int[]: [rows][2] = (pos, table offset) then the block
//                       tables; row r's token t is in block meta[off_r + t/BLOCK_SIZE]
//                    4 dst: splits == 1: out float[rows][o_stride] (heads·HEAD_DIM used);
//                       splits > 1: partials float[rows][KV_HEADS][splits][GROUP][HEAD_DIM+2]
//                       holding (max score, Σ exp, Σ exp·v) per query head
// Specialization:    0 WG workgroup size (power of two)
//                    1 HEAD_DIM (multiple of 4)  2 KV_HEADS  3 BLOCK_SIZE
//                    4 GROUP query heads per KV head
// Push constants:    uint rows; uint q_stride; uint o_stride; uint splits;
//                    float scale (score multiplier, 1/√HEAD_DIM)   (kernels.DecodePush)
// Defines:           KV_F32 | KV_F16 | KV_INT8; SUBGROUP (subgroup reductions);
//                    LANES (one invocation per item, below); TEXELS (one
//                    subgroup per item, K/V as texels: attn_decode_tx.glsl)
// An item is split i%splits of KV head (i/splits)%KV_HEADS of row
// i/splits/KV_HEADS, for i < rows·KV_HEADS·splits.
//
// Tiled (default): one workgroup per item, dispatched as rows·KV_HEADS·splits
// workgroups split over x and y. One workgroup reads each K and V vector of
// its chunk once for all GROUP query heads. Tiles of WG tokens: each
// invocation scores one token against every query head, the workgroup
// reduces the tile's max and sum (online softmax: running max m, sum l,
// rescaling by exp(m_old - m_new)), then invocations split the V
// accumulation by 4-value units and token lanes.
//
// LANES: one invocation per item, ceil(items / WG) workgroups. For small
// head dims, where the tiled layout leaves most invocations idle and pays
// barriers and workgroup launches per item (lavapipe runs each workgroup's
// invocations in SIMD batches on one CPU thread, and a barrier switches
// between them): each invocation walks its chunk alone, keeping the query,
// running max, sum and accumulators of its GROUP heads in registers.
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : enable

layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;
layout(constant_id = 1) const uint HEAD_DIM = 64;
layout(constant_id = 2) const uint KV_HEADS = 1;
layout(constant_id = 3) const uint BLOCK_SIZE = 16;
layout(constant_id = 4) const uint GROUP = 1;
const uint RED_N = GROUP;

layout(push_constant) uniform Push {
	uint rows;
	uint q_stride;
	uint o_stride;
	uint splits;
	float scale;
} p;

layout(set = 0, binding = 0) readonly buffer Q { float q[]; };
layout(set = 0, binding = 1) readonly buffer KPool { uint kpool[]; };
layout(set = 0, binding = 2) readonly buffer VPool { uint vpool[]; };
layout(set = 0, binding = 3) readonly buffer Meta { int meta[]; };
layout(set = 0, binding = 4) writeonly buffer Dst { float dst[]; };

#include "common.glsl"
#include "kvlayout.glsl"
#include "kvread.glsl"

#define NEG_INF uintBitsToFloat(0xff800000u)

uint tab; // the item's row's block table offset in meta (set by item)

// item decomposes item i (i < rows·KV_HEADS·splits) into its row, KV head
// and split and the token range [begin, end) of its chunk, and sets tab.
void item(uint i, out uint row, out uint kvh, out uint split, out uint begin, out uint end) {
	split = i % p.splits;
	kvh = (i / p.splits) % KV_HEADS;
	row = i / p.splits / KV_HEADS;
	uint n = uint(meta[2 * row]) + 1;
	tab = uint(meta[2 * row + 1]);
	uint chunk = (n + p.splits - 1) / p.splits;
	begin = min(split * chunk, n);
	end = min(begin + chunk, n);
}

#if defined(LANES)
#include "attn_decode_lanes.glsl"
#elif defined(TEXELS)
#include "attn_decode_tx.glsl"
#else
#include "reduce.glsl"

const uint UNITS = HEAD_DIM / 4;
const uint LANES = WG > UNITS ? WG / UNITS : 1;     // token lanes of the V phase
const uint UPT = (UNITS + WG - 1) / WG;             // units per invocation

shared vec4 q_sh[GROUP * UNITS]; // the group's queries, times scale
shared float p_sh[GROUP * WG];  // the tile's probabilities
shared vec4 comb_sh[WG];        // lane combine at the end
shared uint blk_sh[WG];         // the tile's block ids and V scales, read once:
shared float vs_sh[WG];         // the V loop then issues only independent loads

float m_run[GROUP]; // running max per query head (same in every invocation)
float l_run[GROUP]; // running Σ exp
vec4 acc[GROUP * UPT];


uint block_of(uint t) { return uint(meta[tab + t / BLOCK_SIZE]); }

// score_tile scores token t (if t < end) against every query head.
void score(uint t, uint end, uint kvh) {
	[[unroll]] for (uint g = 0; g < GROUP; g++) {
		red_v[g] = NEG_INF;
	}
	if (t >= end) {
		return;
	}
	uint b = block_of(t), s = t % BLOCK_SIZE;
	blk_sh[gl_LocalInvocationIndex] = b;
	vs_sh[gl_LocalInvocationIndex] = load_v4_scale(b, kvh, s);
	uint w = kv_vec_word(b, kvh, s);
	vec4 d[GROUP];
	[[unroll]] for (uint g = 0; g < GROUP; g++) {
		d[g] = vec4(0.0);
	}
	[[unroll]] for (uint u = 0; u < UNITS; u++) {
		vec4 k = load_k4(w, u);
		[[unroll]] for (uint g = 0; g < GROUP; g++) {
			d[g] += q_sh[g * UNITS + u] * k;
		}
	}
	float ks = load_k4_scale(b, kvh, s);
	[[unroll]] for (uint g = 0; g < GROUP; g++) {
		red_v[g] = (d[g].x + d[g].y + d[g].z + d[g].w) * ks;
	}
}

// softmax_tile turns the tile's scores into probabilities in p_sh and
// rescales the running state; returns nothing, sets alpha per head.
void softmax_tile(uint t, uint end) {
	float s[GROUP];
	[[unroll]] for (uint g = 0; g < GROUP; g++) {
		s[g] = red_v[g];
	}
	red_max();
	float alpha[GROUP];
	[[unroll]] for (uint g = 0; g < GROUP; g++) {
		float m_new = max(m_run[g], red_v[g]); // finite: the tile has a token
		alpha[g] = exp(m_run[g] - m_new);
		m_run[g] = m_new;
		float pr = t < end ? exp(s[g] - m_new) : 0.0;
		p_sh[g * WG + gl_LocalInvocationIndex] = pr;
		red_v[g] = pr;
	}
	red_sum();
	[[unroll]] for (uint g = 0; g < GROUP; g++) {
		l_run[g] = l_run[g] * alpha[g] + red_v[g];
		[[unroll]] for (uint k = 0; k < UPT; k++) {
			acc[g * UPT + k] *= alpha[g];
		}
	}
}

// accumulate adds the tile's p·v; invocation i handles unit i%UNITS (and
// further units when UNITS > WG) of tokens i/UNITS, i/UNITS+LANES, ...
// Four tokens' loads are issued before their use: the loop is otherwise
// bound by memory latency, not bandwidth.
void accumulate(uint t0, uint end, uint kvh) {
	uint lid = gl_LocalInvocationIndex;
	uint lane = lid / min(UNITS, WG);
	if (lane >= LANES) {
		return;
	}
	uint n = min(WG, end - t0);
	[[unroll]] for (uint k = 0; k < UPT; k++) {
		uint u = lid % min(UNITS, WG) + k * WG;
		if (u >= UNITS) {
			break;
		}
		for (uint j = lane; j < n; j += 4 * LANES) {
			vec4 v[4];
			[[unroll]] for (uint r = 0; r < 4; r++) {
				uint jj = j + r * LANES;
				v[r] = vec4(0.0);
				if (jj < n) {
					v[r] = load_v4(kv_vec_word(blk_sh[jj], kvh, (t0 + jj) % BLOCK_SIZE), u) * vs_sh[jj];
				}
			}
			[[unroll]] for (uint r = 0; r < 4; r++) {
				uint jj = min(j + r * LANES, WG - 1); // past n: v is 0
				[[unroll]] for (uint g = 0; g < GROUP; g++) {
					acc[g * UPT + k] += p_sh[g * WG + jj] * v[r];
				}
			}
		}
	}
}

// combine sums the token lanes' accumulators of query head g into lane 0.
vec4 combine(uint g, uint k) {
	if (LANES == 1) {
		return acc[g * UPT + k];
	}
	uint lid = gl_LocalInvocationIndex;
	barrier();
	comb_sh[lid] = acc[g * UPT + k];
	barrier();
	vec4 sum = vec4(0.0);
	if (lid < UNITS) {
		for (uint lane = 0; lane < LANES; lane++) {
			sum += comb_sh[lane * UNITS + lid];
		}
	}
	return sum;
}

void write_out(uint row, uint kvh, uint split) {
	uint lid = gl_LocalInvocationIndex;
	[[unroll]] for (uint g = 0; g < GROUP; g++) {
		[[unroll]] for (uint k = 0; k < UPT; k++) {
			vec4 a = combine(g, k);
			uint u = lid + k * WG;
			if (lid >= min(UNITS, WG) || u >= UNITS) {
				continue;
			}
			uint o;
			if (p.splits == 1) {
				a /= l_run[g];
				o = row * p.o_stride + (kvh * GROUP + g) * HEAD_DIM + 4 * u;
			} else {
				o = (((row * KV_HEADS + kvh) * p.splits + split) * GROUP + g) * (HEAD_DIM + 2) + 2 + 4 * u;
				if (u == 0) {
					dst[o - 2] = m_run[g];
					dst[o - 1] = l_run[g];
				}
			}
			dst[o] = a.x;
			dst[o + 1] = a.y;
			dst[o + 2] = a.z;
			dst[o + 3] = a.w;
		}
	}
}

void main() {
	uint w = wg_linear();
	if (w >= p.rows * KV_HEADS * p.splits) {
		return; // uniform over the workgroup
	}
	uint row, kvh, split, begin, end;
	item(w, row, kvh, split, begin, end);

	uint lid = gl_LocalInvocationIndex;
	uint qb = row * p.q_stride + kvh * GROUP * HEAD_DIM;
	for (uint i = lid; i < GROUP * UNITS; i += WG) {
		uint o = qb + 4 * i;
		q_sh[i] = vec4(q[o], q[o + 1], q[o + 2], q[o + 3]) * p.scale;
	}
	[[unroll]] for (uint g = 0; g < GROUP; g++) {
		m_run[g] = NEG_INF;
		l_run[g] = 0.0;
		[[unroll]] for (uint k = 0; k < UPT; k++) {
			acc[g * UPT + k] = vec4(0.0);
		}
	}
	barrier();
	for (uint t0 = begin; t0 < end; t0 += WG) {
		score(t0 + lid, end, kvh);
		softmax_tile(t0 + lid, end);
		barrier(); // p_sh complete
		accumulate(t0, end, kvh);
		barrier(); // p_sh free for the next tile
	}
	write_out(row, kvh, split);
}
#endif // LANES, TEXELS

#version 450
// topk.comp: the k best candidates of each row, best first, in the total
// order of runtime/sample (logit descending, then token id ascending):
// greedy decoding is k = 1 and top-k sampling reads back k candidates, not
// the whole vocabulary. Two dispatches: stage 1 (PAIRS false) splits each
// row of logits into chunks, one workgroup per (row, chunk), and writes
// each chunk's k best; stage 2 (PAIRS true) merges a row's chunks × k
// candidates in one workgroup. Logits that are NaN or -Inf are never
// candidates; +Inf counts as the largest finite float (as the CPU sampler).
// Comparisons only, no arithmetic, so the selection is exact.
//
// Bindings (set 0):  0 src uint[]: stage 1 float bits [rows][src_stride];
//                       stage 2 (id, logit bits) pairs [rows][src_stride]
//                    1 dst uint[]: (id, logit bits) pairs
//                       [rows][chunks][k]; id 0xffffffff = no candidate
// Specialization:    0 WG workgroup size (power of two)
//                    1 PAIRS (bool): src holds candidate pairs
// Push constants:    uint n (src entries per row); uint src_stride;
//                    uint k; uint chunk (entries per workgroup);
//                    uint chunks; uint rows          (kernels.TopKPush)
// Dispatch rows·chunks workgroups split over x and y. Each of the k rounds
// picks the best entry ranked after the previous pick with a workgroup
// reduction: O(k·n) comparisons, cheap for the small k sampling uses.
#extension GL_GOOGLE_include_directive : require

layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;
layout(constant_id = 1) const bool PAIRS = false;

layout(push_constant) uniform Push {
	uint n;
	uint src_stride;
	uint k;
	uint chunk;
	uint chunks;
	uint rows;
} p;

layout(set = 0, binding = 0) readonly buffer Src { uint src[]; };
layout(set = 0, binding = 1) writeonly buffer Dst { uint dst[]; };

#include "common.glsl"

const uint NONE = 0xffffffffu;
const float FLT_MAX = 3.402823466e38;

shared uint id_sh[WG];
shared float lg_sh[WG];

// better reports whether (ia, la) ranks before (ib, lb); NONE ranks last.
bool better(uint ia, float la, uint ib, float lb) {
	if (ib == NONE) {
		return ia != NONE;
	}
	return ia != NONE && (la > lb || (la == lb && ia < ib));
}

// entry returns entry j of the row (id NONE when it is no candidate).
uint entry(uint row, uint j, out float logit) {
	if (PAIRS) {
		uint at = 2 * (row * p.src_stride + j);
		logit = uintBitsToFloat(src[at + 1]);
		return src[at];
	}
	float v = uintBitsToFloat(src[row * p.src_stride + j]);
	logit = min(v, FLT_MAX);
	return v >= -FLT_MAX ? j : NONE; // false for NaN and -Inf
}

void main() {
	uint w = wg_linear();
	if (w >= p.rows * p.chunks) {
		return; // uniform over the workgroup
	}
	uint row = w / p.chunks, c = w % p.chunks;
	uint lo = c * p.chunk, hi = min(lo + p.chunk, p.n);
	uint lid = gl_LocalInvocationIndex;
	uint prev_id = NONE;
	float prev_lg = 0.0;
	for (uint r = 0; r < p.k; r++) {
		uint best_id = NONE;
		float best_lg = 0.0;
		for (uint j = lo + lid; j < hi; j += WG) {
			float lg;
			uint id = entry(row, j, lg);
			// Ranked after the previous pick, and better than the best so far.
			if ((r == 0 || better(prev_id, prev_lg, id, lg)) && better(id, lg, best_id, best_lg)) {
				best_id = id;
				best_lg = lg;
			}
		}
		id_sh[lid] = best_id;
		lg_sh[lid] = best_lg;
		barrier();
		for (uint s = WG / 2; s > 0; s >>= 1) {
			if (lid < s && better(id_sh[lid + s], lg_sh[lid + s], id_sh[lid], lg_sh[lid])) {
				id_sh[lid] = id_sh[lid + s];
				lg_sh[lid] = lg_sh[lid + s];
			}
			barrier();
		}
		prev_id = id_sh[0];
		prev_lg = lg_sh[0];
		barrier(); // every invocation read the pick before the next round writes
		if (lid == 0) {
			uint at = 2 * ((row * p.chunks + c) * p.k + r);
			dst[at] = prev_id;
			dst[at + 1] = floatBitsToUint(prev_lg);
		}
		if (prev_id == NONE) {
			// Nothing left: the remaining slots say so too.
			for (uint q = r + 1 + lid; q < p.k; q += WG) {
				uint at = 2 * ((row * p.chunks + c) * p.k + q);
				dst[at] = NONE;
				dst[at + 1] = 0u;
			}
			return; // uniform: every invocation read the same pick
		}
	}
}

// attn_decode_tx.glsl: the TEXELS layout of attn_decode.comp for CPU
// drivers (the _tx variants; see attn_decode.comp for bindings 0-4,
// constants and items). Include-only; attn_decode.comp includes it after
// its declarations and kvread.glsl, and it defines main.
//
// Extra bindings:    5, 6, 7: q, kpool, vpool again as uvec4 texels
//                    (usamplerBuffer, R32G32B32A32_UINT); 6 and 7 are read
// Needs:             WG == SG lanes in one subgroup (subgroup size >= WG),
//                    every K/V vector and block 16-byte aligned
//                    (kernels.txFits)
//
// One workgroup of SG lanes serves one item, with no shared memory and no
// barrier. The chunk is walked in batches of SG tokens. Lane l holds
// texels l, l+SG, ... of each vector (its share of the group's queries
// and of the output accumulators), so a token's K or V vector is read as
// one texel per lane: one branch-free gather per SG texels. lavapipe
// (Mesa 22.3 lp_bld_nir_soa.c) reads a storage-buffer vec4 as a loop over
// the lanes with an exec-mask branch and a scalar load per component;
// the tiled layout moreover pays 4 barriers per tile (a switch between
// the workgroup's SIMD batches) and shared-memory traffic. Kernel report
// (ctx 1024, 32/8 heads × 128, one row, 2 shared cores, 3 alternating
// runs), ratio to copy, tiled _sg -> this: f32 0.08-0.09 -> 2.05-2.19,
// f16 0.06 -> 1.28-1.32, int8 0.03 -> 0.87-0.89 (above 1: the K/V, 2-8
// MiB, stay in the CPU's cache between runs; copy moves 128 MiB). perf
// then puts most JIT samples on the texel fetches.
//
// Scores: each lane forms its share of the dot products of the batch's
// SG tokens, then a butterfly of subgroupShuffleXor steps (SG-1 per query
// head, register permutes on lavapipe) sums the shares so that lane j
// holds token j's score. The lanes agree on the batch max through three
// more, so the online-softmax rescale by exp(m_old - m_new) is one
// multiply per accumulator; lane j forms token j's probability (one exp)
// and the V pass takes it from lane j by subgroupShuffle at a constant
// lane. Each lane sums the probabilities of its own tokens; the sums are
// added once at the end.

#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_shuffle : require

layout(set = 0, binding = 6) uniform usamplerBuffer kt;
layout(set = 0, binding = 7) uniform usamplerBuffer vt;

const uint SG = 8; // lavapipe's subgroup; WG must equal it
const uint TEXEL_VALUES = 16 / KV_VALUE_BYTES;
const uint QV = TEXEL_VALUES / 4;                 // vec4s per texel
const uint VEC_TEXELS = HEAD_DIM / TEXEL_VALUES;  // texels per vector
const uint TPL = (VEC_TEXELS + SG - 1) / SG;      // texels per lane
const uint U = TPL * QV;                          // vec4s per lane and head

vec4 q_x[GROUP * U];   // this lane's texels of the queries, times scale
vec4 acc_x[GROUP * U]; // Σ e^(s-m)·v of this lane's texels
float m_x[GROUP];      // running max score (the same in every lane)
float l_x[GROUP];      // Σ e^(s-m) over this lane's tokens
vec4 part_lo[GROUP];   // the batch's score shares, tokens 0-3 and 4-7
vec4 part_hi[GROUP];
uint tw_x[SG];         // each token's first texel, per batch
float pv_x[GROUP];     // this lane's token's probability times V scale

// lane_texel is texel m of this lane within a vector, clamped to the
// vector's last: lanes past it load valid memory and hold zero queries.
uint lane_texel(uint m) {
	return min(gl_SubgroupInvocationID + m * SG, VEC_TEXELS - 1);
}

// scores_batch fills part_lo[g][j] (j < 4) and part_hi[g][j-4] with this
// lane's share of token j's score for query head g.
void scores_batch() {
	[[unroll]] for (uint j = 0; j < SG; j++) {
		vec4 d[GROUP];
		[[unroll]] for (uint g = 0; g < GROUP; g++) {
			d[g] = vec4(0.0);
		}
		[[unroll]] for (uint m = 0; m < TPL; m++) {
			uvec4 t = texelFetch(kt, int(tw_x[j] + lane_texel(m)));
			[[unroll]] for (uint i = 0; i < QV; i++) {
				vec4 k = kv_texel_unit(t, i);
				[[unroll]] for (uint g = 0; g < GROUP; g++) {
					d[g] += q_x[g * U + m * QV + i] * k;
				}
			}
		}
		[[unroll]] for (uint g = 0; g < GROUP; g++) {
			float v = d[g].x + d[g].y + d[g].z + d[g].w;
			if (j < 4) {
				part_lo[g][j] = v;
			} else {
				part_hi[g][j - 4] = v;
			}
		}
	}
}

// transpose_sum returns, in lane j, the sum over lanes of token j's
// shares of head g: each step keeps the half of the tokens whose bit
// matches the lane's and adds the partner's shares of them. Written out
// for SG = 8 with vectors, not as a loop over an array: lavapipe kept
// such an array in memory and stored and gathered it lane by lane (perf
// on the JIT code: most samples, and f32, f16 and int8 ran at the same
// speed).
float transpose_sum(uint g) {
	uint lane = gl_SubgroupInvocationID;
	bool b4 = (lane & 4u) != 0, b2 = (lane & 2u) != 0, b1 = (lane & 1u) != 0;
	vec4 lo = part_lo[g], hi = part_hi[g];
	vec4 r4 = (b4 ? hi : lo) + subgroupShuffleXor(b4 ? lo : hi, 4);
	vec2 r2 = (b2 ? r4.zw : r4.xy) + subgroupShuffleXor(b2 ? r4.xy : r4.zw, 2);
	return (b1 ? r2.y : r2.x) + subgroupShuffleXor(b1 ? r2.x : r2.y, 1);
}

float lanes_max(float v) {
	v = max(v, subgroupShuffleXor(v, 4));
	v = max(v, subgroupShuffleXor(v, 2));
	return max(v, subgroupShuffleXor(v, 1));
}

float lanes_sum(float v) {
	v += subgroupShuffleXor(v, 4);
	v += subgroupShuffleXor(v, 2);
	return v + subgroupShuffleXor(v, 1);
}

// accumulate_batch adds p·v of the batch's tokens, pv_x[g] holding this
// lane's token's probability times its V scale.
void accumulate_batch() {
	[[unroll]] for (uint j = 0; j < SG; j++) {
		float pj[GROUP];
		[[unroll]] for (uint g = 0; g < GROUP; g++) {
			pj[g] = subgroupShuffle(pv_x[g], j);
		}
		[[unroll]] for (uint m = 0; m < TPL; m++) {
			uvec4 t = texelFetch(vt, int(tw_x[j] + lane_texel(m)));
			[[unroll]] for (uint i = 0; i < QV; i++) {
				vec4 v = kv_texel_unit(t, i);
				[[unroll]] for (uint g = 0; g < GROUP; g++) {
					acc_x[g * U + m * QV + i] += pj[g] * v;
				}
			}
		}
	}
}

// batch folds tokens t0..t0+SG-1 (those below end) into the running state.
void batch(uint t0, uint end, uint kvh) {
	uint t = min(t0 + gl_SubgroupInvocationID, end - 1);
	uint b = uint(meta[tab + t / BLOCK_SIZE]), slot = t % BLOCK_SIZE;
	uint tw = kv_vec_word(b, kvh, slot) / 4;
	[[unroll]] for (uint j = 0; j < SG; j++) {
		tw_x[j] = subgroupShuffle(tw, j);
	}
	scores_batch();
	float ks = load_k4_scale(b, kvh, slot), vs = load_v4_scale(b, kvh, slot);
	[[unroll]] for (uint g = 0; g < GROUP; g++) {
		float s = transpose_sum(g) * ks; // outside the branch: all lanes shuffle
		s = t0 + gl_SubgroupInvocationID < end ? s : NEG_INF;
		float m = max(m_x[g], lanes_max(s)); // finite: token t0 is in the chunk
		float alpha = exp(m_x[g] - m);
		float pr = exp(s - m);
		m_x[g] = m;
		l_x[g] = l_x[g] * alpha + pr;
		pv_x[g] = pr * vs;
		[[unroll]] for (uint u = 0; u < U; u++) {
			acc_x[g * U + u] *= alpha;
		}
	}
	accumulate_batch();
}

void write_tx(uint row, uint kvh, uint split) {
	[[unroll]] for (uint g = 0; g < GROUP; g++) {
		float l = lanes_sum(l_x[g]);
		uint o;
		float div = 1.0;
		if (p.splits == 1) {
			div = l;
			o = row * p.o_stride + (kvh * GROUP + g) * HEAD_DIM;
		} else {
			o = (((row * KV_HEADS + kvh) * p.splits + split) * GROUP + g) * (HEAD_DIM + 2) + 2;
			if (gl_SubgroupInvocationID == 0) {
				dst[o - 2] = m_x[g];
				dst[o - 1] = l;
			}
		}
		[[unroll]] for (uint m = 0; m < TPL; m++) {
			uint tx = gl_SubgroupInvocationID + m * SG;
			if (tx >= VEC_TEXELS) {
				break;
			}
			[[unroll]] for (uint i = 0; i < QV; i++) {
				vec4 a = acc_x[g * U + m * QV + i] / div;
				uint d = o + tx * TEXEL_VALUES + 4 * i;
				dst[d] = a.x;
				dst[d + 1] = a.y;
				dst[d + 2] = a.z;
				dst[d + 3] = a.w;
			}
		}
	}
}

// load_q loads this lane's texels of the group's queries, times scale
// (zero past the vector's end), and clears the running state.
void load_q(uint qb) {
	[[unroll]] for (uint g = 0; g < GROUP; g++) {
		[[unroll]] for (uint m = 0; m < TPL; m++) {
			uint tx = gl_SubgroupInvocationID + m * SG;
			[[unroll]] for (uint i = 0; i < QV; i++) {
				uint o = qb + g * HEAD_DIM + lane_texel(m) * TEXEL_VALUES + 4 * i;
				vec4 v = vec4(q[o], q[o + 1], q[o + 2], q[o + 3]) * p.scale;
				q_x[g * U + m * QV + i] = tx < VEC_TEXELS ? v : vec4(0.0);
				acc_x[g * U + m * QV + i] = vec4(0.0);
			}
		}
		m_x[g] = NEG_INF;
		l_x[g] = 0.0;
	}
}

void main() {
	uint w = wg_linear();
	if (w >= p.rows * KV_HEADS * p.splits) {
		return; // uniform over the workgroup
	}
	uint row, kvh, split, begin, end;
	item(w, row, kvh, split, begin, end);
	load_q(row * p.q_stride + kvh * GROUP * HEAD_DIM);
	for (uint t0 = begin; t0 < end; t0 += SG) {
		batch(t0, end, kvh);
	}
	write_tx(row, kvh, split);
}

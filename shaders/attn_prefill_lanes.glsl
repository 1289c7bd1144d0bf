// attn_prefill_lanes.glsl: the LANES layout of attn_prefill.comp (see its
// header for bindings and constants), for CPU drivers. Include-only;
// attn_prefill.comp includes it after its declarations and kvread.glsl,
// and it defines main.
//
// An item is WG consecutive rows and QH query heads of one KV head, served
// by one workgroup of one subgroup (WG is the subgroup size): lane i is
// row r0+i, holding its QH queries, running max, sum and accumulators, so
// no shared memory and no barrier. Workgroup w is item w of (row block,
// head group), head groups fastest. Runs of the block's rows that share a
// block table are processed one after the other, each over tiles of TILE
// tokens: lane j loads token t0+j's K vector, every lane scores the tile's
// tokens against its queries taking each K value from its lane by
// subgroupShuffle at a constant lane, folds the tile into its online
// softmax (one rescale per tile), then the same for V and the
// accumulators. Tokens past the run's last position load that position
// (valid, finite values) and, like tokens past a row's own position, get
// probability 0. Lanes outside the run (or past the rows) compute with the
// run's last position and write nothing.
//
// Why: lavapipe runs a subgroup as one SIMD batch of 8 lanes and loads
// storage buffers one lane and component at a time behind a branch, but a
// shuffle at a constant lane is a register permute and a texelFetch a
// branch-free gather (matvec_rows.comp's header). The tiled layout of the
// GPUs pays for shared memory and four barriers per tile (a barrier
// switches coroutines on lavapipe) and loads every K/V value per lane.
// Loops over constants carry [[unroll]] so that every array is indexed by
// constants (lavapipe keeps an array indexed at run time in memory and
// writes it lane by lane).
//
// Measured (BenchmarkPrefill, int8 KV, 12 query heads over 4 of 64, 64
// rows after 64 cached tokens, llvmpipe on 2 shared cores): the tiled
// layout 15.7 ms (1.2 GFLOP/s), this one 0.55-0.65 ms (29-34). Per
// tile the JIT code (perf on the running benchmark, the mapping
// disassembled) is one unrolled block: each shared K/V value costs a
// vpermilps and a vpermpd, each multiply-add a vmulps and a vaddps
// (fma() changed nothing: llvmpipe lowers it to both). Tried: one query
// head per lane instead of the group of 3 (shuffles no longer shared by
// the group: 1.05-1.10 ms against 0.87-0.88 in the same runs), tiles of 4
// tokens (0.93 ms there), 8 subgroups per workgroup (4 workgroups for the
// 64 rows: 0.64-0.85 ms against 0.59-0.63 with one subgroup each,
// alternating runs).

layout(set = 0, binding = 5) uniform usamplerBuffer qt4;
layout(set = 0, binding = 6) uniform usamplerBuffer kt4;
layout(set = 0, binding = 7) uniform usamplerBuffer vt4;

const uint UNITS = HEAD_DIM / 4;
const uint HG = KV_HEADS * GROUP / QH; // head groups per row block

// Vectors start on a texel when each vector and block is whole texels;
// other layouts (int8 with head dims not a multiple of 16) load words.
const bool KV_TEXELS = KV_VEC_WORDS % 4 == 0 && KV_BLOCK_WORDS % 4 == 0;
const uint UPT = 16 / (4 * KV_VALUE_BYTES); // vec4 units per texel

vec4 q_l[QH * UNITS];   // this lane's queries, times scale
vec4 acc_l[QH * UNITS]; // Σ e^(s-m)·v per query head
float m_l[QH];          // running max score per query head
float l_l[QH];          // running Σ e^(s-m)
vec4 kv_l[UNITS];       // this lane's token of the tile: its K, then its V
float p_t[QH * TILE];   // the tile's scores, then probabilities, [QH][TILE]

// load_vec loads the K (or V) vector whose first word is w into kv_l.
void load_vec(bool v, uint w) {
	if (KV_TEXELS) {
		[[unroll]] for (uint j = 0; j < UNITS / UPT; j++) {
			uvec4 x = v ? texelFetch(vt4, int(w / 4 + j)) : texelFetch(kt4, int(w / 4 + j));
			[[unroll]] for (uint k = 0; k < UPT; k++) {
				kv_l[j * UPT + k] = kv_texel_unit(x, k);
			}
		}
	} else {
		[[unroll]] for (uint u = 0; u < UNITS; u++) {
			kv_l[u] = v ? load_v4(w, u) : load_k4(w, u);
		}
	}
}

// score_tile sets p_t to the scores of tokens t0.. (the K vectors in the
// lanes' kv_l, int8 scale ks), -inf past pos.
void score_tile(uint t0, uint pos, float ks) {
	[[unroll]] for (uint r = 0; r < TILE; r++) {
		vec4 d[QH];
		[[unroll]] for (uint h = 0; h < QH; h++) {
			d[h] = vec4(0.0);
		}
		[[unroll]] for (uint u = 0; u < UNITS; u++) {
			vec4 k = subgroupShuffle(kv_l[u], r);
			[[unroll]] for (uint h = 0; h < QH; h++) {
				d[h] += q_l[h * UNITS + u] * k;
			}
		}
		float sc = subgroupShuffle(ks, r);
		[[unroll]] for (uint h = 0; h < QH; h++) {
			float s = (d[h].x + d[h].y + d[h].z + d[h].w) * sc;
			p_t[h * TILE + r] = t0 + r <= pos ? s : NEG_INF;
		}
	}
}

// fold_tile turns the tile's scores into probabilities times the tokens'
// V scales (vs, by lane) against the new running max, and rescales the
// running sum and accumulators. The max is finite: every lane's first
// tile holds position 0, which it attends.
void fold_tile(float vs) {
	[[unroll]] for (uint h = 0; h < QH; h++) {
		float m = m_l[h];
		[[unroll]] for (uint r = 0; r < TILE; r++) {
			m = max(m, p_t[h * TILE + r]);
		}
		float alpha = exp(m_l[h] - m);
		m_l[h] = m;
		float l = l_l[h] * alpha;
		[[unroll]] for (uint r = 0; r < TILE; r++) {
			float e = exp(p_t[h * TILE + r] - m);
			l += e;
			p_t[h * TILE + r] = e * subgroupShuffle(vs, r);
		}
		l_l[h] = l;
		[[unroll]] for (uint u = 0; u < UNITS; u++) {
			acc_l[h * UNITS + u] *= alpha;
		}
	}
}

// accumulate_tile adds p·v of the tile's tokens (V in the lanes' kv_l).
void accumulate_tile() {
	[[unroll]] for (uint u = 0; u < UNITS; u++) {
		[[unroll]] for (uint r = 0; r < TILE; r++) {
			vec4 v = subgroupShuffle(kv_l[u], r);
			[[unroll]] for (uint h = 0; h < QH; h++) {
				acc_l[h * UNITS + u] += p_t[h * TILE + r] * v;
			}
		}
	}
}

// run_tile folds tokens t0..t0+TILE-1 (at most last) of the table at tab
// into this lane's state, for a row at position pos.
void run_tile(uint t0, uint last, uint pos, uint tab, uint kvh) {
	uint t = min(t0 + min(gl_SubgroupInvocationID, TILE - 1), last);
	uint b = uint(meta[tab + t / BLOCK_SIZE]), s = t % BLOCK_SIZE;
	uint w = kv_vec_word(b, kvh, s);
	load_vec(false, w);
	score_tile(t0, pos, load_k4_scale(b, kvh, s));
	fold_tile(load_v4_scale(b, kvh, s));
	load_vec(true, w);
	accumulate_tile();
}

// load_queries loads row's QH queries from head h0 on, times scale.
void load_queries(uint row, uint h0) {
	uint base = (row * p.q_stride + h0 * HEAD_DIM) / 4;
	[[unroll]] for (uint i = 0; i < QH * UNITS; i++) {
		q_l[i] = uintBitsToFloat(texelFetch(qt4, int(base + i))) * p.scale;
	}
}

void reset_state() {
	[[unroll]] for (uint i = 0; i < QH * UNITS; i++) {
		acc_l[i] = vec4(0.0);
	}
	[[unroll]] for (uint h = 0; h < QH; h++) {
		m_l[h] = NEG_INF;
		l_l[h] = 0.0;
	}
}

void write_row(uint row, uint h0) {
	[[unroll]] for (uint h = 0; h < QH; h++) {
		uint o0 = row * p.o_stride + (h0 + h) * HEAD_DIM;
		[[unroll]] for (uint u = 0; u < UNITS; u++) {
			vec4 x = acc_l[h * UNITS + u] / l_l[h];
			o[o0 + 4 * u] = x.x;
			o[o0 + 4 * u + 1] = x.y;
			o[o0 + 4 * u + 2] = x.z;
			o[o0 + 4 * u + 3] = x.w;
		}
	}
}

// run_end returns the end of the run of rows from a (before r1) that share
// a's block table, and the run's largest position in last.
uint run_end(uint a, uint r1, out uint last) {
	int off = meta[2 * a + 1];
	last = uint(meta[2 * a]);
	uint b = a + 1;
	for (; b < r1 && meta[2 * b + 1] == off; b++) {
		last = max(last, uint(meta[2 * b]));
	}
	return b;
}

void main() {
	uint item = wg_linear();
	if (item >= (p.rows + WG - 1) / WG * HG) {
		return; // uniform over the workgroup
	}
	uint h0 = item % HG * QH, kvh = h0 / GROUP;
	uint r0 = item / HG * WG, r1 = min(r0 + WG, p.rows);
	uint row = r0 + gl_SubgroupInvocationID, rq = min(row, p.rows - 1);
	load_queries(rq, h0);
	for (uint a = r0; a < r1;) {
		uint last;
		uint b = run_end(a, r1, last);
		bool in_run = row >= a && row < b;
		uint pos = in_run ? uint(meta[2 * rq]) : last;
		uint tab = uint(meta[2 * a + 1]);
		reset_state();
		for (uint t0 = 0; t0 <= last; t0 += TILE) {
			run_tile(t0, last, pos, tab, kvh);
		}
		if (in_run) {
			write_row(row, h0);
		}
		a = b;
	}
}

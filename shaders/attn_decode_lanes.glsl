// attn_decode_lanes.glsl: the LANES layout of attn_decode.comp (see its
// header for bindings, constants and items). Include-only; attn_decode.comp
// includes it after its declarations and kvread.glsl, and it defines main.
//
// Invocation i serves item i alone: no shared memory, no barriers, so a
// workgroup holds WG items of any rows. It walks its chunk in tiles of
// TILE tokens: scores them against the GROUP queries, then folds the tile
// into the running max m, sum l and accumulators with one rescale by
// exp(m_old - m_new) per tile (online softmax). Tokens past the chunk's end
// in the last tile load the chunk's last token (valid memory, finite
// values) and get probability 0, so no load depends on a branch.

const uint UNITS = HEAD_DIM / 4;
const uint TILE = 4; // tokens per rescale: 4 exps per head become 1 + 4/TILE

vec4 q_l[GROUP * UNITS];   // the group's queries, times scale
vec4 acc_l[GROUP * UNITS]; // Σ e^(s-m)·v per query head
float m_l[GROUP];          // running max score per query head
float l_l[GROUP];          // running Σ e^(s-m)

// The current tile, as globals: passed as array out/inout parameters,
// lavapipe (Mesa 22.3.6, LLVM 15) handed the caller zeros.
float s_t[GROUP * TILE]; // scores, then probabilities, [GROUP][TILE]
uint w_t[TILE];          // each token's first K/V word
float vs_t[TILE];        // each token's V scale

// score_tile sets s_t[g·TILE + r] to the score of token t0+r for query
// head g (-inf past end), and each token's first word and V scale.
void score_tile(uint t0, uint end, uint kvh) {
	[[unroll]] for (uint r = 0; r < TILE; r++) {
		uint t = min(t0 + r, end - 1);
		uint b = uint(meta[tab + t / BLOCK_SIZE]), slot = t % BLOCK_SIZE;
		w_t[r] = kv_vec_word(b, kvh, slot);
		vs_t[r] = load_v4_scale(b, kvh, slot);
		vec4 d[GROUP];
		[[unroll]] for (uint g = 0; g < GROUP; g++) {
			d[g] = vec4(0.0);
		}
		[[unroll]] for (uint u = 0; u < UNITS; u++) {
			vec4 k = load_k4(w_t[r], u);
			[[unroll]] for (uint g = 0; g < GROUP; g++) {
				d[g] += q_l[g * UNITS + u] * k;
			}
		}
		float ks = load_k4_scale(b, kvh, slot);
		[[unroll]] for (uint g = 0; g < GROUP; g++) {
			s_t[g * TILE + r] = t0 + r < end ? (d[g].x + d[g].y + d[g].z + d[g].w) * ks : NEG_INF;
		}
	}
}

// fold_tile turns the tile's scores into probabilities (in place) against
// the new running max and rescales the running sum and accumulators.
void fold_tile() {
	[[unroll]] for (uint g = 0; g < GROUP; g++) {
		float m = m_l[g];
		[[unroll]] for (uint r = 0; r < TILE; r++) {
			m = max(m, s_t[g * TILE + r]); // finite: the tile's first token is in the chunk
		}
		float alpha = exp(m_l[g] - m);
		m_l[g] = m;
		float l = l_l[g] * alpha;
		[[unroll]] for (uint r = 0; r < TILE; r++) {
			s_t[g * TILE + r] = exp(s_t[g * TILE + r] - m);
			l += s_t[g * TILE + r];
		}
		l_l[g] = l;
		[[unroll]] for (uint u = 0; u < UNITS; u++) {
			acc_l[g * UNITS + u] *= alpha;
		}
	}
}

// accumulate_tile adds p·v of the tile's tokens to every head's sum.
void accumulate_tile() {
	[[unroll]] for (uint r = 0; r < TILE; r++) {
		[[unroll]] for (uint u = 0; u < UNITS; u++) {
			vec4 v = load_v4(w_t[r], u) * vs_t[r];
			[[unroll]] for (uint g = 0; g < GROUP; g++) {
				acc_l[g * UNITS + u] += s_t[g * TILE + r] * v;
			}
		}
	}
}

void write_lanes(uint row, uint kvh, uint split) {
	[[unroll]] for (uint g = 0; g < GROUP; g++) {
		uint o;
		float div = 1.0;
		if (p.splits == 1) {
			div = l_l[g];
			o = row * p.o_stride + (kvh * GROUP + g) * HEAD_DIM;
		} else {
			o = (((row * KV_HEADS + kvh) * p.splits + split) * GROUP + g) * (HEAD_DIM + 2) + 2;
			dst[o - 2] = m_l[g];
			dst[o - 1] = l_l[g];
		}
		[[unroll]] for (uint u = 0; u < UNITS; u++) {
			vec4 a = acc_l[g * UNITS + u] / div;
			dst[o + 4 * u] = a.x;
			dst[o + 4 * u + 1] = a.y;
			dst[o + 4 * u + 2] = a.z;
			dst[o + 4 * u + 3] = a.w;
		}
	}
}

void main() {
	uint i = global_linear();
	if (i >= p.rows * KV_HEADS * p.splits) {
		return;
	}
	uint row, kvh, split, begin, end;
	item(i, row, kvh, split, begin, end);

	uint qb = row * p.q_stride + kvh * GROUP * HEAD_DIM;
	[[unroll]] for (uint j = 0; j < GROUP * UNITS; j++) {
		uint o = qb + 4 * j;
		q_l[j] = vec4(q[o], q[o + 1], q[o + 2], q[o + 3]) * p.scale;
		acc_l[j] = vec4(0.0);
	}
	[[unroll]] for (uint g = 0; g < GROUP; g++) {
		m_l[g] = NEG_INF;
		l_l[g] = 0.0;
	}
	for (uint t0 = begin; t0 < end; t0 += TILE) {
		score_tile(t0, end, kvh);
		fold_tile();
		accumulate_tile();
	}
	write_lanes(row, kvh, split);
}

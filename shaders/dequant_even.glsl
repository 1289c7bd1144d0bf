// dequant_even.glsl: reads runs of words that start at an even byte offset
// (blocks of 18, 34 or 210 bytes). Include-only; the includer declares
// `uint rb[]` large enough for every run it reads.
//
// rd_range(o, n, dst) fills rb[dst .. dst+n) with the 4n bytes at byte
// offset o (o even). It loads n+1 words whatever the alignment and picks
// with a select, not a branch: lanes of one SIMD batch (rows on lavapipe)
// see different alignments, and a divergent branch would cost both sides.
// The loads stay inside the word-rounded buffer: an aligned run loads its
// first word twice instead of a word past its end.
void rd_range(uint o, uint n, uint dst) {
	uint i = o >> 2;
	bool mid = (o & 2u) != 0u;
	uint step = mid ? 1u : 0u;
	uint lo = wq[i];
	DQ_UNROLL for (uint k = 0; k < n; k++) {
		uint hi = wq[i + k + step];
		rb[dst + k] = mid ? (lo >> 16) | (hi << 16) : hi;
		lo = hi;
	}
}

#ifdef DQ_HAS_GROUPS
// dq_gword returns word k of the quants of a block that starts in group
// word ws after its fp16 d: the block starts at byte 4·ws + (odd ? 2 : 0),
// so its quants start 2 bytes into word ws, or word-aligned at ws + 1.
// With ws, odd and k constant (unrolled loops) this folds to one word or
// one funnel shift.
uint dq_gword(uint ws, bool odd, uint k) {
	return odd ? dq_g[ws + 1u + k] : (dq_g[ws + k] >> 16) | (dq_g[ws + k + 1u] << 16);
}
#endif

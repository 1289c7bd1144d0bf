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
	for (uint k = 0; k < n; k++) {
		uint hi = wq[i + k + step];
		rb[dst + k] = mid ? (lo >> 16) | (hi << 16) : hi;
		lo = hi;
	}
}

package tokenizer

// SentencePiece-style encoding as llama.cpp's llm_tokenizer_spm does it:
// start from single UTF-8 characters and repeatedly merge the adjacent pair
// whose concatenation is the highest-scoring token, leftmost first on ties.
// A priority queue holds candidate pairs, so a text of n characters costs
// O(n log n); stale candidates are skipped when popped.

type spmSymbol struct {
	start, n   int32 // byte range in the text; n == 0 once merged away
	prev, next int32 // neighbours in the live chain, -1 at the ends
}

type spmBigram struct {
	left, right int32
	score       float32
	size        int32 // byte length when queued; a mismatch marks it stale
}

func spmLess(a, b spmBigram) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	return a.left < b.left
}

// encodeSPM tokenizes text whose spaces are already escaped as ▁.
func (t *Tokenizer) encodeSPM(text string, out []int32) []int32 {
	syms := splitChars(text)
	q := minHeap[spmBigram]{less: spmLess, items: make([]spmBigram, 0, len(syms))}
	for i := 1; i < len(syms); i++ {
		t.spmPush(&q, text, syms, int32(i-1), int32(i))
	}
	for q.len() > 0 {
		b := q.pop()
		l, r := &syms[b.left], &syms[b.right]
		if l.n == 0 || r.n == 0 || l.n+r.n != b.size {
			continue
		}
		l.n += r.n
		r.n = 0
		l.next = r.next
		if r.next >= 0 {
			syms[r.next].prev = b.left
		}
		t.spmPush(&q, text, syms, l.prev, b.left)
		t.spmPush(&q, text, syms, b.left, l.next)
	}
	for i := int32(0); len(syms) > 0 && i != -1; i = syms[i].next {
		s := syms[i]
		out = t.spmEmit(text[s.start:s.start+s.n], out)
	}
	return out
}

func (t *Tokenizer) spmPush(q *minHeap[spmBigram], text string, syms []spmSymbol, left, right int32) {
	if left < 0 || right < 0 {
		return
	}
	l, r := syms[left], syms[right]
	id, ok := t.ids[text[l.start:r.start+r.n]]
	if !ok {
		return
	}
	q.push(spmBigram{left: left, right: right, score: t.scores[id], size: l.n + r.n})
}

// spmEmit writes the token for piece, or its bytes as <0xNN> tokens when
// the piece is not in the vocabulary (only single characters can miss: a
// merged piece is a token by construction).
func (t *Tokenizer) spmEmit(piece string, out []int32) []int32 {
	if id, ok := t.ids[piece]; ok {
		return append(out, id)
	}
	for i := 0; i < len(piece); i++ {
		if id := t.byteToken(piece[i]); id != noID {
			out = append(out, id)
		}
	}
	return out
}

// byteToken is llama.cpp's byte_to_token for SPM: the <0xNN> token, else a
// one-byte token, else UNK (where llama.cpp would throw).
func (t *Tokenizer) byteToken(b byte) int32 {
	if id := t.byteIDs[b]; id != noID {
		return id
	}
	if id, ok := t.ids[string([]byte{b})]; ok {
		return id
	}
	return t.unk
}

// splitChars cuts text into UTF-8 characters the way llama.cpp does: the
// length comes from the lead byte alone, so invalid bytes become one-byte
// symbols and a truncated sequence ends at the text's end.
func splitChars(text string) []spmSymbol {
	syms := make([]spmSymbol, 0, len(text))
	for off := 0; off < len(text); {
		n := min(utf8LenFromLead(text[off]), len(text)-off)
		i := int32(len(syms))
		syms = append(syms, spmSymbol{start: int32(off), n: int32(n), prev: i - 1, next: i + 1})
		off += n
	}
	if len(syms) > 0 {
		syms[len(syms)-1].next = -1
	}
	return syms
}

func utf8LenFromLead(b byte) int {
	switch {
	case b < 0xC0:
		return 1
	case b < 0xE0:
		return 2
	case b < 0xF0:
		return 3
	}
	return 4
}

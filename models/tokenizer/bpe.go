package tokenizer

import (
	"fmt"
	"log/slog"
	"strings"
	"unicode/utf8"
)

// Byte-level BPE as llama.cpp's llm_tokenizer_bpe does it: the
// pre-tokenizer cuts the text into words, each word's bytes are mapped to
// printable characters (GPT-2's bytes_to_unicode), and within a word the
// adjacent pair with the lowest merge rank is merged until none is left.

// merge is one entry of tokenizer.ggml.merges, keyed by its two parts' ids.
type merge struct {
	rank   int32
	result int32 // id of the merged text, noID if the vocabulary lacks it
}

func mergeKey(left, right int32) uint64 { return uint64(uint32(left))<<32 | uint64(uint32(right)) }

// byteRunes is GPT-2's byte -> character table; runeBytes is its inverse.
var byteRunes, runeBytes = buildByteTables()

func buildByteTables() ([256]string, map[rune]byte) {
	var fwd [256]string
	inv := make(map[rune]byte, 256)
	next := rune(256)
	for b := 0; b < 256; b++ {
		r := rune(b)
		printable := (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF)
		if !printable {
			r = next
			next++
		}
		fwd[b] = string(r)
		inv[r] = byte(b)
	}
	return fwd, inv
}

// loadBPE reads the merges and picks the pre-tokenizer.
func (t *Tokenizer) loadBPE(md Metadata) error {
	pre := "default"
	if md.Has(KeyPre) {
		p, err := md.String(KeyPre)
		if err != nil {
			return fmt.Errorf("tokenizer: %s: %w", KeyPre, err)
		}
		pre = p
	}
	cfg, ok := preTokenizers[pre]
	if !ok {
		return fmt.Errorf("tokenizer: pre-tokenizer %q: %w (known: %s)", pre, ErrUnsupported, knownPre())
	}
	t.pre, t.split, t.ignoreMerges, t.cleanSpaces = pre, cfg.split, cfg.ignoreMerges, cfg.cleanSpaces
	if cfg.addBOS {
		t.addBOS = true
	}
	merges, err := md.Strings(KeyMerges)
	if err != nil {
		return fmt.Errorf("tokenizer: %s: %w", KeyMerges, err)
	}
	t.merges = make(map[uint64]merge, len(merges))
	skipped := 0
	for rank, m := range merges {
		if !t.addMerge(int32(rank), m) {
			skipped++
		}
	}
	if skipped > 0 {
		// llama.cpp keeps such merges; they could only fire after a merge
		// whose result is not a token, which no known vocabulary has.
		slog.Warn("tokenizer: merges with parts that are not tokens", "skipped", skipped, "merges", len(merges))
	}
	return nil
}

// addMerge records "left right"; the first space after the first byte
// separates the parts, as in llama.cpp. A duplicate keeps its first rank.
func (t *Tokenizer) addMerge(rank int32, m string) bool {
	sp := strings.IndexByte(m[min(1, len(m)):], ' ')
	if sp < 0 {
		return false
	}
	sp += min(1, len(m))
	l, okL := t.ids[m[:sp]]
	r, okR := t.ids[m[sp+1:]]
	if !okL || !okR {
		return false
	}
	k := mergeKey(l, r)
	if _, dup := t.merges[k]; dup {
		return true
	}
	res, ok := t.ids[m[:sp]+m[sp+1:]]
	if !ok {
		res = noID
	}
	t.merges[k] = merge{rank: rank, result: res}
	return true
}

type bpeSymbol struct {
	start, end int32 // byte range in the mapped word
	id         int32 // token id of the range, noID if none
	prev, next int32
}

type bpeBigram struct {
	left, right     int32
	leftID, rightID int32 // ids when queued; a change marks it stale
	rank            int32
}

func bpeLess(a, b bpeBigram) bool {
	if a.rank != b.rank {
		return a.rank < b.rank
	}
	return a.left < b.left
}

// encodeBPE pre-tokenizes text and encodes each word.
func (t *Tokenizer) encodeBPE(text string, out []int32) []int32 {
	var word strings.Builder
	for _, piece := range t.split(text) {
		word.Reset()
		for i := 0; i < len(piece); i++ {
			word.WriteString(byteRunes[piece[i]])
		}
		out = t.encodeWord(word.String(), out)
	}
	return out
}

func (t *Tokenizer) encodeWord(w string, out []int32) []int32 {
	if id, ok := t.ids[w]; ok && (t.ignoreMerges || utf8.RuneCountInString(w) == 1) {
		return append(out, id)
	}
	syms := make([]bpeSymbol, 0, len(w))
	for off := 0; off < len(w); {
		_, n := utf8.DecodeRuneInString(w[off:])
		i := int32(len(syms))
		id, ok := t.ids[w[off:off+n]]
		if !ok {
			id = noID
		}
		syms = append(syms, bpeSymbol{start: int32(off), end: int32(off + n), id: id, prev: i - 1, next: i + 1})
		off += n
	}
	syms[len(syms)-1].next = -1
	q := minHeap[bpeBigram]{less: bpeLess}
	for i := 1; i < len(syms); i++ {
		t.bpePush(&q, syms, int32(i-1), int32(i))
	}
	for q.len() > 0 {
		b := q.pop()
		l, r := &syms[b.left], &syms[b.right]
		if l.end == l.start || r.end == r.start || l.id != b.leftID || r.id != b.rightID {
			continue
		}
		l.end, l.id = r.end, t.merges[mergeKey(b.leftID, b.rightID)].result
		r.start = r.end
		l.next = r.next
		if r.next >= 0 {
			syms[r.next].prev = b.left
		}
		t.bpePush(&q, syms, l.prev, b.left)
		t.bpePush(&q, syms, b.left, l.next)
	}
	for i := int32(0); i != -1; i = syms[i].next {
		out = t.bpeEmit(w, syms[i], out)
	}
	return out
}

func (t *Tokenizer) bpePush(q *minHeap[bpeBigram], syms []bpeSymbol, left, right int32) {
	if left < 0 || right < 0 {
		return
	}
	l, r := syms[left].id, syms[right].id
	if l == noID || r == noID {
		return
	}
	m, ok := t.merges[mergeKey(l, r)]
	if !ok {
		return
	}
	q.push(bpeBigram{left: left, right: right, leftID: l, rightID: r, rank: m.rank})
}

// bpeEmit writes a finished symbol; one that is not a token falls back to
// its single bytes that are tokens, as llama.cpp does.
func (t *Tokenizer) bpeEmit(w string, s bpeSymbol, out []int32) []int32 {
	if s.id != noID {
		return append(out, s.id)
	}
	for i := s.start; i < s.end; i++ {
		if id, ok := t.ids[w[i:i+1]]; ok {
			out = append(out, id)
		}
	}
	return out
}

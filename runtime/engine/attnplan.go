package engine

import (
	"github.com/vkllm/vkllm/models/llama"
)

// DefaultPrefillRows is the fewest rows of one sequence in a step that
// send it through the prefill attention kernel when Options.PrefillRows is
// 0. Below it the decode kernel (kernels.Decode: the tiled, for small head
// dims the lanes, on CPU devices the texel layout; split-K over long
// contexts) serves the rows, batched with other sequences' decode rows.
// Measured on lavapipe with both CPU layouts (BenchmarkAttentionChoice,
// -benchtime 10x, µs per layer-step, decode/prefill): the 85M shape (head
// dim 64) at ctx 64 takes 123/166 at 1 row, 132/138 at 2, 178/150 at 4,
// 203/184 at 8, 1168/587 at 64; stories260K ties up to 8 rows and favours
// prefill from 16 (138/108). 8 is past both crossovers.
const DefaultPrefillRows = 8

// maxAttnRanges bounds the attention dispatches of one step: a batch
// alternating prefill and decode sequences more often than this runs
// through the decode kernel alone (correct, only slower), so the cached
// descriptor sets stay few.
const maxAttnRanges = 4

// attnRange is a run of consecutive rows of a step that one attention
// dispatch (and, for a split decode, its reduce) serves. Its rows' meta
// header starts at int32 index meta of the meta buffer, aligned for a
// descriptor offset, and their table offsets are relative to it, so the
// dispatch binds the meta buffer from there as if the range were a step of
// its own.
type attnRange struct {
	r0, r1  int    // rows [r0, r1)
	prefill bool   // prefill kernel; else decode
	splits  uint32 // decode: split-K chunks
	meta    int    // int32 index of the range's header in the meta buffer
}

// prefillRows returns the engine's prefill threshold; 0 means never.
func (e *Engine) prefillRows() int {
	switch n := e.opt.PrefillRows; {
	case n < 0:
		return 0
	case n == 0:
		return DefaultPrefillRows
	}
	return e.opt.PrefillRows
}

// planAttention splits the step's rows into ranges of sequences that take
// the prefill kernel (at least prefillRows rows) and of sequences that take
// the decode kernel, places each range's meta header, and returns the
// ranges and where the block tables start. When the ranges would be too
// many, or a range's rows cannot start a descriptor range on this device
// (offset alignment), every row takes the decode kernel.
func (e *Engine) planAttention(b *llama.Batch, dst []attnRange) ([]attnRange, int) {
	dst = dst[:0]
	minRows := e.prefillRows()
	r := 0
	for _, s := range b.Seqs {
		if len(s.Tokens) == 0 {
			continue
		}
		pre := minRows > 0 && len(s.Tokens) >= minRows
		end := s.Start + len(s.Tokens)
		if n := len(dst); n > 0 && dst[n-1].prefill == pre {
			dst[n-1].r1 = r + len(s.Tokens)
			dst[n-1].splits = max(dst[n-1].splits, uint32(end))
		} else {
			dst = append(dst, attnRange{r0: r, r1: r + len(s.Tokens), prefill: pre, splits: uint32(end)})
		}
		r += len(s.Tokens)
	}
	if len(dst) > 1 && (len(dst) > maxAttnRanges || !e.rangesAligned(dst)) {
		dst = append(dst[:0], attnRange{r0: 0, r1: r, splits: uint32(maxContext(b))})
	}
	align := e.metaAlign()
	off := 0
	for i := range dst {
		g := &dst[i]
		off = (off + align - 1) / align * align
		g.meta = off
		off += 2 * (g.r1 - g.r0)
		// splits held the range's longest context until here.
		if g.prefill {
			g.splits = 1
		} else {
			g.splits = e.k.attn.decode.Splits(int(g.splits), g.r1-g.r0)
		}
	}
	return dst, off
}

// maxContext returns the longest context a row of b attends.
func maxContext(b *llama.Batch) int {
	n := 0
	for _, s := range b.Seqs {
		n = max(n, s.Start+len(s.Tokens))
	}
	return n
}

// metaAlign returns the int32s between descriptor offsets the device
// accepts.
func (e *Engine) metaAlign() int {
	return int(max(e.dev.Limits().MinStorageBufferOffsetAlignment/4, 1))
}

// rangesAligned reports whether every range's first query and output row
// may start a storage-buffer descriptor range.
func (e *Engine) rangesAligned(rs []attnRange) bool {
	a := max(e.dev.Limits().MinStorageBufferOffsetAlignment, 4)
	rowBytes := uint64(4 * e.model.Config.Heads * e.model.Config.HeadDim)
	for _, g := range rs {
		if uint64(g.r0)*rowBytes%a != 0 {
			return false
		}
	}
	return true
}

// metaInts returns the int32s of the meta buffer for maxRows rows of
// sequences of at most perSeq blocks: the headers with their alignment
// padding, then the block tables.
func metaInts(maxRows, perSeq, align int) int {
	return 2*maxRows + maxAttnRanges*align + maxRows*perSeq
}

// rangeOf returns the index of the range holding row r, searching from i
// (rows are visited in order).
func rangeOf(rs []attnRange, i, r int) int {
	for r >= rs[i].r1 {
		i++
	}
	return i
}

package cpu

import (
	"math"

	"github.com/vkllm/vkllm/cache"
	"github.com/vkllm/vkllm/models/llama"
)

// Attention computes causal grouped-query attention of every row's query
// heads over its sequence's cached keys and values: [n][Heads*HeadDim].
func (b *Backend) Attention(layer int, q Act, s llama.AttnSpec) Act {
	out := b.alloc(q.Rows, s.Heads*s.HeadDim)
	if b.opt.Reference {
		for i := range b.rows {
			b.attendRef(layer, i, q.Row(i), out.Row(i))
		}
		return out
	}
	b.attentionFast(layer, q, out, s)
	return out
}

// attendRef is the reference attention of one row: PagedAttention (the
// reference the GPU kernels are tested against) over the layer's pools.
func (b *Backend) attendRef(layer, row int, q, out []float32) {
	r := b.rows[row]
	kv := PagedKV{
		Layout: b.kv.Layout(),
		K:      func(id cache.BlockID) []byte { return b.kv.K(layer, id) },
		V:      func(id cache.BlockID) []byte { return b.kv.V(layer, id) },
	}
	PagedAttention(out, q, kv, r.blocks, r.pos, 1/math.Sqrt(float64(kv.Layout.HeadDim)))
}

// attentionFast runs one task per (row, KV head) on all threads. A task
// loads each cached K and V vector once for all the query heads of its
// group, the access pattern of the GPU's grouped attention kernel.
func (b *Backend) attentionFast(layer int, q, out Act, s llama.AttnSpec) {
	tasks := len(b.rows) * s.KVHeads
	work := int64(tasks) * int64(s.Heads/s.KVHeads) * int64(b.rows[len(b.rows)-1].pos+1) * int64(s.HeadDim) * 2
	b.parallel(tasks, work, func(wk, lo, hi int) {
		for t := lo; t < hi; t++ {
			b.attendGroup(wk, layer, t/s.KVHeads, t%s.KVHeads, q, out, s)
		}
	})
}

// attendGroup attends the query heads of KV head kvh for one row. It takes
// cached positions four at a time, so one kernel call scores four keys
// against a query head (and adds four values into its output): one call
// per key per head cost more than the 64-wide dot product itself.
func (b *Backend) attendGroup(wk, layer, row, kvh int, q, out Act, s llama.AttnSpec) {
	r := b.rows[row]
	g, hd, n := s.Heads/s.KVHeads, s.HeadDim, r.pos+1
	buf := b.scratch(wk, 4*hd+g*n)
	vecs, scores := buf[:4*hd], buf[4*hd:]
	qs := q.Row(row)[kvh*g*hd : (kvh+1)*g*hd] // the group's query heads are adjacent
	var kv [4][]float32
	for t := 0; t < n; t += 4 {
		m := b.kvVectors(&kv, vecs, false, layer, r, kvh, t, n)
		for h := 0; h < g; h++ {
			sc, qh := scores[h*n+t:h*n+t+m], qs[h*hd:(h+1)*hd]
			if m == 4 {
				kernels.dotF32x4(sc, kv[0], kv[1], kv[2], kv[3], qh)
				continue
			}
			for j := range sc {
				sc[j] = dotF32(qh, kv[j])
			}
		}
	}
	scale := float32(1 / math.Sqrt(float64(hd)))
	for h := 0; h < g; h++ {
		sc := scores[h*n : (h+1)*n]
		for i := range sc {
			sc[i] *= scale
		}
		softmaxF32(sc)
	}
	o := out.Row(row)[kvh*g*hd : (kvh+1)*g*hd]
	clear(o)
	for t := 0; t < n; t += 4 {
		m := b.kvVectors(&kv, vecs, true, layer, r, kvh, t, n)
		for h := 0; h < g; h++ {
			sc, oh := scores[h*n+t:h*n+t+m], o[h*hd:(h+1)*hd]
			if m == 4 {
				kernels.axpyF32x4(oh, sc, kv[0], kv[1], kv[2], kv[3])
				continue
			}
			for j, a := range sc {
				axpyF32(oh, a, kv[j])
			}
		}
	}
}

// kvVectors sets kv to the K (or V) vectors of positions t.. of KV head kvh,
// up to four and not past n, using vecs as room for decoded ones; it
// returns how many it set.
func (b *Backend) kvVectors(kv *[4][]float32, vecs []float32, v bool, layer int, r rowInfo, kvh, t, n int) int {
	l := b.kv.Layout()
	m := min(4, n-t)
	for j := 0; j < m; j++ {
		id, slot := r.blocks[(t+j)/l.BlockSize], (t+j)%l.BlockSize
		block := b.kv.K(layer, id)
		if v {
			block = b.kv.V(layer, id)
		}
		kv[j] = kvVector(l, block, kvh, slot, vecs[j*l.HeadDim:(j+1)*l.HeadDim])
	}
	return m
}

// kvVector returns the (head, slot) vector of a KV block: for fp32 layouts
// the block's own bytes viewed as float32 (decoding every cached vector
// cost more than attending to it), else the vector dequantized into buf.
func kvVector(l cache.Layout, block []byte, head, slot int, buf []float32) []float32 {
	if l.Type == cache.KVF32 {
		off := l.ValueOffset(head, slot)
		if v, ok := viewF32(block[off : off+4*l.HeadDim]); ok {
			return v
		}
	}
	l.Load(block, head, slot, buf)
	return buf
}

// softmaxF32 is Softmax in float32 arithmetic, exp by the kernel set.
func softmaxF32(x []float32) {
	m := float32(math.Inf(-1))
	for _, v := range x {
		m = max(m, v)
	}
	inv := 1 / kernels.expSum(x, m)
	for i := range x {
		x[i] *= inv
	}
}

// expSumScalar replaces x[i] by e^(x[i]−m), computed in float64, and
// returns the sum.
func expSumScalar(x []float32, m float32) float32 {
	var sum float32
	for i, v := range x {
		e := float32(math.Exp(float64(v - m)))
		x[i] = e
		sum += e
	}
	return sum
}
